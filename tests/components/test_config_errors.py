"""ConfigError is what the CLI shows: a RunError (no traceback) whose message lists every problem."""
import pulumi

from components.config import ConfigError, Problem
from components.config.errors import Problems


def test_config_error_is_a_run_error_with_one_line_per_problem():
    problems = Problems()
    problems.add("procurement:backend.minInstances", "production runs at least 2 instances (got 1)")
    problems.add("procurement:domian", "unknown key; did you mean 'procurement:domain'?")
    problems.add("procurement:domian", "unknown key; did you mean 'procurement:domain'?")  # said once
    error = ConfigError("production", problems)
    assert isinstance(error, pulumi.RunError) and isinstance(error, Exception)
    assert error.keys == ("procurement:backend.minInstances", "procurement:domian")
    assert str(error).splitlines() == [
        "Stack 'production' has 2 configuration problems; nothing was declared. "
        "Fix these in Pulumi.<stack>.yaml (or the stack's ESC environment):",
        "  - procurement:backend.minInstances: production runs at least 2 instances (got 1)",
        "  - procurement:domian: unknown key; did you mean 'procurement:domain'?",
    ]
    assert error.problems[0] == Problem("procurement:backend.minInstances",
                                        "production runs at least 2 instances (got 1)")

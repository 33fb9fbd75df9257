"""A failing `up` ends in the engine's one-line error, never a Python traceback (issue 22).

With a wrong Render token the first Render call answers 401 and the update fails while the program is
still running; the engine then shuts its plugins down by interrupting the language host's process group
(the program is in it) and the host stops the program with its own interrupt. Before
engine/language_host/run_program.py, about one run in four ended in the program's `RunError` +
`KeyboardInterrupt` traceback. The race is timing, so the same failing up runs ten times on one stack.
"""
from __future__ import annotations

from tests.engine.local_project import local_project, pulumi, without_database

RUNS = 10


def test_a_failing_up_with_a_wrong_token_never_ends_in_a_traceback(tmp_path, pulumi_env, sandbox):
    root, env = local_project(tmp_path, pulumi_env, sandbox, edit_config=without_database)
    wrong = {**env, "RENDER_API_KEY": "rnd_not_the_token_render_issued"}
    for run in range(RUNS):
        done = pulumi(root, wrong, "up", "--yes", "--skip-preview", check=False)
        text = done.stdout + done.stderr
        assert done.returncode != 0, f"run {run}: {text}"
        assert "HTTP 401" in text and "check RENDER_API_KEY" in text, f"run {run}: {text}"
        assert "Traceback" not in text and "KeyboardInterrupt" not in text, f"run {run}: {text}"

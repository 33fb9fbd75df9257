"""Each shared real-world object is owned (managed) by exactly one stack."""
from collections import defaultdict

from stack_cases import STACKS, config_of


def owners(pick):
    found = defaultdict(list)
    for stack in STACKS:
        for obj, owns in pick(config_of(stack)):
            found[obj].append((stack, owns))
    return {obj: [stack for stack, owns in entries if owns] for obj, entries in found.items()}


def test_each_cloudflare_zone_has_one_owner_of_its_zone_wide_settings():
    zones = owners(lambda c: [(c.edge.zone_id, c.edge.manage_zone_settings)] if c.edge else [])
    assert zones and all(stacks == ["production"] for stacks in zones.values()), zones


def test_each_github_repository_has_one_owner_of_its_settings():
    repos = owners(lambda c: [((c.source_control.owner, r.name), c.source_control.manage_repository_settings)
                              for r in c.source_control.repositories] if c.source_control else [])
    assert repos and all(stacks == ["production"] for stacks in repos.values()), repos


def test_at_most_one_stack_per_render_workspace_owns_the_log_stream():
    streams = owners(lambda c: [(c.render.owner_id, c.observability is not None and
                                 c.observability.log_stream_endpoint is not None)] if c.render else [])
    assert all(len(stacks) <= 1 for stacks in streams.values()), streams


def test_at_most_one_stack_per_render_workspace_owns_the_metrics_stream_and_notification_defaults():
    streams = owners(lambda c: [(c.render.owner_id, c.observability is not None and
                                 c.observability.metrics_stream_url is not None)] if c.render else [])
    assert all(len(stacks) <= 1 for stacks in streams.values()), streams
    defaults = owners(lambda c: [(c.render.owner_id, c.observability is not None and
                                  c.observability.alerts.manage_workspace)] if c.render else [])
    shared = defaults["tea-cs1ql6bqf0us73d1k2g0"]
    assert shared == ["production"], defaults

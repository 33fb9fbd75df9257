"""Realism of status codes and behaviour: the recorded real Render traffic, replayed request by request against
the sandbox (recorded ids mapped to the sandbox's), gets a 2xx wherever Render answered 2xx, the same 404 where
Render answered 404, and the same Ratelimit-Limit as Render sent (the bucket families of
tools/sandbox/render/ratelimits.py). Endpoint families the project does not emulate are skipped, each with its reason
(sandbox.replay.SKIPPED)."""

from collections import Counter

import pytest

from tools.sandbox.recordings import render_exchanges
from tools.sandbox.replay import SKIPPED, SUPERSEDED_LIMITS, replay_render


@pytest.mark.sandbox_rate_limits(time_scale=0.001, reason="replays hours of recorded traffic in seconds; windows "
                                                         "shrink but the Limit headers are still compared")
def test_recorded_render_traffic_replays_with_the_same_outcomes(sandbox):
    result = replay_render(sandbox.render)
    compared = result.compared()
    assert len(compared) >= 2000, len(compared)

    wrong = [f"{o.source} {o.method} {o.path}: Render {o.recorded}, sandbox {o.status}" for o in result.mismatches()]
    assert not wrong, "requests Render answered 2xx that the sandbox refused:\n" + "\n".join(wrong[:40])
    not_found = [o for o in compared if o.recorded == 404]
    assert not_found and all(o.status == 404 for o in not_found), [
        f"{o.source} {o.method} {o.path}: {o.status}" for o in not_found if o.status != 404][:20]
    limits = [f"{o.source} {o.method} {o.path}: Render {o.recorded_limit}, sandbox {o.limit}"
              for o in result.limit_mismatches()]
    assert not limits, "\n".join(limits[:40])
    # Every recorded answer had one; those a newer recording contradicts are listed with the reason.
    assert sum(1 for o in compared if o.recorded_limit) == len(compared) - len(SUPERSEDED_LIMITS)

    # Nothing is skipped without a stated reason: a skipped family, or an object only a skipped family made.
    reasons = Counter(o.skipped for o in result.skipped())
    assert all(r in SKIPPED.values() or r.startswith("names ") for r in reasons), reasons
    families = {e.path.split("/")[1] for e in render_exchanges()}
    served = {template.split("/")[1] for _, template in sandbox.render.routes}
    assert families - served == set(SKIPPED), "recorded families neither emulated nor listed in SKIPPED"
    # Notification settings (owner and per-service overrides) and the metrics stream are emulated and compared.
    for family in ("notification-settings", "metrics-stream"):
        assert any(o.path.startswith(f"/{family}/") and 200 <= o.status < 300 for o in compared), family
    assert result.response_violations == []  # every sandbox answer of the replay satisfied the spec

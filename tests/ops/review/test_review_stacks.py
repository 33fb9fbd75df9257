"""The sweeper's decision: keep open, unexpired PRs' stacks; sweep closed or expired ones; name the orphans."""
from datetime import datetime, timedelta, timezone

from ops.review.stacks import ReviewStack, decide
from ops.timestamps import utc_time

NOW = datetime(2026, 12, 6, 12, tzinfo=timezone.utc)


def stack(pr, expires_in_hours=None, updated_hours_ago=1, updating=False):
    expires = NOW + timedelta(hours=expires_in_hours) if expires_in_hours is not None else None
    last = NOW - timedelta(hours=updated_hours_ago) if updated_hours_ago is not None else None
    return ReviewStack(f"pr-{pr}", pr, expires, last, updating)


def names(decision):
    return [s.name for s in decision.keep], [(s.name, why) for s, why in decision.sweep]


def test_open_and_unexpired_is_kept_closed_is_swept():
    decision = decide([stack(1, 5), stack(2, 5)], open_prs=[1], tagged_prs=[], now=NOW, ttl_hours=72)
    assert names(decision) == (["pr-1"], [("pr-2", "PR 2 is not open")])


def test_expired_is_swept_even_when_open():
    decision = decide([stack(3, -0.5)], open_prs=[3], tagged_prs=[], now=NOW, ttl_hours=72)
    assert names(decision) == ([], [("pr-3", "expired at 2026-12-06 11:30 UTC")])


def test_expiry_exactly_now_is_expired():
    assert decide([stack(3, 0)], [3], [], NOW, 72).sweep


def test_without_a_review_output_the_ttl_counts_from_the_last_update():
    fresh, old = stack(4, None, updated_hours_ago=10), stack(5, None, updated_hours_ago=80)
    decision = decide([fresh, old], open_prs=[4, 5], tagged_prs=[], now=NOW, ttl_hours=72)
    assert names(decision)[0] == ["pr-4"] and [s.name for s, _ in decision.sweep] == ["pr-5"]
    assert names(decide([fresh], [4], [], NOW, ttl_hours=8))[0] == []


def test_an_update_in_progress_of_an_open_pr_is_kept_a_closed_one_is_not():
    new = stack(6, None, updated_hours_ago=None, updating=True)
    assert names(decide([new], [6], [], NOW, 72))[0] == ["pr-6"]
    assert names(decide([new], [], [], NOW, 72))[1] == [("pr-6", "PR 6 is not open")]
    never = stack(6, None, updated_hours_ago=None)
    assert names(decide([never], [6], [], NOW, 72))[1] == [("pr-6", "never updated and not updating")]


def test_orphans_are_tagged_prs_without_a_stack():
    decision = decide([stack(1, 5), stack(2, 5)], open_prs=[1, 9], tagged_prs=[1, 2, 8, 9], now=NOW, ttl_hours=72)
    assert decision.orphans == (8, 9)


def test_instant_reads_z_and_offsets():
    assert utc_time("2026-12-06T12:00:00Z") == NOW
    assert utc_time("2026-12-06T13:00:00+01:00") == NOW
    assert utc_time(None) is None

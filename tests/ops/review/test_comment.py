"""The PR comment: one marker line to find it again, each state's headline, URLs, branch, expiry, cost, commands."""
import json

import pytest

from ops.review import comment as c
from ops.review.cost import CostLine, Estimate

OUTPUTS = {"frontend_url": "https://procurement-pr-7-app.onrender.com",
           "api_url": "https://procurement-pr-7-api.onrender.com",
           "database_branch_ref": "abcdefghijklmnopqrst",
           "review": {"pr": "7", "expires_at": "2026-12-09T23:00:00Z"}}
ESTIMATE = Estimate((CostLine("backend-api", "web_service, standard x 1", 25 / 730),
                     CostLine("database-branch", "database branch, micro compute", 0.01344, "size unset")))


def test_the_marker_is_the_first_line_of_every_state():
    for state in c.STATES:
        assert c.comment(7, c.Status(state, "x")).splitlines()[0] == c.MARKER


@pytest.mark.parametrize("status, headline", [
    (c.Status("creating"), "**pr-7**: creating"),
    (c.Status("updated"), "**pr-7**: up to date"),
    (c.Status("queued", "pr-7 queued: needs 3 service creates, the workspace has 1 of 20 left until 14:00 UTC; "
                        "it runs then"), "**pr-7**: queued until 14:00 UTC"),
    (c.Status("queued", "no time in it"), "**pr-7**: queued"),
    (c.Status("failed", "POST /services: 400 Bad Request: invalid plan; fix Pulumi.staging.yaml"),
     "**pr-7**: failed: POST /services: 400 Bad Request: invalid plan"),
    (c.Status("destroyed"), "**pr-7**: destroyed"),
])
def test_each_state_has_its_headline(status, headline):
    assert headline in c.comment(7, status).splitlines()[1]


def test_an_updated_stack_shows_its_urls_branch_expiry_and_cost():
    body = c.comment(7, c.Status("updated"), OUTPUTS, ESTIMATE)
    assert "[App](https://procurement-pr-7-app.onrender.com) · [API](https://procurement-pr-7-api.onrender.com)" in body
    assert "Supabase branch `pr-7` (ref `abcdefghijklmnopqrst`)" in body
    assert "**Expires**: 2026-12-09T23:00:00Z" in body
    total = 25 / 730 + 0.01344
    assert f"about ${total:.3f} per hour (~${total * 24:.2f} a day)" in body
    assert "| `backend-api` | web_service, standard x 1 | $0.034 |  |" in body
    assert "| `database-branch` | database branch, micro compute | $0.013 | size unset |" in body
    assert "python -m ops.review down --pr 7" in body and "make review-up PR=7" in body


def test_a_destroyed_stack_shows_no_links_and_no_cost():
    body = c.comment(7, c.Status("destroyed"), OUTPUTS, ESTIMATE)
    assert "onrender.com" not in body and "per hour" not in body and "Expires" not in body


def test_missing_outputs_are_left_out_not_shown_empty():
    body = c.comment(7, c.Status("creating"), {"api_url": "https://a.onrender.com"})
    assert "[API](https://a.onrender.com)" in body and "[App]" not in body and "Database" not in body


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="'gone' is not one of"):
        c.comment(7, c.Status("gone"))


def test_the_command_line_writes_the_comment(tmp_path, capsys):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(OUTPUTS))
    assert c.main(["--pr", "7", "--state", "updated", "--outputs", str(outputs)]) == 0
    assert capsys.readouterr().out == c.comment(7, c.Status("updated"), OUTPUTS)


def test_the_command_line_refuses_bad_input_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        c.main(["--pr", "0", "--state", "updated"])
    assert e.value.code == 2 and "positive" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        c.main(["--pr", "7", "--state", "updated", "--plan", "p.json"])
    assert e.value.code == 2 and "--parent-ref" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="cannot read outputs .*missing.json"):
        c.main(["--pr", "7", "--state", "updated", "--outputs", str(tmp_path / "missing.json")])

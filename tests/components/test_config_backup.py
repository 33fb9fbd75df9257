"""`procurement:backup`: recipients that cannot be lost or faked, a digest-pinned job image, and the old keys
refused with one line each."""
import copy

import pytest
import yaml
from pyrage import x25519

from components.config import ConfigError, RawConfig, formats as f, parse_config
from stack_cases import committed_overrides
from tests.mock_harness import PROJECT_ROOT, read_stack_config

P = "procurement:"


def key() -> str:
    return str(x25519.Identity.generate().to_public())


def production_backup() -> dict:
    return copy.deepcopy(committed_overrides("production")[P + "backup"])


def config_problems(stack: str, overrides: dict) -> dict[str, str]:
    f_ = read_stack_config(stack, overrides=overrides)
    try:
        parse_config(RawConfig(f_.values, f_.secret_keys), project=f_.project, stack=stack)
    except ConfigError as error:
        return {p.key: p.message for p in error.problems}
    return {}


def problems(backup: dict, stack: str = "production") -> dict[str, str]:
    return config_problems(stack, {**committed_overrides(stack), P + "backup": backup})


def test_age_recipient_checks_the_bech32_checksum():
    good = key()
    assert f.age_recipient(good) is None
    last = good[-1]
    flipped = good[:-1] + ("q" if last != "q" else "p")  # same shape, one character off: the checksum fails
    for bad in (flipped, good[:-1], "age1" + "q" * 58, "<age1... of the on-call key pair: docs/how-to/operations.md, Backup keys>"):
        message = f.age_recipient(bad)
        assert message and "age-keygen" in message and 'docs/how-to/operations.md "Backup keys"' in message, bad
    assert "identity" in f.age_recipient("AGE-SECRET-KEY-1" + "Q" * 58)


def test_the_committed_production_file_refuses_its_placeholders_until_go_live():
    # No key pair is committed: without the real recipients (docs/how-to/operations.md "Backup keys") production previews nothing.
    found = config_problems("production", {})
    assert set(found) == {P + f"backup.recipients[{i}].recipient" for i in range(3)}  # on-call, escrow, restore-test
    assert all("age-keygen" in m for m in found.values())


def test_production_with_real_recipients_has_no_problem():
    assert problems(production_backup()) == {}


@pytest.mark.parametrize("change,key_,words", [
    (lambda b: b.update(recipients=b["recipients"][:1]), "backup.recipients", "at least two recipients"),
    (lambda b: b["recipients"][1].update(recipient=b["recipients"][0]["recipient"]), "backup.recipients[1].recipient",
     "same key as recipients[0]"),
    (lambda b: b["recipients"][1].pop("escrow"), "backup.recipients", "escrow: true"),
    (lambda b: [r.update(escrow=True) for r in b["recipients"]], "backup.recipients", "without escrow"),
    (lambda b: b["recipients"][0].update(recipient="age1027999edr98dd2n3vxlqdc0lu86r4cs5c90gr0ggptpmrgt9la8qelxapw"),
     "backup.recipients[0].recipient", "placeholder an earlier stack file carried"),
    (lambda b: b["recipients"][0].update(holder="on-call\nand more"), "backup.recipients[0].holder", "one line"),
    (lambda b: b["recipients"][0].pop("holder"), "backup.recipients[0].holder", "is required"),
    (lambda b: b.update(recipients=[]), "backup.recipients", "between 1 and"),
    (lambda b: b.update(image="ghcr.io/acme-procurement/procurement-backup:latest"), "backup.image",
     "pinned by digest"),
    (lambda b: b.pop("image"), "backup.image", "is required"),
    (lambda b: b.update(recipient=b["recipients"][0]["recipient"]), "backup.recipient", "renamed: give `recipients`"),
    (lambda b: b.update(repo="https://github.com/acme-procurement/procurement-infra"), "backup.repo",
     "digest-pinned image"),
    (lambda b: b.update(branch="main"), "backup.branch", "digest-pinned image"),
])
def test_bad_backup_config_is_one_line_naming_the_key(change, key_, words):
    backup = production_backup()
    change(backup)
    found = problems(backup)
    assert P + key_ in found, found
    assert words in found[P + key_], found[P + key_]
    assert "\n" not in found[P + key_]


def test_one_recipient_is_enough_outside_production():
    backup = production_backup()
    backup["recipients"] = backup["recipients"][:1]
    assert problems(backup, "staging") == {}
    backup["recipients"] = [backup["recipients"][0], dict(backup["recipients"][0])]
    assert "same key" in problems(backup, "staging")[P + "backup.recipients[1].recipient"]  # everywhere


def test_a_service_role_cannot_take_the_backup_roles_name():
    database = yaml.safe_load((PROJECT_ROOT / "Pulumi.production.yaml").read_text())["config"][P + "database"]
    database["roles"][0]["name"] = "backup_reader"
    found = config_problems("production", {**committed_overrides("production"), P + "database": database})
    assert "backup job's own role" in found[P + "database.roles"]

"""Hashed-secret comparison: the forms the Management API reports secrets in."""
from __future__ import annotations

import hashlib
import hmac

from dynamic_providers.supabase.hashing import (
    auth_secret_hash,
    auth_secret_matches,
    edge_secret_digest,
    is_masked,
)

REF = "abcdefghijklmnopqrst"


def test_edge_secret_digest_is_hex_sha256_of_utf8():
    assert edge_secret_digest("bar") == "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"
    assert edge_secret_digest("päss") == hashlib.sha256("päss".encode()).hexdigest()


def test_auth_hash_is_hmac_keyed_by_project_ref():
    expected = hmac.new(REF.encode(), b"smtp-secret", hashlib.sha256).hexdigest()
    assert auth_secret_hash(REF, "smtp-secret") == expected
    assert auth_secret_hash("otherrefotherrefothe", "smtp-secret") != expected


def test_matches_the_hmac_form_and_detects_a_change():
    remote = auth_secret_hash(REF, "s3cret-value")
    assert auth_secret_matches(REF, "s3cret-value", remote)
    assert not auth_secret_matches(REF, "rotated-value", remote)  # changed out of band
    assert not auth_secret_matches(REF, "s3cret-value", auth_secret_hash("x" * 20, "s3cret-value"))


def test_unset_and_masked_values():
    assert auth_secret_matches(REF, None, None) and auth_secret_matches(REF, "", "")
    assert not auth_secret_matches(REF, "declared", None)  # removed remotely
    assert not auth_secret_matches(REF, None, auth_secret_hash(REF, "x"))  # set remotely, not declared
    assert is_masked("********") and not is_masked("abc")
    # A masked report cannot be compared: treated as in sync rather than a diff nobody can fix.
    assert auth_secret_matches(REF, "declared", "******")


def test_plaintext_echo_and_non_ascii_do_not_crash():
    assert auth_secret_matches(REF, "pässwörd", "pässwörd")
    assert auth_secret_matches(REF, "pässwörd", auth_secret_hash(REF, "pässwörd"))
    assert not auth_secret_matches(REF, "pässwörd", "päss")

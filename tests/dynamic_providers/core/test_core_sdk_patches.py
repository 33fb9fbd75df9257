"""The SDK patches run only on the pulumi release they were written for (core/sdk_patches.py)."""
from __future__ import annotations

import re
import traceback

import pytest
from pulumi import _version
from pulumi.runtime import proto

from dynamic_providers.core import sdk_patches
from tests.mock_harness import PROJECT_ROOT


def test_the_pinned_version_is_the_one_requirements_txt_installs():
    pins = re.findall(r"^pulumi==(\S+)", (PROJECT_ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pins == [sdk_patches.PINNED_PULUMI_VERSION]
    assert sdk_patches.installed_sdk_version() == sdk_patches.PINNED_PULUMI_VERSION
    sdk_patches.check_sdk_version()  # the venv's SDK passes


def test_another_sdk_version_fails_with_one_line_naming_it_and_the_fix(monkeypatch):
    monkeypatch.setattr(_version, "_VERSION", "3.273.0")
    with pytest.raises(sdk_patches.SdkVersionError) as raised:
        sdk_patches.check_sdk_version()
    message = str(raised.value)
    assert "\n" not in message
    assert "pulumi SDK 3.273.0 is installed" in message and "3.272.0" in message and "`make venv`" in message
    assert raised.value.concise  # the provider host shows it without a traceback


def test_on_another_version_the_host_is_left_unpatched(monkeypatch, stand_in_host):
    monkeypatch.setattr(_version, "_VERSION", "3.300.1")
    with pytest.raises(sdk_patches.SdkVersionError):
        sdk_patches.install()
    assert stand_in_host.traceback is traceback and stand_in_host.proto is proto


def test_on_the_pinned_version_install_patches_the_host_once(stand_in_host):
    sdk_patches.install()
    patched_traceback, patched_proto = stand_in_host.traceback, stand_in_host.proto
    assert isinstance(patched_traceback, sdk_patches._ConciseTraceback)
    assert isinstance(patched_proto, sdk_patches._DetailedProto)
    sdk_patches.install()  # idempotent
    assert stand_in_host.traceback is patched_traceback and stand_in_host.proto is patched_proto


def test_the_program_checks_the_sdk_version_before_anything_else(monkeypatch):
    monkeypatch.setattr(_version, "_VERSION", "3.273.0")
    program = (PROJECT_ROOT / "__main__.py").read_text()
    code = [line.split("#")[0].strip() for line in program.split('"""', 2)[2].splitlines()]
    first_statements = [line for line in code if line][:2]
    assert first_statements == ["from dynamic_providers.core.sdk_patches import check_sdk_version",
                                "check_sdk_version()"]
    with pytest.raises(sdk_patches.SdkVersionError):
        exec(compile("\n".join(first_statements), "__main__.py", "exec"), {})

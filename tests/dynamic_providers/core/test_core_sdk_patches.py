"""The SDK patches run only on the pulumi release they were written for (core/sdk_patches.py)."""
from __future__ import annotations

import re
import sys
import traceback
import types

import pytest
from pulumi import _version
from pulumi.runtime import proto

from dynamic_providers.core import sdk_patches
from tests.mock_harness import PROJECT_ROOT


@pytest.fixture
def host(monkeypatch):
    """A module standing in for ``pulumi.dynamic.__main__`` (importing the real one starts its server)."""
    module = types.ModuleType("__main__")
    module.__spec__ = types.SimpleNamespace(name="pulumi.dynamic.__main__")
    module.traceback, module.proto = traceback, proto
    monkeypatch.setitem(sys.modules, "__main__", module)
    return module


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


def test_on_another_version_the_host_is_left_unpatched(monkeypatch, host):
    monkeypatch.setattr(_version, "_VERSION", "3.300.1")
    with pytest.raises(sdk_patches.SdkVersionError):
        sdk_patches.install()
    assert host.traceback is traceback and host.proto is proto


def test_on_the_pinned_version_install_patches_the_host_once(host):
    sdk_patches.install()
    patched_traceback, patched_proto = host.traceback, host.proto
    assert isinstance(patched_traceback, sdk_patches._ConciseTraceback)
    assert isinstance(patched_proto, sdk_patches._DetailedProto)
    sdk_patches.install()  # idempotent
    assert host.traceback is patched_traceback and host.proto is patched_proto


def test_the_program_checks_the_sdk_version_before_anything_else(monkeypatch):
    monkeypatch.setattr(_version, "_VERSION", "3.273.0")
    program = (PROJECT_ROOT / "__main__.py").read_text()
    code = [line.split("#")[0].strip() for line in program.split('"""', 2)[2].splitlines()]
    first_statements = [line for line in code if line][:2]
    assert first_statements == ["from dynamic_providers.core.sdk_patches import check_sdk_version",
                                "check_sdk_version()"]
    with pytest.raises(sdk_patches.SdkVersionError):
        exec(compile("\n".join(first_statements), "__main__.py", "exec"), {})

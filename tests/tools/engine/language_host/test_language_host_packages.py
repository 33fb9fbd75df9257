"""tools/engine/language_host/packages.py: the resource plugins the program's packages declare."""

import json
import sys

import pytest
from pulumi.runtime.proto import plugin_pb2

from tools.engine.language_host.errors import HostError
from tools.engine.language_host.options import PythonOptions
from tools.engine.language_host.packages import (normalize_package_name, plugin_version_from_pep440, read_plugin_json,
                                           required_packages)
from tests.tools.engine.language_host.test_language_host_options import info


@pytest.mark.parametrize("name, normal", [("Pulumi_Cloudflare", "pulumi-cloudflare"), ("a.b__c", "a-b-c")])
def test_pep503_names(name, normal):
    assert normalize_package_name(name) == normal


@pytest.mark.parametrize("pep440, semver", [
    ("6.23.1", "6.23.1"), ("3", "3.0.0"), ("1.2", "1.2.0"), ("1.0.0a4", "1.0.0-alpha.4"), ("2.1b1", "2.1.0-beta.1"),
    ("1.0rc2", "1.0.0-rc.2"), ("1.0.post3", "1.0.0+post3"), ("1.0.dev5", "1.0.0+dev5"),
    ("1.0.post3.dev5", "1.0.0+post3dev5"), ("not-a-version", None),
])
def test_plugin_versions_from_pep440(pep440, semver):
    assert plugin_version_from_pep440(pep440) == semver


def test_plugin_json_is_read_from_the_package_directory(tmp_path):
    (tmp_path / "pulumi_thing").mkdir()
    (tmp_path / "pulumi_thing" / "pulumi-plugin.json").write_text(json.dumps({"resource": True, "name": "thing"}))
    assert read_plugin_json(str(tmp_path), "pulumi-thing") == {"resource": True, "name": "thing"}
    assert read_plugin_json(str(tmp_path), "pulumi-other") is None
    (tmp_path / "pulumi_thing" / "pulumi-plugin.json").write_text("{broken")
    with pytest.raises(HostError, match="pulumi-plugin.json"):
        read_plugin_json(str(tmp_path), "pulumi-thing")


def test_required_packages_of_this_projects_venv():
    # The venv of this project holds the bridged provider SDKs (whose plugins the engine pins) and pulumi-policy
    # (never a plugin); the packages come from their pulumi-plugin.json files, read in that venv's Python.
    packages = required_packages(PythonOptions(info(virtualenv=sys.prefix)))
    found = {p.name: p.version for p in packages}
    assert {"cloudflare": "v6.23.1", "github": "v6.15.0", "docker": "v5.2.0"}.items() <= found.items()
    assert "policy" not in found and "pulumi-policy" not in found
    assert all(p.kind == "resource" for p in packages)
    assert all(isinstance(p, plugin_pb2.PackageDependency) for p in packages)

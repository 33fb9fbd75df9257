"""GetRequiredPackages: the resource plugins the program's installed Python packages declare."""

import base64
import json
import os
import re
from typing import Optional

from pulumi.runtime.proto import plugin_pb2

from .errors import HostError
from .log import debug
from .options import PythonOptions, run_python

# Packages that carry no resource plugin although their names look like Pulumi packages
# (same list as the Go host).
PACKAGES_WITHOUT_PLUGINS = {"pulumi-policy", "pulumi-esc-sdk"}

# Lists the distributions installed in an interpreter, with their site directory, so we can
# find each package's pulumi-plugin.json. Runs inside the program's interpreter.
LIST_DISTRIBUTIONS = """
import json, importlib.metadata as m
out = []
for d in m.distributions():
    name = d.metadata["Name"]
    if name:
        out.append({"name": name, "version": d.version, "location": str(d.locate_file(""))})
print(json.dumps(out))
"""


def normalize_package_name(name: str) -> str:
    """PEP 503 normal form, as the Go toolchain reports names."""
    return re.sub(r"[-_.]+", "-", name.lower())


def read_plugin_json(location: str, package: str) -> Optional[dict]:
    path = os.path.join(location, package.replace("-", "_"), "pulumi-plugin.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise HostError(f"reading {path}: {e}") from e


def plugin_version_from_pep440(version: str) -> Optional[str]:
    """Translate `N(.N)*[{a|b|rc}N][.postN][.devN]` to semver (as the Go host does), or None."""
    match = re.fullmatch(r"(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?", version)
    if not match:
        return None
    release, pre_kind, pre_num, post, dev = match.groups()
    segments = release.split(".")
    segments += ["0"] * (3 - len(segments))
    result = ".".join(segments)
    if pre_kind:
        result += "-" + {"a": "alpha", "b": "beta", "rc": "rc"}[pre_kind] + "." + pre_num
    if post is not None:
        result += "+post" + post
    if dev is not None:
        result += ("" if post is not None else "+") + "dev" + dev
    return result


def required_packages(opts: PythonOptions) -> list:
    """One PackageDependency per installed Python package that declares a resource plugin."""
    distributions = json.loads(run_python(opts, ["-c", LIST_DISTRIBUTIONS]))
    packages = []
    seen = set()
    for dist in distributions:
        name = normalize_package_name(dist["name"])
        if name in seen or name in PACKAGES_WITHOUT_PLUGINS:
            continue
        seen.add(name)
        plugin = read_plugin_json(dist["location"], name)
        if plugin is None and not name.startswith("pulumi-"):
            continue
        plugin = plugin or {}
        if plugin and not plugin.get("resource", False):
            continue
        plugin_name = plugin.get("name") or name[len("pulumi-"):]
        version = plugin.get("version") or plugin_version_from_pep440(dist["version"])
        if not version:
            debug(5, f"cannot derive a plugin version for {name} {dist['version']}; skipping it")
            continue
        if not version.startswith("v"):
            version = "v" + version
        dependency = plugin_pb2.PackageDependency(
            name=plugin_name, kind="resource", version=version, server=plugin.get("server", "")
        )
        parameterization = plugin.get("parameterization")
        if parameterization:
            dependency.parameterization.CopyFrom(
                plugin_pb2.PackageParameterization(
                    name=parameterization.get("name", ""),
                    version=parameterization.get("version", ""),
                    value=base64.b64decode(parameterization.get("value", "") or ""),
                )
            )
        packages.append(dependency)
    return packages

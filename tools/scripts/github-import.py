"""Print a `pulumi import --file` for the GitHub objects that already exist before the owning stack's first up.

    .venv/bin/python tools/scripts/github-import.py production [--ruleset ROLE=ID ...]
        [--deployment-policy ROLE:ENV=ID ...] [--without-environment ROLE:ENV ...] > github-import.json
    pulumi import --file github-import.json --stack acme-procurement/procurement/production
        --protect=false --generate-code=false

The file declares the `source-control` component and its GitHub provider and imports, per configured repository,
the repository, its vulnerability alerts and GitHub environments, plus the `main` ruleset and an environment's
deployment branch policy when their ids are given (else Pulumi creates them). Why, the ids and where to find
them: docs/how-to/adopt-existing-objects.md, "GitHub: pulumi import".
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from components.config import RawConfig, parse_config  # noqa: E402
from components.source_control import ENVIRONMENT_GUARDS, environments_of  # noqa: E402
from tests.mock_harness import read_stack_config  # noqa: E402

COMPONENT = "source-control"  # platform.build_platform names the tier component so
GITHUB = "github:index/"


def import_file(stack: str, rulesets: dict[str, str], policies: dict[str, str], without: set[str]) -> dict:
    f = read_stack_config(stack)
    config = parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack=stack).source_control
    if config is None or not config.manage_repository_settings:
        raise SystemExit(f"github-import: stack {stack} does not own the repositories "
                         "(sourceControl.manageRepositorySettings); import into the stack that does")
    provider = f"{COMPONENT}-github"
    resources: list[dict] = [
        {"type": "procurement:source_control:SourceControl", "name": COMPONENT, "logicalName": COMPONENT,
         "component": True},
        {"type": "pulumi:providers:github", "name": provider, "logicalName": provider, "parent": COMPONENT,
         "inputs": {"owner": config.owner}},
    ]

    def child(kind: str, name: str, id_: str) -> None:
        resources.append({"type": GITHUB + kind, "name": name, "logicalName": name, "id": id_,
                          "parent": COMPONENT, "provider": provider})

    for repo in config.repositories:
        base = f"{COMPONENT}-{repo.role}"
        child("repository:Repository", base, repo.name)
        child("repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts", f"{base}-vulnerability-alerts", repo.name)
        if repo.role in rulesets:
            child("repositoryRuleset:RepositoryRuleset", f"{base}-default-branch", f"{repo.name}:{rulesets[repo.role]}")
        for environment in environments_of(repo.role):  # the preview environments have no branch policy
            key = f"{repo.role}:{environment}"
            if key in without:
                continue
            child("repositoryEnvironment:RepositoryEnvironment", f"{base}-{environment}", f"{repo.name}:{environment}")
            if key in policies:
                child("repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
                      f"{base}-{environment}-branch", f"{repo.name}:{environment}:{policies[key]}")
    return {"resources": resources}


def pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not value.isdigit():
            raise SystemExit(f"github-import: {what} takes KEY=<numeric id>, got {item!r}")
        out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stack", help="stack file name: production (the owner)")
    parser.add_argument("--ruleset", action="append", default=[], help="ROLE=ID of an existing main ruleset")
    parser.add_argument("--deployment-policy", action="append", default=[],
                        help="ROLE:ENVIRONMENT=ID of an existing deployment branch policy")
    parser.add_argument("--without-environment", action="append", default=[],
                        help="ROLE:ENVIRONMENT that does not exist yet (Pulumi creates it)")
    parser.add_argument("-v", "--debug", action="store_true", help="show the Python traceback of a failure")
    args = parser.parse_args(argv)
    try:
        document = import_file(args.stack, pairs(args.ruleset, "--ruleset"),
                               pairs(args.deployment_policy, "--deployment-policy"), set(args.without_environment))
    except FileNotFoundError as error:
        if args.debug:
            raise
        raise SystemExit(f"github-import: {error.filename} does not exist: name a stack with a Pulumi.<stack>.yaml "
                         "here, e.g. `tools/scripts/github-import.py production`") from None
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

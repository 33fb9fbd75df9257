"""What a release costs and how fast it switches back (issue 25), on the real CLI against a sandbox of its own.

    .venv/bin/python bench/release.py [--repeat 3] [--watch 5] [--json PATH]

Plain deploys and candidate releases alternate while a loop sends requests; then a digest that fails after 20
requests is switched back by the watch. Ratios: release / plain deploy, switch-back / plain deploy; every healthy
release must drop no request. Details and the last run: docs/explanation/benchmarks.md, "Releases".
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.engine_overhead import PULUMI, RESULTS, Bench  # noqa: E402
from dynamic_providers.render.watch import SWITCH_BACK_REPORT  # noqa: E402
from tools.sandbox.traffic_loop import TrafficLoop  # noqa: E402

REPOSITORY = "ghcr.io/acme-procurement/procurement-system"
SMOKE_PATH = "/api/v1/orders"
FAILS_AFTER_REQUESTS = 20  # the candidate's checks pass (two requests); production's traffic breaks it
CANDIDATE_RAN = f"GET {SMOKE_PATH} -> 200 ok"  # a candidate's check result, as its progress line says it


def ref(name: str) -> str:
    return f"{REPOSITORY}@sha256:{hashlib.sha256(name.encode()).hexdigest()}"


class ReleaseBench(Bench):
    def config(self, name: str, digest: str, *, candidate: bool, watch: int) -> Path:
        """The sandbox's local stack config with this image and release settings (the database tier off)."""
        doc = yaml.safe_load((self.tmp / "sandbox" / "Pulumi.local.yaml").read_text())
        config = doc["config"]
        config["procurement:backendImageDigest"] = digest
        config["procurement:release"] = {"candidate": candidate, "watchSeconds": watch,
                                         "smokeChecks": [{"path": SMOKE_PATH, "status": 200}]}
        path = self.tmp / f"Pulumi.{name}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    def up(self, label: str, config: Path, ok: bool = True) -> dict:
        command = self.local("pulumi", "up", "--yes", "--skip-preview", "--config-file", str(config))
        if ok:
            return self.timed(label, command)
        done = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600)
        return {"step": label, "returncode": done.returncode, "output": done.stdout + done.stderr}

    def outputs(self) -> dict:
        done = subprocess.run(self.local("output", "--json"), cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=120, check=True)
        return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="plain deploys and releases each (medians)")
    parser.add_argument("--watch", type=int, default=5, help="watch window of the watched release, seconds")
    parser.add_argument("--deploy-delay", type=float, default=0.3)
    parser.add_argument("--json", type=Path, default=RESULTS / "release.json")
    args = parser.parse_args()
    if not PULUMI.exists():
        raise SystemExit(f"no engine at {PULUMI}: run `make engine` first")
    # Each release creates a preview service: Render allows 20 service creates an hour.
    args.project_ready_delay, args.rate_limit_scale, args.parallel = 0.2, 4.0, None

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="release-bench-") as tmp:
        bench = ReleaseBench(Path(tmp), args)
        bench.start_sandbox()
        render = bench.controls[0]
        loop = None
        try:
            bench.timed("setup: up", bench.local("up"))  # writes the sandbox's Pulumi.local.yaml
            bench.up("setup: first image", bench.config("first", ref("0"), candidate=False, watch=0))
            api = bench.outputs()["api_service_id"]
            loop = TrafficLoop(render.traffic(api)["url"], SMOKE_PATH)
            loop.start()
            steps: dict[str, list[dict]] = {"plain": [], "candidate": []}
            for run in range(args.repeat):
                steps["plain"].append(bench.up("plain deploy", bench.config(f"plain-{run}", ref(f"p{run}"),
                                                                            candidate=False, watch=0)))
                steps["candidate"].append(bench.up("release: candidate", bench.config(
                    f"candidate-{run}", ref(f"c{run}"), candidate=True, watch=0)))
            watched = bench.up("release: candidate + watch", bench.config("watched", ref("w"), candidate=True,
                                                                          watch=args.watch))
            healthy_failures = loop.failed
            render.settings(failing_after_requests_images={f"*{ref('bad').split('@')[1]}": FAILS_AFTER_REQUESTS})
            failed = bench.up("release failing after the switch", bench.config("bad", ref("bad"), candidate=True,
                                                                              watch=args.watch), ok=False)
            loop.more()
            after_switch_failures = loop.failed - healthy_failures
            failed_for = loop.failed_at[-1] - loop.failed_at[healthy_failures] if after_switch_failures else 0.0
        finally:
            if loop is not None:
                loop.stop()
            bench.stop_sandbox()

    switched = SWITCH_BACK_REPORT.search(failed["output"])
    plain = statistics.median(r["wall_s"] for r in steps["plain"])
    candidate = statistics.median(r["wall_s"] for r in steps["candidate"])
    switch_back = float(switched["seconds"]) if switched else float("nan")
    ratios = {"release with candidate / plain deploy": candidate / plain,
              f"release with candidate and {args.watch} s watch / plain deploy": watched["wall_s"] / plain,
              "switch-back (failure detected -> previous deploy live) / plain deploy": switch_back / plain}
    checks = {"every candidate release ran its candidate": all(CANDIDATE_RAN in r["output"] for r in steps["candidate"])
              and CANDIDATE_RAN not in "".join(r["output"] for r in steps["plain"]),
              "healthy releases drop no request": healthy_failures == 0,
              "a failure after the switch is rolled back by the program": failed["returncode"] != 0 and bool(switched)}
    print(f"Releases on the local stack; medians of {args.repeat}; sandbox deploys {args.deploy_delay} s; "
          f"{os.cpu_count()} CPUs, load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(f"{'plain deploy':<48}{plain:7.2f} s")
    print(f"{'release with candidate':<48}{candidate:7.2f} s  (+{candidate - plain:.2f} s)")
    print(f"{'release with candidate and watch':<48}{watched['wall_s']:7.2f} s  (+{watched['wall_s'] - plain:.2f} s)")
    print(f"{'switch-back (as the program reports it)':<48}{switch_back:7.2f} s  ({after_switch_failures} requests failed "
          f"after the switch, over {failed_for:.2f} s)")
    for name, value in ratios.items():
        print(f"{name:<72} {value:5.2f}x")
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"ratios": ratios, "checks": checks, "plain_s": plain, "candidate_s": candidate,
                                     "watched_s": watched["wall_s"], "switch_back_s": switch_back,
                                     "failed_after_switch": after_switch_failures,
                                     "failing_for_s": failed_for}, indent=1))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

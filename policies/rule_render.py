"""Zero-downtime rules for Render web services.

Render switches traffic to a new deploy only once its health check passes, and only keeps serving
during a deploy or an instance restart when there is more than one instance. So every web service
has a health-check path, and production web services run at least two instances (a fixed count or
an autoscaling floor). After the switch Render sends the old instances SIGTERM and kills them after
`max_shutdown_delay_seconds`: production web services set it explicitly (production stacks only),
so the time in-flight requests get to finish is a decision (config checks it covers the slowest
request), not Render's default of 30 s.
"""
from __future__ import annotations

from typing import Any, Callable

from pulumi_policy import ReportViolation, ResourceValidationArgs

from .enforcement import PRODUCTION, StackContext
from .inputs import UNKNOWN, lookup, plain
from .tokens import RENDER_SERVICE, WEB_SERVICE

HEALTH_CHECK = "render-web-health-check"
HEALTH_CHECK_DESCRIPTION = ("Every Render web service has a health-check path, so traffic only moves to "
                            "instances that answer it.")
MIN_INSTANCES = "render-web-min-instances"
MIN_INSTANCES_DESCRIPTION = ("Render web services run at least 2 instances (num_instances or the "
                             "autoscaling minimum), so a deploy or a restart never takes the service down.")
MINIMUM = 2
SHUTDOWN_DELAY = "render-web-shutdown-delay"
SHUTDOWN_DELAY_DESCRIPTION = ("In production every Render web service sets max_shutdown_delay_seconds explicitly, so "
                              "an old instance gets a chosen time to finish its requests after a deploy's switch.")


def _web_service(args: ResourceValidationArgs) -> dict[str, Any] | None:
    if args.resource_type != RENDER_SERVICE:
        return None
    props = plain(args.props)
    return props if lookup(props, "service_type") == WEB_SERVICE else None


def _web_setting(args: ResourceValidationArgs, key: str) -> Any:
    """A Render web service's input ``key``; UNKNOWN for any other resource, or while the value is unknown."""
    props = _web_service(args)
    return UNKNOWN if props is None else lookup(props, key)


def validate_health_check(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    path = _web_setting(args, "health_check_path")
    if path is UNKNOWN:
        return
    if not isinstance(path, str) or not path.startswith("/"):
        report_violation(f"Render web service '{args.name}' has no health-check path (health_check_path, e.g. "
                         f"'/health'; procurement:backend.healthCheckPath).")


def instance_floor(props: dict[str, Any]) -> Any:
    """The fewest instances the service can run with: the autoscaling minimum when autoscaling is on."""
    scaling = lookup(props, "autoscaling")
    if scaling is UNKNOWN:
        return UNKNOWN
    if isinstance(scaling, dict) and lookup(scaling, "enabled") is not False and "min" in scaling:
        return lookup(scaling, "min")
    count = lookup(props, "num_instances")
    return 1 if count is None else count  # Render's default is one instance


def validate_min_instances(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = _web_service(args)
    if props is None:
        return
    floor = instance_floor(props)
    if floor is UNKNOWN:
        return
    if not isinstance(floor, (int, float)) or floor < MINIMUM:
        shown = f"{floor:g}" if isinstance(floor, (int, float)) else repr(floor)
        report_violation(f"Render web service '{args.name}' can run with {shown} instance(s); at least {MINIMUM} "
                         f"are required (procurement:backend.minInstances).")


def make_validate_shutdown_delay(context: StackContext) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if context.facts.environment != PRODUCTION:
            return
        delay = _web_setting(args, "max_shutdown_delay_seconds")
        if delay is UNKNOWN:
            return
        if not isinstance(delay, (int, float)) or isinstance(delay, bool):  # the engine sends numbers as floats
            report_violation(f"Production Render web service '{args.name}' leaves max_shutdown_delay_seconds to "
                             "Render's default (30 s): set how long old instances may finish their requests "
                             "(procurement:backend.shutdownDelaySeconds, at least slowestRequestSeconds).")
    return validate

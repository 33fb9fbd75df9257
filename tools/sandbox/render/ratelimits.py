"""Render's rate-limit buckets, measured on the recorded traffic (``recordings/render``, every response carries
``Ratelimit-Limit`` / ``-Remaining`` / ``-Reset``).

Each family below carries its ``evidence`` (cassette#interaction). What the 3,274 recorded responses show
(clock-aligned windows, ``Ratelimit-Reset`` as seconds until the window ends, not the documented epoch; one bucket
for all cron jobs): tools/sandbox/README.md, "Render rate limits".
"""

from __future__ import annotations

from ..ratelimits import Family

WRITE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ID = r"[a-z]{3}-[a-z0-9]+"


def _service_scope(method, match) -> str:
    service_id = match.group("sid")
    return "cron-jobs" if service_id.startswith("crn-") else service_id


FAMILIES: tuple[Family, ...] = (
    Family(
        "resource creates (POST /services, /postgres, /redis, /key-value)", frozenset({"POST"}),
        r"/(services|postgres|redis|key-value)", 20, 3600,
        "27/27 POST /services answers: Limit 20, Reset up to 3494 s = top of the next hour "
        "(backgroundworker__resource__background_worker_cassette.yaml#4: Remaining 19, Reset 1093 at 16:41:48; "
        "staticsite__resource__create_minimal_cassette.yaml#2: Remaining 0); one countdown across /key-value and "
        "/redis (keyvalue__resource__keyvalue_cassette.yaml#100 Remaining 8, redis__datasource__redis_datasource_cassette.yaml#0 5). "
        "Docs: 20/hour."),
    Family(
        "service updates and deploys (PATCH /services/{id}, POST .../deploys, .../scale, .../suspend, "
        ".../resume, .../restart, .../rollback; per service, all cron jobs together)", frozenset({"PATCH", "POST"}),
        rf"/services/(?P<sid>{_ID})(/(deploys|scale|suspend|resume|restart|rollback))?", 10, 60,
        "PATCH 9, deploy 8, PATCH 7, deploy 6, scale 5 ... within one minute "
        "(backgroundworker__resource__scaling_cassette.yaml#37-#103), resets at the top of the minute; cron jobs "
        "share one bucket (cronjob__resource__cron_job_cassette.yaml#57 9, cronjob__resource__notifications#31 "
        "7, cronjob__resource__git#31 3). Docs: 10/minute per service.",
        scope=_service_scope),
    Family(
        "custom domains (POST /services/{id}/custom-domains, .../verify)", frozenset({"POST"}),
        rf"/services/{_ID}/custom-domains(/[^/]+/verify)?", 50, 3600,
        "webservice__resource__web_service_cassette.yaml#1,#2,#50: Limit 50, Remaining 49, 48, 47, Reset 2142 s "
        "= top of the hour; staticsite__resource__static_site_cassette.yaml#1: 48."),
    Family(
        "owner log streams (/logs/streams/owner/{ownerId})", None, r"/logs/streams/owner/[^/]+", 30, 60,
        "logstreams__resource__log_streams_resource_cassette.yaml#0-#2: PUT 29, GET 28, DELETE 27 of 30."),
    Family(
        "owner notification settings updates (PATCH /notification-settings/owners/{ownerId})", frozenset({"PATCH"}),
        r"/notification-settings/owners/[^/]+", 500, 60,
        "notifications__resource__notifications_resource_cassette.yaml#0, #3 (2024-05-29): PATCH 499, 496 of 500. "
        "Its GETs also counted against 500 then, but the newer notifications__datasource__"
        "notifications_datasource_cassette.yaml#0-#2 (2024-09-03) shows GETs in the common 400 read bucket: "
        "reads follow the newer recording (sandbox.replay.SUPERSEDED_LIMITS)."),
    Family(
        "other writes (POST/PUT/PATCH/DELETE)", WRITE, r"/.*", 100, 60,
        "364 recorded writes outside the families above: Limit 100, Reset 0-59 (e.g. "
        "cronjob__resource__git_cassette.yaml#32-#34: PUT env-vars 81, PUT secret-files 80, PATCH 79). Docs say "
        "30/minute; the recordings say 100."),
    Family(
        "reads (GET)", None, r"/.*", 400, 60,
        "2,755 recorded GETs: Limit 400, Reset 0-59, one countdown across every path "
        "(cronjob__resource__git_cassette.yaml#2-#30)."),
)

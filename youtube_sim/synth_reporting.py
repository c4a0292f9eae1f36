"""The Reporting API (`youtubereporting` v1) of the synthetic YouTube, consistent with its Analytics API.

Report rows are the same numbers `reports.query` answers, at the bulk reports' finer grain: each
video-day is split by country, live/on-demand and subscribed status (and operating system, playback
location, age group and gender), so summing a report back to a `reports.query` grain gives the
query's numbers. Where the query API leaves a country split's remainder unattributed (as YouTube
anonymises small counts), the bulk report keeps it under country `ZZ`, so a video-day's report
total equals its daily total. Traffic sources and devices come as integer codes; the unknown
traffic source of the query world comes as a code no mapping knows.

Jobs are state: `jobs.create` adds one (409 ALREADY_EXISTS for a second job of a report type). A
world with `reporting_history_days` has had its jobs that long: reports exist for those days up to
two days before the last day (reports are about 48 hours late), and one day is restated (a second,
later report whose numbers replace the first, preliminary one's).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httplib2

from tasks.youtube.replay import serve_range
from tasks.youtube.reporting_codes import code_of

HOST = "youtubereporting.googleapis.com"
PACIFIC = ZoneInfo("America/Los_Angeles")
OFFERED: tuple[tuple[str, str], ...] = (
    ("channel_basic_a2", "User activity (deprecated)"),
    ("channel_basic_a3", "User activity"),
    ("channel_traffic_source_a3", "Traffic sources"),
    ("channel_device_os_a3", "Device type and operating system"),
    ("channel_playback_location_a3", "Playback locations"),
    ("channel_demographics_a1", "Viewer demographics"),
    ("channel_sharing_service_a1", "Sharing services"),
    ("channel_province_a3", "User activity by province"),
    ("channel_reach_basic_a1", "Reach: thumbnail impressions and click-through rate"),
    ("channel_reach_combined_a1", "Reach by traffic source, operating system and device type"),
)
DEFAULT_JOBS = (
    "channel_basic_a3",
    "channel_traffic_source_a3",
    "channel_device_os_a3",
    "channel_playback_location_a3",
    "channel_demographics_a1",
    "channel_sharing_service_a1",
    "channel_reach_basic_a1",
    "channel_reach_combined_a1",
)
BASE_COLUMNS = ["date", "channel_id", "video_id", "live_or_on_demand", "subscribed_status", "country_code"]
BASIC_METRICS = [
    "views",
    "comments",
    "likes",
    "dislikes",
    "shares",
    "watch_time_minutes",
    "average_view_duration_seconds",
    "average_view_duration_percentage",
    "subscribers_gained",
    "subscribers_lost",
    "engaged_views",
    "red_views",
    "red_watch_time_minutes",
]
WATCH_METRICS = [
    "views",
    "watch_time_minutes",
    "average_view_duration_seconds",
    "average_view_duration_percentage",
    "red_views",
    "red_watch_time_minutes",
]
# Reach reports have no live/subscribed/country split
REACH_BASE = ["date", "channel_id", "video_id"]
REACH_METRICS = ["video_thumbnail_impressions", "video_thumbnail_impressions_ctr"]
HEADERS: dict[str, list[str]] = {
    "channel_basic_a3": BASE_COLUMNS + BASIC_METRICS,
    "channel_basic_a2": BASE_COLUMNS + [m for m in BASIC_METRICS if m != "engaged_views"],
    "channel_traffic_source_a3": BASE_COLUMNS + ["traffic_source_type", "traffic_source_detail"] + WATCH_METRICS,
    "channel_device_os_a3": BASE_COLUMNS + ["device_type", "operating_system"] + WATCH_METRICS,
    "channel_playback_location_a3": BASE_COLUMNS
    + ["playback_location_type", "playback_location_detail"]
    + WATCH_METRICS,
    "channel_demographics_a1": BASE_COLUMNS + ["age_group", "gender", "views_percentage"],
    "channel_sharing_service_a1": BASE_COLUMNS + ["sharing_service", "shares"],
    "channel_reach_basic_a1": REACH_BASE + REACH_METRICS,
    "channel_reach_combined_a1": REACH_BASE
    + ["traffic_source_type", "traffic_source_detail", "operating_system", "device_type"]
    + REACH_METRICS,
}
OPERATING_SYSTEMS = {
    "MOBILE": ("ANDROID", "IOS"),
    "TABLET": ("ANDROID", "IOS"),
    "DESKTOP": ("WINDOWS", "MACINTOSH"),
    "TV": ("SMART_TV", "ROKU"),
    "GAME_CONSOLE": ("PLAYSTATION", "XBOX"),
    "UNKNOWN_PLATFORM": ("OTHER",),
}
PLAYBACK_LOCATIONS = ("WATCH", "EMBEDDED", "BROWSE", "CHANNEL", "SHORTS")
AGE_GROUPS = ("AGE_13_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_64", "AGE_65_")
SHARING_SERVICES = ("17", "40", "63")  # codes; the generic Silver table keeps them as text
UNKNOWN_TRAFFIC_CODE = "99"  # no mapping knows it: passes through, flagged


def _digest(*parts: Any) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def _ident(*parts: Any, n: int = 12) -> str:
    return str(int(_digest(*parts)[:15], 16))[:n]


def _part(total: int, key: str, n: int) -> list[int]:
    """`total` in `n` integer parts that add up to it exactly (deterministic by `key`)."""
    if n <= 1:
        return [total]
    weights = [int(_digest(key, i)[:6], 16) % 97 + 3 for i in range(n)]
    parts = [total * w // sum(weights) for w in weights]
    parts[0] += total - sum(parts)
    return parts


def report_day_start(day: date) -> datetime:
    """A report's startTime: midnight Pacific time of its day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=PACIFIC).astimezone(UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Report:
    id: str
    job_id: str
    report_type: str
    day: date
    create_time: datetime
    preliminary: bool = False

    def resource(self, channel_id: str) -> dict[str, Any]:
        start = report_day_start(self.day)
        return {
            "id": self.id,
            "jobId": self.job_id,
            "startTime": _rfc3339(start),
            "endTime": _rfc3339(report_day_start(self.day + timedelta(days=1))),
            "createTime": _rfc3339(self.create_time),
            "downloadUrl": f"https://{HOST}/v1/media/CHANNEL/{channel_id}/jobs/{self.job_id}/reports/{self.id}?alt=media",
        }


@dataclass
class ReportingState:
    """Jobs and reports of the channel whose OAuth credentials sign the requests (the world's first)."""

    world: Any
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    now: datetime | None = None  # set: reports created after it do not exist yet
    _bodies: dict[str, bytes] = field(default_factory=dict, repr=False)

    @classmethod
    def for_world(cls, world: Any) -> ReportingState:
        state = cls(world)
        days = world.config.reporting_history_days
        if days:
            created = report_day_start(world.config.analytics_end - timedelta(days=days + 1))
            for kind in DEFAULT_JOBS:
                state._add_job(kind, created)
        return state

    @property
    def channel(self) -> Any:
        return self.world.channels[0]

    def _add_job(self, kind: str, created: datetime) -> dict[str, Any]:
        job = {
            "id": _ident("job", self.world.config.seed, kind),
            "reportTypeId": kind,
            "name": f"lakehouse-{kind}",
            "createTime": _rfc3339(created),
        }
        self.jobs[job["id"]] = job
        return job

    def reports(self, job: dict[str, Any]) -> list[Report]:
        cfg = self.world.config
        if not cfg.reporting_history_days:
            return []
        last = cfg.analytics_end - timedelta(days=2)
        first = last - timedelta(days=cfg.reporting_history_days - 1)
        restated = cfg.analytics_end - timedelta(days=cfg.restated_day_offset)
        out: list[Report] = []
        day = first
        while day <= last:
            created = report_day_start(day + timedelta(days=2)) + timedelta(hours=3)
            rid = _ident("report", cfg.seed, job["id"], day)
            if day == restated:
                out.append(Report(rid, job["id"], job["reportTypeId"], day, created, preliminary=True))
                out.append(
                    Report(
                        _ident("restated", cfg.seed, job["id"], day),
                        job["id"],
                        job["reportTypeId"],
                        day,
                        created + timedelta(days=3),
                    )
                )
            else:
                out.append(Report(rid, job["id"], job["reportTypeId"], day, created))
            day += timedelta(days=1)
        return [r for r in out if self.now is None or r.create_time <= self.now]

    def find_report(self, job_id: str, report_id: str) -> Report | None:
        job = self.jobs.get(job_id)
        return next((r for r in self.reports(job) if r.id == report_id), None) if job else None

    def body(self, report: Report) -> bytes:
        if report.id not in self._bodies:
            self._bodies.clear()  # one report at a time: a stand-in, not a cache of every report
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(HEADERS[report.report_type])
            for row in report_rows(self.world, self.channel, report.report_type, report.day, report.preliminary):
                writer.writerow(row)
            self._bodies[report.id] = out.getvalue().encode("utf-8")
        return self._bodies[report.id]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def report_rows(
    world: Any, channel: Any, report_type: str, day: date, preliminary: bool = False
) -> Iterator[list[str]]:
    """The CSV rows (without header) of one report of `channel` for `day`."""
    stamp = day.strftime("%Y%m%d")
    for video_id in channel.video_ids:
        video = world.videos[video_id]
        base = world.video_day(video, day)
        if not base or not base["views"]:
            continue
        if preliminary:  # the first report of a restated day: lower, preliminary counts
            base = {k: (v if k == "averageViewDuration" else v * 9 // 10) for k, v in base.items()}
        if report_type.startswith("channel_reach_"):
            for cells in _reach_rows(world, video, day, base["views"], report_type):
                yield [stamp, channel.id, video.id] + [str(c) for c in cells]
            continue
        live = "live" if int(_digest("live", video.id)[:4], 16) % 11 == 0 else "on_demand"
        for cells in _video_rows(world, video, day, base, report_type):
            country, extra = cells[0], cells[1:]
            yield [stamp, channel.id, video.id, live, extra[0], country] + [str(c) for c in extra[1:]]


def _by_country(world: Any, video: Any, day: date, base: dict[str, int]) -> dict[str, dict[str, int]]:
    """The query's country split, plus the unattributed remainder under ZZ (views and minutes)."""
    avg = base["averageViewDuration"]
    split = world.breakdown("country", video, day, base["views"])
    rows = {c: {"views": v, "minutes": v * avg // 60} for c, v in split.items()}
    rest_views = base["views"] - sum(split.values())
    rest_minutes = base["estimatedMinutesWatched"] - sum(r["minutes"] for r in rows.values())
    if rest_views or rest_minutes:
        rows["ZZ"] = {"views": rest_views, "minutes": rest_minutes}
    return rows


def _video_rows(world: Any, video: Any, day: date, base: dict[str, int], report_type: str) -> Iterator[list[Any]]:
    """[country, subscribed_status, <columns after country_code>...] rows of one video-day."""
    avg = base["averageViewDuration"]
    pct = round(100 * avg / max(video.duration_s, 1), 1)
    key = f"{video.id}|{day}|{report_type}"
    family = report_type.rsplit("_", 1)[0]
    if family == "channel_basic":
        countries = _by_country(world, video, day, base)
        totals = {
            m: _part(base[m], f"{key}|{m}", len(countries))
            for m in ("likes", "comments", "subscribersGained", "subscribersLost", "engagedViews")
        }
        shares = _part(base["views"] // 500, f"{key}|shares", len(countries))
        for i, (country, cell) in enumerate(sorted(countries.items())):
            for s, status in enumerate(("subscribed", "unsubscribed")):

                def split(v: int, name: str, country: str = country, s: int = s) -> int:
                    return _part(v, f"{key}|{country}|{name}", 2)[s]

                views, minutes = split(cell["views"], "views"), split(cell["minutes"], "minutes")
                metrics = {
                    "views": views,
                    "comments": split(totals["comments"][i], "c"),
                    "likes": split(totals["likes"][i], "l"),
                    "dislikes": 0,
                    "shares": split(shares[i], "s"),
                    "watch_time_minutes": minutes,
                    "average_view_duration_seconds": avg,
                    "average_view_duration_percentage": _fmt(pct),
                    "subscribers_gained": split(totals["subscribersGained"][i], "g"),
                    "subscribers_lost": split(totals["subscribersLost"][i], "x"),
                    "engaged_views": split(totals["engagedViews"][i], "e"),
                    "red_views": views // 20,
                    "red_watch_time_minutes": minutes // 20,
                }
                yield [country, status] + [metrics[m] for m in HEADERS[report_type][len(BASE_COLUMNS) :]]
        return
    country = next(iter(sorted(world.breakdown("country", video, day, base["views"]))), "ZZ")
    if family == "channel_traffic_source":
        for label, views in sorted(world.breakdown("insightTrafficSourceType", video, day, base["views"]).items()):
            code = code_of("traffic_source_type", label) or UNKNOWN_TRAFFIC_CODE
            detail = "example.com" if label == "EXT_URL" else ""
            yield from _watch_rows(key + label, country, [code, detail], views, views * avg // 60, avg, pct)
    elif family == "channel_device_os":
        for label, views in sorted(world.breakdown("deviceType", video, day, base["views"]).items()):
            systems = OPERATING_SYSTEMS[label]
            minutes = views * avg // 60
            for os_name, v, m in zip(
                systems,
                _part(views, key + label, len(systems)),
                _part(minutes, key + label + "m", len(systems)),
                strict=True,
            ):
                yield from _watch_rows(
                    key + label + os_name,
                    country,
                    [code_of("device_type", label), code_of("operating_system", os_name)],
                    v,
                    m,
                    avg,
                    pct,
                )
    elif family == "channel_playback_location":
        for location, v in zip(PLAYBACK_LOCATIONS, _part(base["views"], key, len(PLAYBACK_LOCATIONS)), strict=True):
            if v:
                yield from _watch_rows(
                    key + location,
                    country,
                    [code_of("playback_location_type", location), ""],
                    v,
                    v * avg // 60,
                    avg,
                    pct,
                )
    elif family == "channel_demographics":
        weights = _part(1000, key, len(AGE_GROUPS) * 2)
        for status in ("subscribed", "unsubscribed"):
            for i, (age, gender) in enumerate((a, g) for a in AGE_GROUPS for g in ("FEMALE", "MALE")):
                yield [country, status, age, gender, _fmt(weights[i] / 10)]
    elif family == "channel_sharing_service":
        shares = base["views"] // 500
        for service, n in zip(SHARING_SERVICES, _part(shares, key, len(SHARING_SERVICES)), strict=True):
            if n:
                yield [country, "subscribed", service, n]


def reach_totals(video_id: str, day: date, views: int) -> tuple[int, int]:
    """(thumbnail impressions, clicks from them) of a video-day: 4-15 impressions a view, and 30-70 % of the
    views coming from a click on an impression (so clicks never exceed the day's views)."""
    h = int(_digest("reach", video_id, day)[:8], 16)
    return views * (4 + h % 12), views * (30 + (h >> 8) % 41) // 100


def _ctr(clicks: int, impressions: int) -> str:
    return f"{clicks / impressions:.6f}".rstrip("0").rstrip(".")


def _reach_rows(world: Any, video: Any, day: date, views: int, report_type: str) -> Iterator[list[Any]]:
    """[<columns after video_id>...] rows of one video-day of a reach report."""
    impressions, clicks = reach_totals(video.id, day, views)
    if report_type.startswith("channel_reach_basic"):
        yield [impressions, _ctr(clicks, impressions)]
        return
    key = f"{video.id}|{day}|reach"
    sources = sorted(world.breakdown("insightTrafficSourceType", video, day, views)) or ["NO_LINK_OTHER"]
    devices = sorted(world.breakdown("deviceType", video, day, views)) or ["UNKNOWN_PLATFORM"]
    turn = int(_digest(key, "devices")[:8], 16)  # two device types a source, not all: a sample stays small
    cells = [
        (s, devices[(i + j + turn) % len(devices)]) for i, s in enumerate(sources) for j in range(min(2, len(devices)))
    ]
    # the same weights for impressions and clicks: a cell's clicks stay below its impressions
    for (source, device), shown, clicked in zip(
        cells, _part(impressions, key, len(cells)), _part(clicks, key, len(cells)), strict=True
    ):
        if shown:
            code = code_of("traffic_source_type", source) or UNKNOWN_TRAFFIC_CODE
            detail = "example.com" if source == "EXT_URL" else ""
            os_code = code_of("operating_system", OPERATING_SYSTEMS[device][0])
            yield [code, detail, os_code, code_of("device_type", device), shown, _ctr(min(clicked, shown), shown)]


def _watch_rows(
    key: str, country: str, dims: list[str], views: int, minutes: int, avg: int, pct: float
) -> Iterator[list[Any]]:
    for s, status in enumerate(("subscribed", "unsubscribed")):
        v, m = _part(views, key + "v", 2)[s], _part(minutes, key + "m", 2)[s]
        yield [country, status] + dims + [v, m, avg, _fmt(pct), v // 20, m // 20]


def _resp(
    status: int, content: bytes | dict[str, Any], content_type: str = "application/json; charset=UTF-8", **headers: str
) -> tuple[httplib2.Response, bytes]:
    body = content if isinstance(content, bytes) else json.dumps(content).encode("utf-8")
    return httplib2.Response({"status": str(status), "content-type": content_type, **headers}), body


def _error(status: int, reason: str, message: str) -> tuple[httplib2.Response, bytes]:
    from tasks.youtube.replay import error_body

    return _resp(status, error_body(status, reason, message))


def _page(items: list[dict[str, Any]], key: str, params: dict[str, str], size: int = 10) -> tuple:
    per_page = min(int(params.get("pageSize") or size), size)
    offset = int(params.get("pageToken", "P0")[1:] or 0)
    doc: dict[str, Any] = {key: items[offset : offset + per_page]}
    if offset + per_page < len(items):
        doc["nextPageToken"] = f"P{offset + per_page}"
    return _resp(200, doc)


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def answer(
    state: ReportingState, method: str, path: str, params: dict[str, str], body: Any, headers: dict[str, str] | None
) -> tuple[httplib2.Response, bytes]:
    """The Reporting API's answer to one request."""
    if params.get("onBehalfOfContentOwner"):
        return _error(403, "forbidden", "The caller is not a content owner.")
    parts = [p for p in path.split("/") if p][1:]  # after "v1"
    if parts == ["reportTypes"] and method == "GET":
        offered = [
            {"id": k, "name": n}
            for k, n in OFFERED
            if params.get("includeSystemManaged") == "true" or not k.endswith("_a2")
        ]
        return _page(offered, "reportTypes", params)
    if parts == ["jobs"] and method == "GET":
        return _page(sorted(state.jobs.values(), key=lambda j: j["id"]), "jobs", params)
    if parts == ["jobs"] and method == "POST":
        doc = json.loads(body or b"{}")
        kind = doc.get("reportTypeId")
        if kind not in dict(OFFERED):
            return _error(400, "badRequest", f"Unknown report type: {kind}")
        if any(j["reportTypeId"] == kind for j in state.jobs.values()):
            return _error(409, "alreadyExists", f"Job for report type {kind} already exists.")
        return _resp(200, state._add_job(kind, datetime(2026, 1, 1, tzinfo=UTC)))
    if len(parts) == 3 and parts[0] == "jobs" and parts[2] == "reports" and method == "GET":
        job = state.jobs.get(parts[1])
        if job is None:
            return _error(404, "notFound", "Requested entity was not found.")
        after, before = _time(params.get("startTimeAtOrAfter")), _time(params.get("startTimeBefore"))
        created_after = _time(params.get("createdAfter"))
        reports = [
            r
            for r in state.reports(job)
            if (after is None or report_day_start(r.day) >= after)
            and (before is None or report_day_start(r.day) < before)
            and (created_after is None or r.create_time > created_after)
        ]
        return _page([r.resource(state.channel.id) for r in reports], "reports", params)
    if parts[:1] == ["media"] and method == "GET":
        match = re.fullmatch(r"media/CHANNEL/[^/]+/jobs/([^/]+)/reports/([^/]+)", "/".join(parts))
        report = state.find_report(*match.groups()) if match else None
        if report is None:
            return _error(404, "notFound", "Requested entity was not found.")
        return serve_range(state.body(report), headers)
    return _error(404, "notFound", f"unknown Reporting API path {path}")

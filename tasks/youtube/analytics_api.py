"""Analytics API v2 reports, only in the shapes the API accepts.

Metric lists live in `REPORTS` (configuration, not code paths): when YouTube deprecates a
metric, change the list. Country reports are asked one day at a time, because `country`
cannot be combined with `day` and a multi-day total must never be labelled with one date.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tasks.youtube.data_api import DataApiContext
from tasks.youtube.shapes import MAX_TOP_VIDEOS

ENDPOINT = "youtubeAnalytics.reports.query"


@dataclass(frozen=True)
class ReportSpec:
    name: str
    table: str
    dimensions: str
    metrics: tuple[str, ...]
    per_video: bool
    one_day_per_query: bool = False
    sort: str | None = None
    max_results: int | None = None


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "channel_daily",
            "analytics_channel_daily_raw",
            "day",
            (
                "views",
                "likes",
                "comments",
                "estimatedMinutesWatched",
                "averageViewDuration",
                "subscribersGained",
                "subscribersLost",
                "engagedViews",
            ),
            per_video=False,
            sort="day",
        ),
        ReportSpec(
            "video_daily",
            "analytics_video_daily_raw",
            "day",
            ("views", "likes", "comments", "estimatedMinutesWatched", "averageViewDuration", "engagedViews"),
            per_video=True,
            sort="day",
        ),
        ReportSpec(
            "traffic_source",
            "analytics_video_traffic_source_daily_raw",
            "insightTrafficSourceType,day",
            ("views", "estimatedMinutesWatched"),
            per_video=True,
            sort="day",
        ),
        ReportSpec(
            "device",
            "analytics_video_device_daily_raw",
            "deviceType,day",
            ("views", "estimatedMinutesWatched"),
            per_video=True,
            sort="day",
        ),
        ReportSpec(
            "country",
            "analytics_video_country_daily_raw",
            "country",
            ("views", "estimatedMinutesWatched"),
            per_video=True,
            one_day_per_query=True,
        ),
        # Creator insights: no bulk report carries these, so they are asked in every mode (see
        # `insight_requests`). `creatorContentType` is an optional dimension of the video reports.
        ReportSpec(
            "channel_content_type",
            "analytics_channel_content_type_daily_raw",
            "day,creatorContentType",
            ("views", "engagedViews", "estimatedMinutesWatched", "subscribersGained"),
            per_video=False,
            sort="day",
        ),
        ReportSpec(
            "video_content_type",
            "analytics_video_content_type_daily_raw",
            "day,creatorContentType",
            ("views",),
            per_video=True,
            sort="day",
        ),
        ReportSpec(
            "top_videos",
            "analytics_top_videos_raw",
            "video",
            ("views",),
            per_video=False,
            sort="-views",
            max_results=10,
        ),
        ReportSpec(
            "retention",
            "analytics_video_audience_retention_raw",
            "elapsedVideoTimeRatio",
            ("audienceWatchRatio", "relativeRetentionPerformance"),
            per_video=True,
        ),
    )
}
DAILY_REPORTS: tuple[str, ...] = ("channel_daily", "video_daily", "traffic_source", "device", "country")
CONTENT_TYPE_REPORTS: tuple[str, ...] = ("channel_content_type", "video_content_type")


@dataclass
class AnalyticsPlan:
    """One channel's reports over a window."""

    channel_ref: str  # "mine" or a channel id
    channel_id: str  # resolved id, stored with every row
    video_ids: list[str]
    start: date
    end: date
    reports: tuple[str, ...] = DAILY_REPORTS
    video_batch_size: int = 1  # >1 asks video daily as dimensions=day,video with several ids
    skipped: list[str] = field(default_factory=list)

    @property
    def ids_param(self) -> str:
        return "channel==MINE" if self.channel_ref == "mine" else f"channel=={self.channel_ref}"


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def report_requests(spec: ReportSpec, plan: AnalyticsPlan) -> Iterator[dict[str, Any]]:
    """The reports.query parameter sets for one report of one channel."""
    base = {"ids": plan.ids_param, "metrics": ",".join(spec.metrics), "dimensions": spec.dimensions}
    if spec.sort:
        base["sort"] = spec.sort
    if spec.max_results:
        base["maxResults"] = spec.max_results
    windows = [(d, d) for d in _days(plan.start, plan.end)] if spec.one_day_per_query else [(plan.start, plan.end)]
    if not spec.per_video:
        for start, end in windows:
            yield {**base, "startDate": start.isoformat(), "endDate": end.isoformat()}
        return
    batch = plan.video_batch_size if spec.name == "video_daily" else 1
    for i in range(0, len(plan.video_ids), batch):
        chunk = plan.video_ids[i : i + batch]
        params = dict(base, filters="video==" + ",".join(chunk))
        if len(chunk) > 1:
            params["dimensions"] = "day,video"
        for start, end in windows:
            yield {**params, "startDate": start.isoformat(), "endDate": end.isoformat()}


PageHook = Callable[[dict[str, Any], dict[str, Any]], None]


def fetch_reports(
    ctx: DataApiContext,
    plan: AnalyticsPlan,
    workers: int = 1,
    client_factory: Callable[[], Any] | None = None,
    on_page: PageHook | None = None,
) -> int:
    """Fetch and land every report of the plan; the number of pages landed.

    With `workers` > 1 (and a `client_factory`: httplib2 connections are not thread-safe, so each
    worker builds its own client) up to `workers` requests are in flight at once. A quota or
    authentication error stops every worker; pages already fetched stay landed. Requests are made
    as they are needed, never listed up front: a year of a large channel is ~750,000 of them.
    `on_page(params, page)` sees each page fetched (from the worker threads).
    """
    requests = ((REPORTS[name], params) for name in plan.reports for params in report_requests(REPORTS[name], plan))
    if workers <= 1 or client_factory is None:
        return sum(_fetch_one(ctx, ctx.client, spec, params, plan, on_page) for spec, params in requests)
    local = threading.local()
    stop = threading.Event()

    def work(item: tuple[ReportSpec, dict[str, Any]]) -> int:
        if stop.is_set():
            return 0
        if not hasattr(local, "client"):
            local.client = client_factory()
        try:
            return _fetch_one(ctx, local.client, item[0], item[1], plan, on_page)
        except BaseException:
            stop.set()
            raise

    landed = 0
    pending: set[Future[int]] = set()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analytics") as pool:
        try:
            for item in requests:
                if stop.is_set():
                    break
                if len(pending) >= 2 * workers:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    landed += sum(f.result() for f in done)
                pending.add(pool.submit(work, item))
            done, pending = wait(pending)
            landed += sum(f.result() for f in done)
        except BaseException:
            stop.set()
            raise
    return landed


def _fetch_one(
    ctx: DataApiContext,
    client: Any,
    spec: ReportSpec,
    params: dict[str, Any],
    plan: AnalyticsPlan,
    on_page: PageHook | None = None,
) -> int:
    doc = ctx.call(ENDPOINT, spec.table, client.reports().query(**params), params, channel_id=plan.channel_id)
    if doc is not None and on_page is not None:
        on_page(params, doc)
    return int(doc is not None)


def top_video_ids(doc: dict[str, Any] | None, limit: int) -> list[str]:
    """Video ids of a top-videos page in the order served (most viewed first), at most `limit`;
    rows without a video id are skipped."""
    if not isinstance(doc, dict):
        return []
    headers = [h.get("name") if isinstance(h, dict) else None for h in doc.get("columnHeaders") or []]
    if "video" not in headers or not isinstance(doc.get("rows"), list):
        return []
    at = headers.index("video")
    ids: list[str] = []
    for row in doc["rows"]:
        video = row[at] if isinstance(row, list) and len(row) == len(headers) else None
        if isinstance(video, str) and video and video not in ids:
            ids.append(video)
    return ids[:limit]


def content_type_name(value: str) -> str:
    """`videoOnDemand` (as some answers have it) -> VIDEO_ON_DEMAND, the name the API documents."""
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", value.strip()).upper()


def main_content_type(doc: dict[str, Any]) -> str | None:
    """The content type with most of the views on a content-type page (ties: the first name), None when
    the page has no views (the video was not watched in the window)."""
    headers = [h.get("name") if isinstance(h, dict) else None for h in doc.get("columnHeaders") or []]
    if "creatorContentType" not in headers or "views" not in headers or not isinstance(doc.get("rows"), list):
        return None
    kind, views = headers.index("creatorContentType"), headers.index("views")
    totals: dict[str, float] = {}
    for row in doc["rows"]:
        if not (isinstance(row, list) and len(row) == len(headers) and isinstance(row[kind], str)):
            continue
        try:
            count = float(row[views])
        except (TypeError, ValueError):
            continue
        if count > 0:
            name = content_type_name(row[kind])
            totals[name] = totals.get(name, 0) + count
    return min(totals, key=lambda name: (-totals[name], name)) if totals else None


def fetch_insights(
    ctx: DataApiContext,
    plan: AnalyticsPlan,
    top_videos: int,
    workers: int = 1,
    client_factory: Callable[[], Any] | None = None,
    typed_videos: Collection[str] = (),
) -> dict[str, str | None]:
    """What no bulk report carries, over the plan's window: the channel's views by content type, each video's
    (except `typed_videos`, whose type is already known: a video's type does not change), then the audience
    retention curves of the `top_videos` most viewed videos (one top-videos query, then one query per video).
    Returns the content type found for each video asked (None: no views in the window)."""
    from dataclasses import replace

    found: dict[str, str | None] = {}

    def note(params: dict[str, Any], doc: dict[str, Any]) -> None:
        found[params["filters"][len("video==") :]] = main_content_type(doc)

    fetch_reports(ctx, replace(plan, reports=("channel_content_type",)), workers, client_factory)
    untyped = [v for v in plan.video_ids if v not in set(typed_videos)]
    fetch_reports(ctx, replace(plan, video_ids=untyped, reports=("video_content_type",)), workers, client_factory, note)
    if top_videos <= 0:
        return found
    spec = replace(REPORTS["top_videos"], max_results=min(top_videos, MAX_TOP_VIDEOS))
    params = next(report_requests(spec, plan))
    doc = ctx.call(ENDPOINT, spec.table, ctx.client.reports().query(**params), params, channel_id=plan.channel_id)
    ids = top_video_ids(doc, top_videos)
    if doc is not None and not ids:
        ctx.warnings.append(f"channel {plan.channel_id}: no video with views in the window; no retention fetched")
    fetch_reports(ctx, replace(plan, video_ids=ids, reports=("retention",)), workers, client_factory)
    return found

"""What one ingestion run fetches from a source, landing every page as it arrives."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from tasks.landing import Lander
from tasks.youtube import analytics_api, data_api, reporting_api
from tasks.youtube.errors import AuthenticationError, QuotaExhaustedError
from tasks.youtube.executor import ApiExecutor

logger = logging.getLogger(__name__)


@dataclass
class FetchOutcome:
    """A JSON-able summary of one fetch step (what tasks hand back to the flow)."""

    pages: dict[str, int] = field(default_factory=dict)
    usage: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    quota_exhausted: str | None = None
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {ref, video_ids}
    report_days: dict[str, list[str]] = field(default_factory=dict)  # report type -> days with a report
    restated_days: dict[str, list[str]] = field(default_factory=dict)  # report type -> earlier days re-issued
    report_watermarks: dict[str, str] = field(default_factory=dict)  # job id -> latest createTime seen
    content_types: dict[str, str | None] = field(default_factory=dict)  # video id -> type found (None: no views)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _finish(outcome: FetchOutcome, ctx: Any) -> FetchOutcome:
    outcome.pages = dict(ctx.lander.pages) if hasattr(ctx, "lander") else outcome.pages
    outcome.usage = ctx.executor.usage_rows()
    outcome.failures = [f.as_row() for f in ctx.executor.failures]
    outcome.warnings = ctx.warnings
    return outcome


def fetch_data_api_snapshot(
    client: Any,
    lander: Lander,
    snapshot_date: date,
    regions: list[str],
    channel_refs: list[str],
    executor: ApiExecutor | None = None,
) -> FetchOutcome:
    """Trending and categories per region, then channels -> uploads -> videos, as of one day."""
    ctx = data_api.DataApiContext(client, executor or ApiExecutor(), lander, snapshot_date)
    outcome = FetchOutcome()
    try:
        for region in regions:
            data_api.categories(ctx, region)
            ids = data_api.trending(ctx, region)
            if not ids:
                ctx.warnings.append(f"region {region}: no trending chart on {snapshot_date}")
        for channel_id, (ref, playlist) in data_api.channels(ctx, channel_refs).items():
            video_ids = data_api.playlist_video_ids(ctx, channel_id, playlist)
            data_api.videos(ctx, video_ids, channel_id=channel_id)
            outcome.channels[channel_id] = {"ref": ref, "video_ids": video_ids}
    except QuotaExhaustedError as exc:
        outcome.quota_exhausted = str(exc)
        logger.error("%s; keeping the %d pages fetched so far", exc, sum(lander.pages.values()))
    finally:
        lander.flush()  # whatever ends fetching, the pages fetched so far are landed
    return _finish(outcome, ctx)


def fetch_analytics(
    client: Any,
    lander: Lander,
    as_of: date,
    channels: dict[str, dict[str, Any]],
    start: date,
    end: date,
    executor: ApiExecutor | None = None,
    video_batch_size: int = 1,
    workers: int = 1,
    client_factory: Callable[[], Any] | None = None,
) -> FetchOutcome:
    """Every Analytics report for each channel and its videos over [start, end], up to `workers`
    requests at once (each worker with a client from `client_factory`)."""
    ctx = data_api.DataApiContext(client, executor or ApiExecutor(), lander, as_of)
    outcome = FetchOutcome(channels=channels)
    try:
        for channel_id, info in channels.items():
            plan = analytics_api.AnalyticsPlan(
                info["ref"], channel_id, list(info["video_ids"]), start, end, video_batch_size=video_batch_size
            )
            analytics_api.fetch_reports(ctx, plan, workers=workers, client_factory=client_factory)
    except QuotaExhaustedError as exc:
        outcome.quota_exhausted = str(exc)
        logger.error("%s; keeping the %d pages fetched so far", exc, sum(lander.pages.values()))
    finally:
        lander.flush()  # whatever ends fetching, the pages fetched so far are landed
    return _finish(outcome, ctx)


def fetch_insights(
    client: Any,
    lander: Lander,
    as_of: date,
    channels: dict[str, dict[str, Any]],
    start: date,
    end: date,
    top_videos: int,
    executor: ApiExecutor | None = None,
    workers: int = 1,
    client_factory: Callable[[], Any] | None = None,
    typed_videos: Collection[str] = (),
) -> FetchOutcome:
    """Content types (of the videos not in `typed_videos`) and the top videos' retention curves of each
    channel over [start, end] (`analytics_api.fetch_insights`), whatever source the channel's daily facts
    come from."""
    ctx = data_api.DataApiContext(client, executor or ApiExecutor(), lander, as_of)
    outcome = FetchOutcome()
    try:
        for channel_id, info in channels.items():
            plan = analytics_api.AnalyticsPlan(info["ref"], channel_id, list(info["video_ids"]), start, end)
            outcome.content_types |= analytics_api.fetch_insights(
                ctx, plan, top_videos, workers=workers, client_factory=client_factory, typed_videos=typed_videos
            )
    except QuotaExhaustedError as exc:
        outcome.quota_exhausted = str(exc)
        logger.error("%s; keeping the %d pages fetched so far", exc, sum(lander.pages.values()))
    finally:
        lander.flush()
    return _finish(outcome, ctx)


REPORTS_TABLE = "reporting_reports_raw"


def fetch_reporting(
    client: Any,
    storage: Any,
    run_id: str,
    source_kind: str,
    report_types: list[str],
    create_jobs: bool,
    content_owner: str | None,
    start: date,
    end: date,
    executor: ApiExecutor | None = None,
    chunk_bytes: int | None = None,
    watermarks: dict[str, str] | None = None,
) -> FetchOutcome:
    """The bulk reports of [start, end] for each report type, landed file by file as downloaded, and
    earlier days' reports created after `watermarks` (restatements)."""
    import tempfile
    from pathlib import Path

    ctx = reporting_api.ReportingContext(client, executor or ApiExecutor(), content_owner)
    outcome = FetchOutcome()
    fetched = reporting_api.ReportingFetch()
    try:
        with tempfile.TemporaryDirectory(prefix="reports-") as scratch:
            fetched = reporting_api.fetch_reports(
                ctx,
                storage,
                run_id,
                source_kind,
                report_types,
                create_jobs,
                start,
                end,
                Path(scratch),
                chunk_bytes=chunk_bytes or reporting_api.CHUNK_BYTES,
                watermarks=watermarks,
            )
    except QuotaExhaustedError as exc:
        outcome.quota_exhausted = str(exc)
    except AuthenticationError as exc:
        ctx.warnings.append(f"Reporting API refused the credentials ({exc}); no bulk reports fetched")
    outcome.report_days = fetched.days
    outcome.restated_days = fetched.restated
    outcome.report_watermarks = fetched.watermarks
    outcome.pages = {REPORTS_TABLE: len(fetched.landed)} if fetched.landed else {}
    return _finish(outcome, ctx)

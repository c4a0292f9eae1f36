"""Prefect tasks of the ingest subflow: fetch to landing, then summarise."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import INPUTS

# A retried flow run keeps its run id, so its finished fetches come back from the result store.
FETCH_CACHE = {"cache_policy": INPUTS, "persist_result": True, "cache_expiration": timedelta(days=7)}


def _lander(landing: str, run_id: str, source_kind: str) -> Any:
    from blocks.resolve import load_landing
    from tasks.landing import Lander

    return Lander(load_landing(landing), run_id=run_id, source=source_kind)


def _log_outcome(outcome: dict[str, Any]) -> None:
    logger = get_run_logger()
    for failure in outcome["failures"]:
        logger.warning(
            "request failed: %s %s -> %s %s: %s",
            failure["endpoint"],
            failure["params"],
            failure["status"],
            failure["reason"],
            failure["message"],
        )
    for warning in outcome["warnings"]:
        logger.warning(warning)
    if outcome["quota_exhausted"]:
        logger.error(outcome["quota_exhausted"])


@task(name="fetch-data-api-snapshot", task_run_name="data-api-{snapshot_date}", **FETCH_CACHE)
def fetch_data_api_snapshot(
    source: str, landing: str, run_id: str, snapshot_date: date, regions: list[str], channels: list[str]
) -> dict[str, Any]:
    """Trending, categories, channels, uploads and videos as of one day, landed page by page."""
    from blocks.resolve import load_source
    from tasks.youtube.ingest_plan import fetch_data_api_snapshot as fetch

    src = load_source(source)
    outcome = fetch(
        src.data_api(snapshot_date),
        _lander(landing, run_id, src.kind),
        snapshot_date,
        regions,
        channels,
        executor=src.executor(),
    ).as_dict()
    _log_outcome(outcome)
    return outcome


@task(name="fetch-analytics", task_run_name="analytics-{start}-{end}", **FETCH_CACHE)
def fetch_analytics(
    source: str,
    landing: str,
    run_id: str,
    as_of: date,
    channels: dict[str, dict[str, Any]],
    start: date,
    end: date,
    video_batch_size: int = 1,
) -> dict[str, Any]:
    """Every Analytics report of every channel and video over the window."""
    from blocks.resolve import load_source
    from tasks.youtube.ingest_plan import fetch_analytics as fetch

    src = load_source(source)
    outcome = fetch(
        src.analytics_api(),
        _lander(landing, run_id, src.kind),
        as_of,
        channels,
        start,
        end,
        executor=src.executor(),
        video_batch_size=video_batch_size,
        workers=src.analytics_workers,
        client_factory=src.analytics_api,
    ).as_dict()
    _log_outcome(outcome)
    return outcome


@task(name="fetch-insights", task_run_name="insights-{start}-{end}", **FETCH_CACHE)
def fetch_insights(
    source: str,
    landing: str,
    run_id: str,
    as_of: date,
    channels: dict[str, dict[str, Any]],
    start: date,
    end: date,
    top_videos: int,
) -> dict[str, Any]:
    """Views by content type (the channel's, and each video's whose type is not known yet) and the `top_videos`
    most viewed videos' retention curves."""
    from blocks.resolve import load_landing, load_source
    from tasks.youtube.content_type_state import read_content_types, typed_videos
    from tasks.youtube.ingest_plan import fetch_insights as fetch

    src = load_source(source)
    videos = [v for info in channels.values() for v in info["video_ids"]]
    known = typed_videos(read_content_types(load_landing(landing)), videos, as_of)
    outcome = fetch(
        src.analytics_api(),
        _lander(landing, run_id, src.kind),
        as_of,
        channels,
        start,
        end,
        top_videos,
        executor=src.executor(),
        workers=src.analytics_workers,
        client_factory=src.analytics_api,
        typed_videos=known,
    ).as_dict()
    _log_outcome(outcome)
    return outcome


@task(name="fetch-reporting", task_run_name="reporting-{start}-{end}", **FETCH_CACHE)
def fetch_reporting(
    source: str, landing: str, run_id: str, start: date, end: date, report_types: list[str] | None = None
) -> dict[str, Any]:
    """The Reporting API's bulk reports of the window (`report_types`, default the source's), landed as served."""
    from blocks.resolve import load_landing, load_source
    from tasks.youtube.ingest_plan import fetch_reporting as fetch
    from tasks.youtube.reporting_state import read_watermarks

    src = load_source(source)
    storage = load_landing(landing)
    outcome = fetch(
        src.reporting_api(),
        storage,
        run_id,
        src.kind,
        list(src.report_types if report_types is None else report_types),
        src.create_reporting_jobs,
        src.content_owner_id,
        start,
        end,
        executor=src.executor(),
        watermarks=read_watermarks(storage),
    ).as_dict()
    _log_outcome(outcome)
    return outcome


def combine_outcomes(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """Add up pages, API usage and failures of several fetch steps."""
    pages: dict[str, int] = {}
    usage: dict[str, dict[str, int]] = {}
    failures: list[dict[str, Any]] = []
    warnings: list[str] = []
    quota = None
    for outcome in outcomes:
        for table, n in outcome["pages"].items():
            pages[table] = pages.get(table, 0) + n
        for row in outcome["usage"]:
            acc = usage.setdefault(row["endpoint"], {"requests": 0, "units": 0, "retries": 0, "failed": 0})
            for k in acc:
                acc[k] += row[k]
        failures += outcome["failures"]
        warnings += outcome["warnings"]
        quota = quota or outcome["quota_exhausted"]
    return {"pages": pages, "usage": usage, "failures": failures, "warnings": warnings, "quota_exhausted": quota}

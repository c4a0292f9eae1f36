"""Subflow `ingest`: YouTube APIs -> landing (page by page, as received) -> Bronze."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from blocks.resolve import DEFAULT_BACKEND, DEFAULT_LANDING, DEFAULT_SOURCE


def key_only_warning(has_oauth: bool, channels: list[str], include_analytics: bool) -> str | None:
    """The one warning of a run whose source has an API key only (None when it has OAuth or needs none)."""
    if has_oauth or not (include_analytics or "mine" in channels):
        return None
    mine = " and channel 'mine' (name channel ids instead)" if "mine" in channels else ""
    return (
        "the source has an API key only: Analytics skipped" + mine + "; trending, categories and public "
        "channel/video metadata are fetched. Analytics needs OAuth user credentials (client id, client "
        "secret, refresh token): see README, 'Using the real YouTube APIs'."
    )


def fetch_channel_analytics(
    src: Any,
    source: str,
    landing: str,
    run_id: str,
    as_of: date,
    channel_videos: dict[str, dict[str, Any]],
    start: date,
    end: date,
    retention_videos: int,
) -> list[dict[str, Any]]:
    """Channel analytics of the window, each channel-day from the source its channel is set to use
    (bulk reports, reports.query, or `auto`: reports where they cover the day, reports.query elsewhere),
    the reach reports of the channels the reporting jobs cover, whatever their source, and what only
    reports.query gives (content types, retention) for every channel analytics is fetched for."""
    from tasks.ingestion import fetch_analytics, fetch_insights, fetch_reporting
    from tasks.youtube.analytics_sources import plan_sources, reported_channel_ids

    modes = {cid: src.analytics_source_for(info["ref"], cid) for cid, info in channel_videos.items()}
    reported = reported_channel_ids(channel_videos, src.content_owner_id)
    outcomes: list[dict[str, Any]] = []
    report_days: dict[str, list[str]] = {}
    analytics_types = list(src.report_types) if any(mode != "query" for mode in modes.values()) else []
    reach_types = [t for t in src.reach_report_types if t not in analytics_types] if reported else []
    if analytics_types or reach_types:
        reporting = fetch_reporting(source, landing, run_id, start, end, analytics_types + reach_types)
        outcomes.append(reporting)
        report_days = reporting["report_days"]
        if reporting["quota_exhausted"] and analytics_types:
            return outcomes
    plan = plan_sources(modes, reported, report_days, start, end)
    for warning in plan.warnings:
        get_run_logger().warning(warning)
    if plan.warnings:
        outcomes.append({"pages": {}, "usage": [], "failures": [], "warnings": plan.warnings, "quota_exhausted": None})
    for first, last, ids in plan.query_calls():
        outcome = fetch_analytics(source, landing, run_id, as_of, {c: channel_videos[c] for c in ids}, first, last)
        outcomes.append(outcome)
        if outcome["quota_exhausted"]:
            return outcomes
    insight_channels = {c: v for c, v in channel_videos.items() if c in reported or modes[c] != "reporting"}
    if insight_channels:
        outcomes.append(fetch_insights(source, landing, run_id, as_of, insight_channels, start, end, retention_videos))
    return outcomes


@flow(name="ingest", log_prints=True)
def ingest(
    backend: str = DEFAULT_BACKEND,
    source: str = DEFAULT_SOURCE,
    landing: str = DEFAULT_LANDING,
    regions: list[str] | None = None,
    channels: list[str] | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    lookback_days: int = 7,
    include_data_api: bool = True,
    include_analytics: bool = True,
    run_id: str | None = None,
    downstream: Literal["events", "parent"] = "events",
    retention_videos: int | None = None,
) -> dict[str, Any]:
    """Fetch the window from the source into landing, then load the run's pages into Bronze.

    `downstream` says who runs bronze_to_silver next: the `bronze-to-silver` deployment triggered by
    this run's `youtube.landing.written` event ("events"), or the calling parent flow ("parent").

    `backend`, `source` and `landing` are block references (`<block-type-slug>/<name>`). Regions and
    channels default to the source's; `channels` takes 'mine' or channel ids. Analytics covers
    [start_date, end_date] (default: the last `lookback_days` days); the Data API is fetched for
    each snapshot day the source has in that window (today, for the live APIs). `retention_videos`: how
    many of each channel's most viewed videos get audience retention curves (default: the source's
    `retention_top_videos`).
    """
    from blocks.resolve import load_landing, load_source
    from flows.window import gold_since, resolve_window
    from tasks.assets import record_bronze_assets
    from tasks.compute import load_landed_run
    from tasks.ingestion import combine_outcomes, fetch_data_api_snapshot
    from tasks.lake_lock import hold_lake
    from tasks.landing import run_prefix
    from tasks.reporting import emit_landing_written, emit_quota_exhausted, ingest_summary_rows, publish_ingest_summary
    from tasks.youtube.content_type_state import write_content_types
    from tasks.youtube.reporting_state import write_watermarks

    logger = get_run_logger()
    run_id = run_id or str(flow_run.get_id())
    src = load_source(source)
    window = resolve_window(src.default_window(lookback_days), start_date, end_date, lookback_days)
    regions = [r.upper() for r in (regions if regions is not None else src.default_regions())]
    channels = list(channels if channels is not None else src.default_channels())
    key_only = key_only_warning(src.has_oauth(), channels, include_analytics)
    if key_only:
        logger.warning(key_only)
        channels = [c for c in channels if c != "mine"]
        include_analytics = False
    snapshot_days = src.snapshot_dates(window.start, window.end) if include_data_api else []
    logger.info(
        "ingest run %s: window %s..%s, snapshots %s, regions %s, channels %s",
        run_id,
        window.start,
        window.end,
        [d.isoformat() for d in snapshot_days],
        regions,
        channels,
    )

    outcomes: list[dict[str, Any]] = []
    channel_videos: dict[str, dict[str, Any]] = {}
    for day in snapshot_days:
        outcome = fetch_data_api_snapshot(source, landing, run_id, day, regions, channels)
        outcomes.append(outcome)
        channel_videos = outcome["channels"] or channel_videos
        if outcome["quota_exhausted"]:
            break
    quota = next((o["quota_exhausted"] for o in outcomes if o["quota_exhausted"]), None)
    as_of = snapshot_days[-1] if snapshot_days else window.end
    if include_analytics and channels and not quota:
        if not channel_videos:
            logger.warning("no channel videos known for this run; Analytics is limited to channel reports")
            channel_videos = {c: {"ref": c, "video_ids": []} for c in channels if c != "mine"}
        top = src.retention_top_videos if retention_videos is None else retention_videos
        if top < 0:
            raise ValueError(f"retention_videos must be 0 or more, got {top}")
        outcomes += fetch_channel_analytics(
            src, source, landing, run_id, as_of, channel_videos, window.start, window.end, top
        )
    summary = combine_outcomes(outcomes)
    if summary["quota_exhausted"]:
        emit_quota_exhausted(run_id, {**window.as_payload(), "message": summary["quota_exhausted"]})
    summary["warnings"] = ([key_only] if key_only else []) + summary["warnings"]
    restated = sorted({d for o in outcomes for days in o.get("restated_days", {}).values() for d in days})

    landing_block = load_landing(landing)
    landing_location = landing_block.location(run_prefix(run_id))
    with hold_lake(backend):  # fetching does not touch the lake; loading Bronze does
        loaded = load_landed_run(backend, landing_block, run_id)
        seen = {job: t for o in outcomes for job, t in o.get("report_watermarks", {}).items()}
        if seen:  # only once the reports are in Bronze: a run that dies before asks for them again
            write_watermarks(landing_block, seen)
        write_content_types(
            landing_block, {v: t for o in outcomes for v, t in o.get("content_types", {}).items()}, as_of
        )
    record_bronze_assets(backend, landing_block.location(), loaded["rows_inserted"], loaded["quarantined"])
    if restated:
        logger.info("bulk reports for %d day(s) before the window (re-issued or late): %s", len(restated), restated)
    rows = ingest_summary_rows(loaded["rows_inserted"], summary["usage"], summary["failures"], loaded["quarantined"])
    publish_ingest_summary(run_id, rows)
    emit_landing_written(
        run_id,
        {
            **window.as_payload(),
            "window_start": gold_since(window.start, restated).isoformat(),
            "backend": backend,
            "landing_block": landing,
            "landing_location": landing_location,
            **landing_block.describe(run_prefix(run_id)),
            "snapshot_dates": [d.isoformat() for d in snapshot_days],
            "pages": summary["pages"],
        },
        downstream,
    )
    return {
        **summary,
        "run_id": run_id,
        **window.as_payload(),
        "landing_location": landing_location,
        "bronze_rows": loaded["rows_inserted"],
        "quarantined": loaded["quarantined"],
        "restated_days": restated,
    }

"""Bronze -> Silver: every Silver table of DESIGN.md, MERGEd on its grain from new Bronze rows.

Params: lake_root; full_refresh (bool, default false): rebuild every Silver table from all of Bronze;
parallel_steps: how many independent steps (each writing its own tables) run at once; by default 3 when
the Bronze files to read add up to at most `PARALLEL_MAX_BYTES` (16 MiB), else 1; interpreted (bool): evaluate
queries interpreted, not compiled; by default for the same small inputs (`tasks.spark.evaluation`).
"""

from __future__ import annotations

from typing import Any

from tasks.jobs import silver_facts
from tasks.jobs.bronze_load import bootstrap as bronze_bootstrap
from tasks.jobs.bronze_tables import REPORTS_RAW
from tasks.jobs.quarantine import quarantine
from tasks.jobs.silver_run import SilverRun, lineage
from tasks.silver import analytics, audience_retention, data_api, file_drops, report_specs
from tasks.silver.increments import bytes_since, clear_watermarks, read_watermarks, write_watermarks
from tasks.silver.merge import merge_latest
from tasks.silver.scd2 import scd2_merge
from tasks.spark.evaluation import interpret_small, interpreted
from tasks.spark.lake import table_path
from tasks.spark.parallel import PARALLEL_STEPS, in_parallel, steps_for

SILVER_TABLES: tuple[str, ...] = (
    "silver_channels",
    "silver_videos",
    "silver_video_stats_snapshot",
    "silver_video_metadata_scd2",
    "silver_trending_videos",
    "dim_category",
    "dim_date",
    "dim_traffic_source",
    "dim_country",
    "dim_device",
    "fact_channel_daily_metrics",
    "fact_video_daily_metrics",
    "fact_video_traffic_source_metrics",
    "fact_video_country_metrics",
    "fact_video_device_metrics",
    "fact_channel_content_type_daily",
    "fact_video_content_type_daily",
    "fact_video_audience_retention",
    "dim_content_type",
    *report_specs.REPORT_TABLES,
)
GRAINS: dict[str, list[str]] = {
    "silver_channels": ["channel_id"],
    "silver_videos": ["video_id"],
    "silver_video_stats_snapshot": ["video_id", "snapshot_date"],
    "silver_video_metadata_scd2": ["video_id", "valid_from"],
    "silver_trending_videos": ["region", "snapshot_date", "video_id"],
    "dim_category": ["region", "category_id", "valid_from"],
    "dim_date": ["date"],
    "dim_traffic_source": ["source_id"],
    "dim_country": ["country_code"],
    "dim_device": ["device_type"],
    "dim_content_type": ["content_type"],
    "fact_video_audience_retention": ["video_id", "as_of_date", "elapsed_video_time_ratio"],
    **{name: spec.grain for name, spec in analytics.FACTS.items()},
    **report_specs.GRAINS,
}
SCD2_ATTRIBUTES = (
    "channel_id",
    "title",
    "description",
    "tags",
    "category_id",
    "duration_seconds",
    "definition",
    "caption",
    "licensed_content",
    "privacy_status",
    "made_for_kids",
    "default_audio_language",
)
VIDEO_COLUMNS = (
    "video_id",
    "channel_id",
    "channel_title",
    "title",
    "description",
    "tags",
    "category_id",
    "published_at",
    "default_audio_language",
    "duration_iso",
    "duration_seconds",
    "definition",
    "caption",
    "licensed_content",
    "privacy_status",
    "made_for_kids",
    "view_count",
    "like_count",
    "comment_count",
)


# Threads pay off while Silver's steps are driver round trips: the sample (1.0 MiB of Bronze) 47 -> 42 s on 3
# threads; the medium daily run (5.7 MiB), same lake copy A/B, two runs each: 54.6, 53.4 s one at a time,
# 41.4, 45.3 s on threads. A 30-day history (~45 MiB) was slower on threads (90.7 -> 115.2 s, session 10).
PARALLEL_MAX_BYTES = 16 * 2**20
# The Bronze tables Silver reads (`_Run.bronze`): the only ones whose new bytes size a run (playlist_items_raw
# has no watermark, so counting it would add its whole, growing history every run).
SILVER_INPUTS: tuple[str, ...] = (
    "videos_raw",
    "trending_videos_raw",
    "channels_raw",
    "video_categories_raw",
    REPORTS_RAW,
    audience_retention.BRONZE_TABLE,
) + tuple(spec.bronze_table for spec in analytics.FACTS.values())


def _videos(run: SilverRun, metrics: dict[str, Any], workers: int = PARALLEL_STEPS) -> None:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark, lake = run.spark, run.lake_root
    pages = {t: run.bronze(t) for t in ("videos_raw", "trending_videos_raw")}
    is_csv = F.coalesce(F.col("endpoint") == file_drops.TRENDING_CSV, F.lit(False))
    dropped, dropped_bad = file_drops.trending_rows(pages["trending_videos_raw"].filter(is_csv))
    run.reject(dropped_bad, "silver_trending_videos", "record")
    pages["trending_videos_raw"] = pages["trending_videos_raw"].filter(~is_csv)
    typed = {}
    for table, target in (("videos_raw", "silver_videos"), ("trending_videos_raw", "silver_trending_videos")):
        items, bad_pages = data_api.explode_items(pages[table], data_api.VIDEO_ITEM)
        good, bad = data_api.video_rows(items)
        run.reject(bad_pages, target, "record")
        run.reject(bad, target)
        typed[table] = good
    videos = typed["videos_raw"].unionByName(typed["trending_videos_raw"]).persist()

    def current() -> None:
        metrics["silver_videos"] = merge_latest(
            spark,
            lake,
            "silver_videos",
            videos.select(*VIDEO_COLUMNS, "snapshot_date", *lineage()),
            ["video_id"],
            ("snapshot_date", "ingest_ts_utc"),
        )

    def stats() -> None:
        metrics["silver_video_stats_snapshot"] = merge_latest(
            spark,
            lake,
            "silver_video_stats_snapshot",
            videos.select(
                "video_id",
                "snapshot_date",
                "channel_id",
                "view_count",
                "like_count",
                "comment_count",
                "favorite_count",
                *lineage(),
            ),
            ["video_id", "snapshot_date"],
            date_column="snapshot_date",
            observed=run.observed.setdefault("silver_video_stats_snapshot", {}),
        )

    def scd2() -> None:
        metrics["silver_video_metadata_scd2"] = scd2_merge(
            spark, lake, "silver_video_metadata_scd2", videos, ["video_id"], SCD2_ATTRIBUTES, "video_sk"
        )

    def trending() -> None:
        chart = typed["trending_videos_raw"].withColumn(
            "rank", (F.coalesce("page_offset", F.lit(0)) + F.col("position") + 1).cast("int")
        )
        best = Window.partitionBy("region", "snapshot_date", "video_id", "request_id").orderBy("rank")
        chart = chart.withColumn("_r", F.row_number().over(best)).filter("_r = 1")
        rows = chart.select(
            "region",
            "snapshot_date",
            F.col("ingest_ts_utc").alias("snapshot_ts"),
            "rank",
            "video_id",
            "channel_id",
            "channel_title",
            "title",
            "category_id",
            "published_at",
            "view_count",
            "like_count",
            "comment_count",
            *lineage(),
        )
        metrics["silver_trending_videos"] = merge_latest(
            spark,
            lake,
            "silver_trending_videos",
            rows.unionByName(dropped),
            ["region", "snapshot_date", "video_id"],
            date_column="snapshot_date",
            observed=run.observed.setdefault("silver_trending_videos", {}),
        )

    try:
        in_parallel([current, stats, scd2, trending], workers)  # four tables, each written by one step
    finally:
        videos.unpersist()


def _channels_and_categories(run: SilverRun, metrics: dict[str, Any]) -> None:
    items, bad_pages = data_api.explode_items(run.bronze("channels_raw"), data_api.CHANNEL_ITEM)
    good, bad = data_api.channel_rows(items)
    run.reject(bad_pages, "silver_channels", "record")
    run.reject(bad, "silver_channels")
    channels = good.select(
        "channel_id",
        "title",
        "description",
        "custom_url",
        "published_at",
        "country_code",
        "uploads_playlist_id",
        "view_count",
        "subscriber_count",
        "hidden_subscriber_count",
        "video_count",
        "snapshot_date",
        *lineage(),
    )
    metrics["silver_channels"] = merge_latest(
        run.spark, run.lake_root, "silver_channels", channels, ["channel_id"], ("snapshot_date", "ingest_ts_utc")
    )
    items, bad_pages = data_api.explode_items(run.bronze("video_categories_raw"), data_api.CATEGORY_ITEM)
    good, bad = data_api.category_rows(items)
    run.reject(bad_pages, "dim_category", "record")
    run.reject(bad, "dim_category")
    metrics["dim_category"] = scd2_merge(
        run.spark,
        run.lake_root,
        "dim_category",
        good,
        ["region", "category_id"],
        ["title", "assignable", "channel_id"],
        "category_sk",
    )


def run(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Build every Silver table; metrics per table (inserted/updated/quarantined) and warnings."""
    from delta.tables import DeltaTable

    lake = params["lake_root"]
    bronze_bootstrap(spark, {"lake_root": lake})
    if params.get("full_refresh"):
        clear_watermarks(spark, lake)
        for table in SILVER_TABLES:
            path = table_path(lake, "silver", table)
            if DeltaTable.isDeltaTable(spark, path):
                DeltaTable.forPath(spark, path).delete()
    state = SilverRun(spark, lake, read_watermarks(spark, lake))
    metrics: dict[str, Any] = {}
    to_read = sum(in_parallel([lambda t=t: bytes_since(spark, lake, t, state.marks.get(t)) for t in SILVER_INPUTS]))
    workers = steps_for(params, to_read, PARALLEL_MAX_BYTES)
    with interpreted(spark, interpret_small(params, to_read, PARALLEL_MAX_BYTES)) as interpreting:
        built = _build(spark, state, metrics, workers)
    return {
        **built,
        "bronze_reads": state.read_modes,
        "step_seconds": state.seconds,
        "bronze_bytes_read": to_read,
        "parallel_steps": workers,
        "interpreted": interpreting,
    }


def _build(spark: Any, state: SilverRun, metrics: dict[str, Any], workers: int) -> dict[str, Any]:
    """Every Silver table from the run's Bronze reads, then quarantine and watermarks."""
    from delta.tables import DeltaTable

    lake = state.lake_root

    def videos() -> None:
        with state.timed("videos, stats, scd2, trending"):
            _videos(state, metrics, workers)

    def channels() -> None:
        with state.timed("channels, categories"):
            _channels_and_categories(state, metrics)

    def reports_and_facts() -> list[str]:  # the facts need the reports only, not the Data API tables
        reported, report_warnings, cached = silver_facts.reports(state, metrics)
        try:
            steps = [lambda name=name: silver_facts.fact(state, metrics, reported, name) for name in analytics.FACTS]
            in_parallel([*steps, lambda: silver_facts.retention_curves(state, metrics)], workers)
        finally:
            for frame in cached:
                frame.unpersist()
        return report_warnings

    report_warnings = in_parallel([reports_and_facts, videos, channels], workers)[0]
    # Dimensions follow every batch read, not only batches that changed a fact: a run killed between its
    # facts and its dimensions left the facts merged and the watermarks where they were, so its re-run
    # reads the same rows, changes no fact, and must still build the dimensions from them.
    batches_read = any(
        (o.get("range") or (None,))[0] is not None or any(o.get("distinct", {}).values())
        for o in state.observed.values()
    )
    dims_missing = not all(
        DeltaTable.isDeltaTable(spark, table_path(lake, "silver", t))
        for t in ("dim_traffic_source", "dim_device", "dim_country", "dim_content_type", "dim_date")
    )
    with state.timed("dimensions"):
        warnings = report_warnings + (
            silver_facts.dimensions(state, metrics, workers) if batches_read or dims_missing else []
        )
    quarantined: dict[str, int] = {}
    if state.bad:
        from pyspark.sql import functions as F

        bad = state.bad[0]
        for frame in state.bad[1:]:
            bad = bad.unionByName(frame)
        bad = bad.persist()
        quarantined = {r["target_table"]: r["count"] for r in bad.groupBy("target_table").count().collect()}
        quarantine(spark, lake, bad.withColumn("run_id", F.coalesce("run_id", F.lit(""))))
        bad.unpersist()
    for frame in state.held:
        frame.unpersist()
    for table in SILVER_TABLES:
        metrics.setdefault(table, {"inserted": 0, "updated": 0})["quarantined"] = quarantined.get(table, 0)
    write_watermarks(spark, lake, state.versions)
    changed = sorted(t for t, m in metrics.items() if m["inserted"] or m["updated"] or m.get("deleted"))
    return {"tables": metrics, "changed": changed, "warnings": warnings}


def maintain(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """OPTIMIZE each Silver table, then VACUUM it with `vacuum_retention_hours` (default 168).

    `tables` (default: all) limits it to the tables a run changed: the others have no new files."""
    from delta.tables import DeltaTable

    from tasks.jobs.maintenance import retention, vacuum

    lake = params["lake_root"]
    hours = float(params.get("vacuum_retention_hours", 168))
    done = {}
    with retention(spark, hours):
        wanted = params.get("tables")
        for table in SILVER_TABLES if wanted is None else [t for t in SILVER_TABLES if t in wanted]:
            path = table_path(lake, "silver", table)
            if not DeltaTable.isDeltaTable(spark, path):
                continue
            optimized = DeltaTable.forPath(spark, path).optimize().executeCompaction().first()["metrics"]
            vacuum(spark, f"delta.`{path}`", hours)
            done[table] = {
                "files_removed": int(optimized["numFilesRemoved"]),
                "files_added": int(optimized["numFilesAdded"]),
            }
    return {"optimized": done, "vacuum_retention_hours": hours}

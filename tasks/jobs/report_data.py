"""What the run report draws, aggregated in Spark from Gold (and the health figures from Bronze): only the
numbers the page shows leave the cluster, so the page stays small however large the lake is.

Returns a JSON-ready dict (dates as ISO strings); every section is a list of records, empty when the
lake has no such data (the page then says so).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import reduce
from typing import Any

from tasks.spark.lake import table_path

DEFAULT_DAYS = 28
TOP_VIDEOS = 10
TOP_CATEGORIES = 8  # per region; the rest is drawn as "Other"
TOP_COUNTRIES = 15
RECENT_RUNS = 14
FRESHNESS = (
    ("gold_channel_daily_summary", "date"),
    ("gold_video_daily_summary", "date"),
    ("gold_video_country_daily_summary", "date"),
    ("gold_video_device_daily_summary", "date"),
    ("gold_video_traffic_source_daily_summary", "date"),
    ("gold_video_demographics_daily", "date"),
    ("gold_video_playback_location_daily", "date"),
    ("gold_video_reach_daily", "date"),
    ("gold_channel_reach_daily", "date"),
    ("gold_channel_content_type_daily", "date"),
    ("gold_video_retention", "as_of_date"),
    ("gold_trending_videos", "snapshot_date"),
    ("gold_trending_category_daily", "snapshot_date"),
)


def _table(spark: Any, params: dict[str, Any], layer: str, name: str) -> Any | None:
    """The table as a DataFrame, or None when it does not exist (yet)."""
    from delta.tables import DeltaTable

    if params.get("catalog"):
        qualified = f"{params['catalog']}.{layer}.{name}"
        return spark.table(qualified) if spark.catalog.tableExists(qualified) else None
    path = table_path(params["lake_root"], layer, name)
    return spark.read.format("delta").load(path) if DeltaTable.isDeltaTable(spark, path) else None


def _records(df: Any) -> list[dict[str, Any]]:
    """Rows as plain JSON values (dates as ISO strings, decimals as floats)."""
    from decimal import Decimal

    def plain(value: Any) -> Any:
        if isinstance(value, date):  # datetimes too
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value)
        return value

    return [{k: plain(v) for k, v in row.asDict().items()} for row in df.collect()]


def _window(spark: Any, params: dict[str, Any]) -> tuple[date, date]:
    """The report's days: as given, else the `DEFAULT_DAYS` ending on the newest Gold day."""
    from pyspark.sql import functions as F

    end = date.fromisoformat(params["window_end"]) if params.get("window_end") else None
    if end is None:
        newest = [
            df.agg(F.max(column)).first()[0]
            for df, column in (
                (_table(spark, params, "gold", "gold_channel_daily_summary"), "date"),
                (_table(spark, params, "gold", "gold_trending_category_daily"), "snapshot_date"),
            )
            if df is not None
        ]
        end = max([d for d in newest if d is not None], default=date.today())
    start = (
        date.fromisoformat(params["window_start"])
        if params.get("window_start")
        else end - timedelta(days=DEFAULT_DAYS - 1)
    )
    if start > end:
        raise ValueError(f"report window starts after it ends: {start} > {end}")
    return start, end


def _between(column: str, start: date, end: date) -> str:
    return f"`{column}` BETWEEN DATE'{start.isoformat()}' AND DATE'{end.isoformat()}'"


def trending(spark: Any, params: dict[str, Any], start: date, end: date) -> dict[str, Any]:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    out: dict[str, Any] = {"categories_by_day": [], "top_videos": [], "region_category": []}
    daily = _table(spark, params, "gold", "gold_trending_category_daily")
    if daily is not None:
        daily = (
            daily.filter(_between("snapshot_date", start, end))
            .withColumn(
                "category",
                F.coalesce("category_title", F.concat(F.lit("category "), F.col("category_id").cast("string"))),
            )
            .persist()
        )
        ranked = (
            daily.groupBy("region", "category")
            .agg(F.sum("views").alias("total"))
            .withColumn("n", F.row_number().over(Window.partitionBy("region").orderBy(F.desc("total"), "category")))
        )
        shown = daily.join(ranked, ["region", "category"]).withColumn(
            "category", F.when(F.col("n") <= TOP_CATEGORIES, F.col("category")).otherwise(F.lit("Other"))
        )
        out["categories_by_day"] = _records(
            shown.groupBy("region", "snapshot_date", "category")
            .agg(F.sum("videos").alias("videos"), F.sum("views").alias("views"))
            .orderBy("region", "snapshot_date", "category")
        )
        latest = daily.groupBy("region").agg(F.max("snapshot_date").alias("snapshot_date"))
        out["region_category"] = _records(
            daily.join(latest, ["region", "snapshot_date"])
            .select("region", "snapshot_date", "category", "videos", "views")
            .orderBy("region", F.desc("views"))
        )
        daily.unpersist()
    videos = _table(spark, params, "gold", "gold_trending_videos")
    if videos is not None:
        videos = videos.filter(_between("snapshot_date", start, end))
        days = (
            videos.select("region", "snapshot_date")
            .distinct()
            .withColumn("age", F.row_number().over(Window.partitionBy("region").orderBy(F.desc("snapshot_date"))))
        )
        last_two = videos.join(days.filter("age <= 2"), ["region", "snapshot_date"])
        today = last_two.filter("age = 1").filter(F.col("rank") <= TOP_VIDEOS)
        before = last_two.filter("age = 2").select("region", "video_id", F.col("rank").alias("previous_rank"))
        had_before = days.filter("age = 2").select("region", F.lit(True).alias("has_previous_day"))
        out["top_videos"] = _records(
            today.join(before, ["region", "video_id"], "left")
            .join(had_before, "region", "left")
            .select(
                "region",
                "snapshot_date",
                "rank",
                "previous_rank",
                F.coalesce("has_previous_day", F.lit(False)).alias("has_previous_day"),
                "video_id",
                "title",
                "channel_title",
                "category_title",
                "views",
            )
            .orderBy("region", "rank")
        )
    return out


def _ranked(df: Any | None, label: str, start: date, end: date, limit: int | None = None) -> list[dict[str, Any]]:
    """Views and watch time per `label` over the window, largest first."""
    from pyspark.sql import functions as F

    if df is None:
        return []
    totals = (
        df.filter(_between("date", start, end))
        .groupBy(label)
        .agg(F.sum("views").alias("views"), F.sum("estimated_minutes_watched").alias("minutes"))
        .orderBy(F.desc("views"), label)
    )
    return _records(totals.limit(limit) if limit else totals)


def channels(spark: Any, params: dict[str, Any], start: date, end: date) -> dict[str, Any]:
    from pyspark.sql import functions as F

    out: dict[str, Any] = {}
    daily = _table(spark, params, "gold", "gold_channel_daily_summary")
    names = _table(spark, params, "silver", "silver_channels")
    if daily is not None:
        daily = daily.filter(_between("date", start, end))
        if names is not None and "title" in names.columns:
            daily = daily.join(names.select("channel_id", F.col("title").alias("channel_title")), "channel_id", "left")
        else:
            daily = daily.withColumn("channel_title", F.lit(None).cast("string"))
        out["daily"] = _records(
            daily.select(
                "channel_id",
                F.coalesce("channel_title", "channel_id").alias("channel"),
                "date",
                "views",
                F.col("estimated_minutes_watched").alias("minutes"),
                "net_subscribers",
            ).orderBy("channel_id", "date")
        )
    else:
        out["daily"] = []
    videos = _table(spark, params, "gold", "gold_video_daily_summary")
    out["top_videos"] = []
    if videos is not None:
        top = (
            videos.filter(_between("date", start, end))
            .groupBy("video_id")
            .agg(F.sum("views").alias("views"), F.sum("estimated_minutes_watched").alias("minutes"))
            .orderBy(F.desc("views"), "video_id")
            .limit(TOP_VIDEOS)
        )
        titles = _table(spark, params, "silver", "silver_videos")
        if titles is not None and "title" in titles.columns:
            top = top.join(titles.select("video_id", "title"), "video_id", "left")
        else:
            top = top.withColumn("title", F.lit(None).cast("string"))
        out["top_videos"] = _records(
            top.select("video_id", F.coalesce("title", "video_id").alias("title"), "views", "minutes").orderBy(
                F.desc("views"), "video_id"
            )
        )
    gold = lambda name: _table(spark, params, "gold", name)  # noqa: E731
    out["traffic_sources"] = _ranked(gold("gold_video_traffic_source_daily_summary"), "source_name", start, end)
    out["devices"] = _ranked(gold("gold_video_device_daily_summary"), "device_name", start, end)
    out["countries"] = _ranked(gold("gold_video_country_daily_summary"), "country_name", start, end, TOP_COUNTRIES)
    demographics = gold("gold_video_demographics_daily")
    out["demographics"] = (
        []
        if demographics is None
        else _records(
            demographics.filter(_between("date", start, end))
            .groupBy("age_group", "gender")
            .agg(F.sum("estimated_views").alias("views"))
            .orderBy("age_group", "gender")
        )
    )
    out["playback_locations"] = _ranked(gold("gold_video_playback_location_daily"), "playback_location", start, end)
    return out


def _titled(spark: Any, params: dict[str, Any], df: Any) -> Any:
    """`df` with each video's `title` (its id where the title is unknown)."""
    from pyspark.sql import functions as F

    titles = _table(spark, params, "silver", "silver_videos")
    if titles is None or "title" not in titles.columns:
        return df.withColumn("title", F.col("video_id"))
    named = df.join(titles.select("video_id", F.col("title").alias("_title")), "video_id", "left")
    return named.withColumn("title", F.coalesce("_title", "video_id")).drop("_title")


def creators(spark: Any, params: dict[str, Any], start: date, end: date) -> dict[str, Any]:
    """What creators look at first: impressions and their click-through rate (daily per channel, and the top
    videos by impressions), views by content type, and the retention curves of the most viewed videos."""
    from pyspark.sql import functions as F

    gold = lambda name: _table(spark, params, "gold", name)  # noqa: E731
    out: dict[str, Any] = {k: [] for k in ("reach_daily", "reach_top_videos", "content_types", "content_type_daily")}
    out["retention"] = []
    reach = gold("gold_channel_reach_daily")
    if reach is not None:
        out["reach_daily"] = _records(
            reach.filter(_between("date", start, end))
            .select("channel_id", "date", "impressions", F.col("impressions_ctr").cast("double").alias("ctr"))
            .orderBy("channel_id", "date")
        )
    videos = gold("gold_video_reach_daily")
    if videos is not None:
        top = (
            videos.filter(_between("date", start, end))
            .groupBy("video_id")
            .agg(
                F.sum("impressions").alias("impressions"),
                F.sum(F.col("impressions") * F.col("impressions_ctr")).cast("double").alias("clicks"),
            )
            .filter(F.col("impressions") > 0)
            .orderBy(F.desc("impressions"), "video_id")
            .limit(TOP_VIDEOS)
        )
        out["reach_top_videos"] = _records(
            _titled(spark, params, top)
            .select("video_id", "title", "impressions", (F.col("clicks") / F.col("impressions")).alias("ctr"))
            .orderBy(F.desc("impressions"), "video_id")
        )
    types = gold("gold_channel_content_type_daily")
    if types is not None:
        window = types.filter(_between("date", start, end))
        out["content_types"] = _records(
            window.groupBy("content_type")
            .agg(
                F.sum("views").alias("views"),
                F.sum("engaged_views").alias("engaged_views"),
                F.sum("estimated_minutes_watched").alias("minutes"),
                F.sum("subscribers_gained").alias("subscribers_gained"),
            )
            .orderBy(F.desc("views"), "content_type")
        )
        out["content_type_daily"] = _records(
            window.groupBy("date", "content_type").agg(F.sum("views").alias("views")).orderBy("date", "content_type")
        )
    curves = gold("gold_video_retention")
    if curves is not None:
        latest = curves.filter(F.col("as_of_date") <= F.lit(end)).agg(F.max("as_of_date")).first()[0]
        if latest is not None:
            shown = curves.filter(F.col("as_of_date") == F.lit(latest))
            views = gold("gold_video_daily_summary")
            ranked = shown.select("video_id").distinct()
            if views is not None:
                totals = views.filter(_between("date", start, end)).groupBy("video_id").agg(F.sum("views").alias("v"))
                ranked = ranked.join(totals, "video_id", "left")
            else:
                ranked = ranked.withColumn("v", F.lit(None).cast("long"))
            top_ids = ranked.orderBy(F.desc_nulls_last("v"), "video_id").limit(TOP_VIDEOS)
            out["retention"] = _records(
                _titled(spark, params, shown.join(top_ids.select("video_id"), "video_id"))
                .select(
                    "video_id",
                    "title",
                    "content_type",
                    F.col("elapsed_video_time_ratio").alias("elapsed"),
                    F.col("audience_watch_ratio").alias("watching"),
                    F.col("relative_retention_performance").alias("relative"),
                )
                .orderBy("video_id", "elapsed")
            )
    return out


def health(spark: Any, params: dict[str, Any], end: date) -> dict[str, Any]:
    from pyspark.sql import functions as F

    from tasks.jobs import table_counts

    counts = table_counts.run(spark, params)
    out: dict[str, Any] = {"table_counts": counts, "quarantine": [], "runs": [], "freshness": []}
    quarantine = _table(spark, params, "bronze", "quarantine")
    if quarantine is not None:
        run_id = params.get("run_id")
        this_run = F.col("run_id") == F.lit(run_id) if run_id else F.lit(False)
        out["quarantine"] = _records(
            quarantine.groupBy("stage", "target_table", "reason")
            .agg(F.count(F.lit(1)).alias("rows"), F.sum(F.when(this_run, 1).otherwise(0)).alias("this_run"))
            .orderBy(F.desc("rows"), "stage", "target_table", "reason")
        )
    runs = _table(spark, params, "bronze", "run_context_log")
    if runs is not None:
        recent = _records(
            runs.select("run_id", "flow_name", "status", "started_at_utc", "api_units")
            .orderBy(F.desc("started_at_utc"))
            .limit(RECENT_RUNS)
        )
        for run in recent:
            units = json.loads(run.pop("api_units") or "{}")
            run["api_units"] = int(sum(units.values()))
            run["started_at_utc"] = (run["started_at_utc"] or "")[:19].replace("T", " ") or None
        out["runs"] = recent
    newest = [_table(spark, params, "gold", name) for name, _ in FRESHNESS]
    branches = [
        df.agg(F.max(column).alias("newest")).select(F.lit(name).alias("table"), "newest")
        for df, (name, column) in zip(newest, FRESHNESS, strict=True)
        if df is not None
    ]
    found = (
        {r["table"]: r["newest"] for r in reduce(lambda a, b: a.unionAll(b), branches).collect()} if branches else {}
    )
    for name, _ in FRESHNESS:
        day = found.get(name)
        out["freshness"].append(
            {"table": name, "newest": day.isoformat() if day else None, "lag_days": (end - day).days if day else None}
        )
    return out


def run(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: lake_root, catalog (Unity Catalog), window_start/window_end (ISO dates, optional), run_id
    (whose quarantined rows are counted apart). Returns the report's data."""
    from tasks.spark.parallel import in_parallel

    start, end = _window(spark, params)
    sections = in_parallel(
        [
            lambda: trending(spark, params, start, end),
            lambda: channels(spark, params, start, end),
            lambda: creators(spark, params, start, end),
            lambda: health(spark, params, end),
        ]
    )
    return {
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        **dict(zip(("trending", "channels", "creators", "health"), sections, strict=True)),
    }

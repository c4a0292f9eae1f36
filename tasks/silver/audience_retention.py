"""Audience retention pages (`dimensions=elapsedVideoTimeRatio`, one video per query) as typed curve points.

A curve belongs to the video in the request's filter and to the window it was asked for: `as_of_date` is
the request's endDate, `window_start` its startDate. Values are read by column header name.
"""

from __future__ import annotations

from typing import Any

from tasks.silver.analytics import report_rows, try_date
from tasks.silver.checks import finite_number, reasons, repeats_in_page

BRONZE_TABLE = "analytics_video_audience_retention_raw"
SILVER_TABLE = "fact_video_audience_retention"
GRAIN = ["video_id", "as_of_date", "elapsed_video_time_ratio"]


def _ratio(raw: Any, name: str, low: float, high: float | None) -> tuple[Any, list[tuple[Any, str]]]:
    number, numeric = finite_number(raw)
    bound = f"{low}..{high}" if high is not None else f">= {low}"
    out_of_range = (number < low) if high is None else ((number < low) | (number > high))
    checks = [
        (raw.isNull(), f"missing {name}"),
        (raw.isNotNull() & ~numeric, f"non-numeric {name}"),
        (numeric & out_of_range, f"{name} outside {bound}"),
    ]
    return number, checks


def typed_curve_rows(pages: Any) -> tuple[Any, Any]:
    """(curve points with `_reasons`, pages of the wrong shape) from Bronze retention pages."""
    from pyspark.sql import functions as F

    rows, bad_pages = report_rows(pages)
    rec, req = F.col("record"), F.col("_req")
    video = F.nullif(F.regexp_extract(req["filters"], r"^video==([^,;]+)$", 1), F.lit(""))
    as_of, since = try_date(req["endDate"]), try_date(req["startDate"])
    ratio, ratio_checks = _ratio(rec["elapsedVideoTimeRatio"], "elapsedVideoTimeRatio", 0.0, 1.0)
    watch, watch_checks = _ratio(rec["audienceWatchRatio"], "audienceWatchRatio", 0.0, None)  # rewatches: > 1
    relative, relative_checks = _ratio(rec["relativeRetentionPerformance"], "relativeRetentionPerformance", 0.0, 1.0)
    checks = [
        (video.isNull(), "missing video id: a retention query filters one video"),
        (as_of.isNull(), "unparseable endDate"),
        *ratio_checks,
        *watch_checks,
        *relative_checks,
        (F.col("channel_id").isNull(), "missing channel id"),
        (repeats_in_page([video, ratio], "_pos"), "duplicate row for the same key in page (the first is kept)"),
    ]
    typed = rows.withColumn(
        "_reasons",
        F.when(rec.isNull(), F.array(F.lit("row length does not match columnHeaders"))).otherwise(reasons(*checks)),
    )
    is_bad = F.size("_reasons") > 0
    return (
        typed.select(
            video.alias("video_id"),
            "channel_id",
            as_of.alias("as_of_date"),
            since.alias("window_start"),
            ratio.alias("elapsed_video_time_ratio"),
            watch.alias("audience_watch_ratio"),
            relative.alias("relative_retention_performance"),
            "ingest_ts_utc",
            "run_id",
            F.col("request_id").alias("source_request_id"),
            F.when(is_bad, F.col("request")).alias("request"),
            F.when(is_bad, F.col("landing_path")).alias("landing_path"),
            F.when(is_bad, F.coalesce(F.to_json("record"), F.to_json("_row"))).alias("record_json"),
            "_reasons",
        ),
        bad_pages,
    )

"""Analytics API result tables as typed fact rows, values read by column header name.

A country row takes its date from the request, and only from a one-day request: a total over
several days is quarantined rather than labelled with one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tasks.silver.checks import non_negative_count, reasons, repeats_in_page

REPORT_PAGE = (
    "struct<kind:string, columnHeaders:array<struct<name:string, columnType:string, dataType:string>>, "
    "rows:array<array<string>>>"
)
REQUEST = "struct<ids:string, startDate:string, endDate:string, dimensions:string, filters:string, metrics:string>"


@dataclass(frozen=True)
class FactSpec:
    bronze_table: str
    silver_table: str
    per_video: bool
    dimension: str | None  # the breakdown dimension besides day, e.g. "deviceType"
    dimension_column: str | None  # its Silver column name
    metrics: dict[str, str]  # API metric name -> Silver column
    day_from_request: bool = False  # country: no `day` dimension exists
    camel_case_values: bool = False  # values may come as `videoOnDemand` as well as VIDEO_ON_DEMAND

    @property
    def grain(self) -> list[str]:
        keys = ["video_id"] if self.per_video else ["channel_id"]
        return keys + ["date"] + ([self.dimension_column] if self.dimension_column else [])


COUNTS = {"views": "views", "estimatedMinutesWatched": "estimated_minutes_watched"}
FACTS: dict[str, FactSpec] = {
    s.silver_table: s
    for s in (
        FactSpec(
            "analytics_channel_daily_raw",
            "fact_channel_daily_metrics",
            False,
            None,
            None,
            {
                **COUNTS,
                "likes": "likes",
                "comments": "comments",
                "averageViewDuration": "average_view_duration_seconds",
                "subscribersGained": "subscribers_gained",
                "subscribersLost": "subscribers_lost",
                "engagedViews": "engaged_views",
            },
        ),
        FactSpec(
            "analytics_video_daily_raw",
            "fact_video_daily_metrics",
            True,
            None,
            None,
            {
                **COUNTS,
                "likes": "likes",
                "comments": "comments",
                "averageViewDuration": "average_view_duration_seconds",
                "engagedViews": "engaged_views",
            },
        ),
        FactSpec(
            "analytics_video_traffic_source_daily_raw",
            "fact_video_traffic_source_metrics",
            True,
            "insightTrafficSourceType",
            "traffic_source",
            COUNTS,
        ),
        FactSpec(
            "analytics_video_device_daily_raw", "fact_video_device_metrics", True, "deviceType", "device_type", COUNTS
        ),
        FactSpec(
            "analytics_video_country_daily_raw",
            "fact_video_country_metrics",
            True,
            "country",
            "country_code",
            COUNTS,
            day_from_request=True,
        ),
        FactSpec(
            "analytics_channel_content_type_daily_raw",
            "fact_channel_content_type_daily",
            False,
            "creatorContentType",
            "content_type",
            {
                **COUNTS,
                "engagedViews": "engaged_views",
                "subscribersGained": "subscribers_gained",
            },
            camel_case_values=True,
        ),
        FactSpec(
            "analytics_video_content_type_daily_raw",
            "fact_video_content_type_daily",
            True,
            "creatorContentType",
            "content_type",
            {"views": "views"},
            camel_case_values=True,
        ),
    )
}
# The facts bulk reports can feed (tasks/silver/reporting.facts_from_reports); the others come from queries only.
REPORT_FED = (
    "fact_channel_daily_metrics",
    "fact_video_daily_metrics",
    "fact_video_traffic_source_metrics",
    "fact_video_country_metrics",
    "fact_video_device_metrics",
)


def report_rows(pages: Any) -> tuple[Any, Any]:
    """(one row per result row with `record`: header name -> value text; pages of the wrong shape)."""
    from pyspark.sql import functions as F

    parsed = pages.withColumn("_page", F.from_json("payload", REPORT_PAGE)).withColumn(
        "_req", F.from_json("request", REQUEST)
    )
    shape = F.when(F.col("_page.columnHeaders").isNull(), F.lit("unexpected payload shape: no columnHeaders")).when(
        F.col("_page.rows").isNull() & F.get_json_object("payload", "$.rows").isNotNull(),
        F.lit("unexpected payload shape: rows is not a list of rows"),
    )
    parsed = parsed.withColumn("reason", shape)
    bad_pages = parsed.filter(F.col("reason").isNotNull()).withColumn("record", F.substring("payload", 1, 2000))
    names = F.transform(F.col("_page.columnHeaders"), lambda h: h["name"])
    no_rows = F.array().cast("array<array<string>>")  # the API leaves `rows` out when there is no data
    rows = (
        parsed.filter(F.col("reason").isNull())
        .drop("reason")
        .withColumn("_names", names)
        .select("*", F.posexplode(F.coalesce(F.col("_page.rows"), no_rows)).alias("_pos", "_row"))
        .withColumn("record", F.when(F.size("_row") == F.size("_names"), F.map_from_arrays("_names", "_row")))
    )
    return rows, bad_pages


def try_date(col: Any) -> Any:
    """A YYYY-MM-DD text as a date, NULL when it is not one (ANSI mode makes to_date raise)."""
    from pyspark.sql import functions as F

    return F.try_to_timestamp(col, F.lit("yyyy-MM-dd")).cast("date")


def typed_fact_rows(rows: Any, spec: FactSpec) -> Any:
    """Every row typed on the spec's grain with `_reasons` (empty when good; `checks.split_good_bad` splits
    them). Only rows with a reason keep their request, landing path and record text: a cached frame of a
    year's rows stays small."""
    from pyspark.sql import functions as F

    rec, req = F.col("record"), F.col("_req")
    filter_video = F.nullif(F.regexp_extract(req["filters"], r"^video==([^,;]+)$", 1), F.lit(""))
    video = F.coalesce(rec["video"], filter_video)
    if spec.day_from_request:
        day = F.when(req["startDate"] == req["endDate"], try_date(req["startDate"]))
        day_checks = [
            (req["startDate"] != req["endDate"], "multi-day total: a country row is only dated by a one-day request"),
            ((req["startDate"] == req["endDate"]) & day.isNull(), "unparseable startDate"),
        ]
    else:
        day = try_date(rec["day"])
        day_checks = [(rec["day"].isNull(), "missing day"), (rec["day"].isNotNull() & day.isNull(), "unparseable day")]
    checks: list[tuple[Any, str]] = list(day_checks)
    values = []
    for api_name, column in spec.metrics.items():
        more, value = non_negative_count(rec[api_name], api_name)
        checks += more
        values.append(value.alias(column))
    keys = [video.alias("video_id")] if spec.per_video else []
    grain = [video if spec.per_video else F.col("channel_id"), day]
    if spec.per_video:
        checks.append((video.isNull(), "missing video id"))
    if spec.dimension:
        checks.append((rec[spec.dimension].isNull() | (F.trim(rec[spec.dimension]) == ""), f"missing {spec.dimension}"))
        label = F.trim(rec[spec.dimension])
        if spec.camel_case_values:  # liveStream -> LIVE_STREAM
            label = F.regexp_replace(label, "([a-z0-9])([A-Z])", "$1_$2")
        keys.append(F.upper(label).alias(spec.dimension_column))
        grain.append(F.upper(label))
    checks.append((F.col("channel_id").isNull(), "missing channel id"))
    checks.append((F.col("_repeat"), "duplicate row for the same key in page (the first is kept)"))
    rows = rows.withColumn("_repeat", repeats_in_page(grain, "_pos")).withColumn(
        "_reasons",
        F.when(rec.isNull(), F.array(F.lit("row length does not match columnHeaders"))).otherwise(reasons(*checks)),
    )
    is_bad = F.size("_reasons") > 0
    return rows.select(
        *keys,
        "channel_id",
        day.alias("date"),
        *values,
        "ingest_ts_utc",
        "run_id",
        F.col("request_id").alias("source_request_id"),
        F.when(is_bad, F.col("request")).alias("request"),
        F.when(is_bad, F.col("landing_path")).alias("landing_path"),
        F.when(is_bad, F.coalesce(F.to_json("record"), F.to_json("_row"))).alias("record_json"),
        "_reasons",
    )

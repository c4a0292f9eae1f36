"""Bronze table names and schemas (the contract of DESIGN.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql.types import StructType

RAW_TABLES: tuple[str, ...] = (
    "trending_videos_raw",
    "video_categories_raw",
    "channels_raw",
    "playlist_items_raw",
    "videos_raw",
    "analytics_channel_daily_raw",
    "analytics_video_daily_raw",
    "analytics_video_traffic_source_daily_raw",
    "analytics_video_country_daily_raw",
    "analytics_video_device_daily_raw",
    "analytics_channel_content_type_daily_raw",
    "analytics_video_content_type_daily_raw",
    "analytics_top_videos_raw",
    "analytics_video_audience_retention_raw",
)
REPORTS_RAW = "reporting_reports_raw"  # Reporting API bulk reports: one row per report CSV row
RUN_LOG = "run_context_log"
QUARANTINE = "quarantine"
ALL_TABLES: tuple[str, ...] = RAW_TABLES + (REPORTS_RAW, RUN_LOG, QUARANTINE)
CHANGE_FEED_TABLES: tuple[str, ...] = RAW_TABLES + (REPORTS_RAW,)
# Tables whose loads replace whole groups of rows (a reload of a run's report rewrites that run's rows of it):
# the change feed then shows the group inserted once per load, and only the last load's rows are current.
REWRITTEN_GROUPS: dict[str, tuple[str, ...]] = {REPORTS_RAW: ("run_id", "report_id")}


def raw_schema() -> StructType:
    """Every raw table: the row contract plus where the page came from."""
    from pyspark.sql.types import DateType, IntegerType, StringType, StructField, StructType, TimestampType

    return StructType(
        [
            StructField("run_id", StringType(), False),
            StructField("snapshot_date", DateType(), False),
            StructField("ingest_ts_utc", TimestampType(), False),
            StructField("source_system", StringType(), False),
            StructField("request_id", StringType(), False),
            StructField("request", StringType(), False),
            StructField("schema_version", IntegerType(), False),
            StructField("payload", StringType(), False),
            StructField("region", StringType(), True),
            StructField("channel_id", StringType(), True),
            StructField("endpoint", StringType(), True),
            StructField("source", StringType(), True),
            StructField("landing_path", StringType(), True),
            StructField("page_offset", IntegerType(), True),  # items before this page in its paged sequence
        ]
    )


def run_log_schema() -> StructType:
    from pyspark.sql.types import DateType, IntegerType, LongType, StringType, StructField, StructType, TimestampType

    return StructType(
        [
            StructField("run_id", StringType(), False),
            StructField("flow_name", StringType(), True),
            StructField("status", StringType(), False),
            StructField("started_at_utc", TimestampType(), True),
            StructField("finished_at_utc", TimestampType(), True),
            StructField("backend", StringType(), True),
            StructField("source", StringType(), True),
            StructField("parameters", StringType(), True),
            StructField("window_start", DateType(), True),
            StructField("window_end", DateType(), True),
            StructField("message", StringType(), True),
            StructField("api_units", StringType(), True),
            StructField("rows_written", StringType(), True),
            StructField("failed_requests", IntegerType(), True),
            StructField("quarantined_rows", LongType(), True),
            StructField("updated_at_utc", TimestampType(), False),
            StructField("flow_process", StringType(), True),  # JSON: host, pid, boot id, start ticks of the flow
        ]
    )


def quarantine_schema() -> StructType:
    from pyspark.sql.types import StringType, StructField, StructType, TimestampType

    return StructType(
        [
            StructField("quarantine_id", StringType(), False),
            StructField("run_id", StringType(), True),
            StructField("stage", StringType(), False),
            StructField("target_table", StringType(), False),
            StructField("reason", StringType(), False),
            StructField("source_request_id", StringType(), True),
            StructField("request", StringType(), True),
            StructField("landing_path", StringType(), True),
            StructField("record", StringType(), True),
            StructField("detected_ts_utc", TimestampType(), False),
        ]
    )


def reports_raw_schema() -> StructType:
    """A bulk report's rows as landed: every cell as text by its header name, and which report it was."""
    from pyspark.sql.types import DateType, IntegerType, MapType, StringType, StructField, StructType, TimestampType

    return StructType(
        [
            StructField("run_id", StringType(), False),
            StructField("snapshot_date", DateType(), False),  # the day the report covers
            StructField("ingest_ts_utc", TimestampType(), False),
            StructField("source_system", StringType(), False),
            StructField("request_id", StringType(), False),
            StructField("request", StringType(), False),  # the report's metadata (JSON)
            StructField("schema_version", IntegerType(), False),
            StructField("report_type", StringType(), False),
            StructField("job_id", StringType(), True),
            StructField("report_id", StringType(), False),
            StructField("report_create_time", TimestampType(), True),
            StructField("channel_id", StringType(), True),
            StructField("record", MapType(StringType(), StringType()), True),
            StructField("malformed_line", StringType(), True),  # the CSV line when it did not parse
            StructField("source", StringType(), True),
            StructField("landing_path", StringType(), True),
        ]
    )


def schema_of(table: str) -> StructType:
    if table == REPORTS_RAW:
        return reports_raw_schema()
    if table == RUN_LOG:
        return run_log_schema()
    if table == QUARANTINE:
        return quarantine_schema()
    return raw_schema()

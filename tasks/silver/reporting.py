"""Bulk report rows (bronze.reporting_reports_raw) -> full-grain Silver tables and the shared fact tables.

Read by header name: a report version that adds or renames columns loses nothing (unknown columns
are kept in `extra_columns` and named in a warning; known columns a version lacks are NULL).
Integer codes become the keys `reports.query` uses (tasks/youtube/reporting_codes.csv); an unknown
code passes through as `<DIMENSION>_CODE_<n>`, flagged in the dimension tables.

Restatement: of the reports for one report family and day, the latest created wins, in the batch and
against what Silver holds; its rows replace the channel-day (never add to it). The facts summed from
them replace the same channel-days in the shared fact tables, where rows from `reports.query` for
those channel-days are removed: the two sources never double-count a day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tasks.silver.checks import BIGINT_LIMIT, finite_number, reasons, split_good_bad
from tasks.silver.report_specs import (
    FRAME_COLUMNS,
    GENERIC_TABLE,
    KNOWN_DIMENSIONS,
    SPECS,
    ReportSpec,
)
from tasks.youtube.analytics_sources import family
from tasks.youtube.reporting_codes import mapping_rows, unknown_key

IDENTITY = ("report_type", "report_id", "report_create_time")
LINEAGE = ("ingest_ts_utc", "run_id", "source_request_id")


def _spec_schema(spec: ReportSpec) -> str:
    cols = ["channel_id string", "date date"] + [f"`{d}` string" for d in spec.dimensions]
    cols += [f"`{k}` string" for k in spec.codes.values()]
    cols += [f"`{m}` {t}" for m, t in spec.metrics.items()]
    cols += [
        "extra_columns map<string,string>",
        "report_type string",
        "report_id string",
        "report_create_time timestamp",
        "ingest_ts_utc timestamp",
        "run_id string",
        "source_request_id string",
    ]
    return ", ".join(cols)


GENERIC_SCHEMA = (
    "report_family string, channel_id string, date date, dimension_key string, "
    "dimensions map<string,string>, metrics map<string,string>, report_type string, report_id string, "
    "report_create_time timestamp, ingest_ts_utc timestamp, run_id string, source_request_id string"
)


def ensure_report_tables(spark: Any, lake_root: str) -> None:
    """Every full-grain table exists (empty when no report was loaded): Gold's sources are always there."""
    from tasks.silver.merge import ensure_silver

    for spec in SPECS.values():
        ensure_silver(
            spark, lake_root, spec.table, spark.createDataFrame([], _spec_schema(spec)).schema, partition_by=("date",)
        )
    ensure_silver(
        spark, lake_root, GENERIC_TABLE, spark.createDataFrame([], GENERIC_SCHEMA).schema, partition_by=("date",)
    )


def with_family(rows: Any) -> Any:
    from pyspark.sql import functions as F

    return rows.withColumn("report_family", F.regexp_replace("report_type", r"_a[0-9]+$", ""))


def stored_create_times(spark: Any, lake_root: str, table: str, days: list[Any]) -> dict[tuple[str, Any], Any]:
    """(channel id, day) -> the create time of the report Silver holds for it."""
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    from tasks.spark.lake import table_path

    path = table_path(lake_root, "silver", table)
    if not days or not DeltaTable.isDeltaTable(spark, path):
        return {}
    stored = spark.read.format("delta").load(path).filter(F.col("date").isin(days))
    if "report_family" in stored.columns:
        stored = stored.withColumn("channel_id", F.concat_ws("|", "report_family", "channel_id"))
    return {(r[0], r[1]): r[2] for r in stored.groupBy("channel_id", "date").agg(F.max("report_create_time")).collect()}


def one_landing_per_report(rows: Any) -> Any:
    """The rows of one landing of each report (the latest run's): a report fetched again by a later run is a
    second copy in Bronze, and summing both into the facts would double them. (A run's landing loaded again
    replaces that run's copy in Bronze; `increments.new_rows` reads such a copy once.)"""
    from pyspark.sql import functions as F

    latest = (
        rows.groupBy("report_id")
        .agg(F.max(F.struct("ingest_ts_utc", "run_id")).alias("_landing"))
        .select(F.col("report_id").alias("_report"), F.col("_landing.run_id").alias("_run"))
    )
    landed = (F.col("report_id") == F.col("_report")) & (F.col("run_id") == F.col("_run"))
    return rows.join(F.broadcast(latest), landed, "left_semi")


def winning_reports(rows: Any, stored: dict[str, dict[tuple[str, Any], Any]]) -> tuple[set[str], list[str]]:
    """(report ids whose rows count, notes): per family, channel and day the latest created report of the
    batch, unless Silver holds a later one for that channel-day."""
    from pyspark.sql import functions as F

    candidates = (
        with_family(rows)
        .withColumn("date", F.col("snapshot_date"))
        .groupBy("report_family", "report_type", "channel_id", "date", "report_id")
        .agg(F.max("report_create_time").alias("created"))
        .collect()
    )
    best: dict[tuple[str, str, Any], tuple[Any, str]] = {}
    for r in candidates:
        key = (r["report_family"], r["channel_id"], r["date"])
        rank = (r["created"] or datetime.min, r["report_id"])
        if key not in best or rank > best[key]:
            best[key] = rank
    winners, notes = set(), []
    superseded = {r["report_id"] for r in candidates} - {rank[1] for rank in best.values()}
    for (fam, channel, day), (created, report_id) in best.items():
        table = SPECS[fam].table if fam in SPECS else GENERIC_TABLE
        slice_key = channel if fam in SPECS else f"{fam}|{channel}"
        held = stored.get(table, {}).get((slice_key, day))
        if held is not None and held > created:
            notes.append(f"{fam} {channel} {day}: Silver holds a later report ({held}) than {report_id}; kept")
            continue
        winners.add(report_id)
    if superseded:
        notes.append(f"{len(superseded)} report(s) superseded by a later report of the same day (restatement)")
    return winners, notes


def _number(raw: Any, kind: str, name: str, fraction: bool = False) -> tuple[list[tuple[Any, str]], Any]:
    """(checks, value) of a metric given as text: non-numeric (NaN and Infinity too), negative, for a bigint
    fractional or past its range, for a fraction above 1, is a reason."""
    from pyspark.sql import functions as F

    as_double, numeric = finite_number(F.trim(raw))
    blank = raw.isNull() | (F.trim(raw) == "")
    checks = [(~blank & ~numeric, f"non-numeric {name}"), (numeric & (as_double < 0), f"negative {name}")]
    usable = numeric & (as_double >= 0)
    if fraction:
        checks.append((numeric & (as_double > 1), f"{name} above 1 (a fraction 0..1)"))
        usable = usable & (as_double <= 1)
    if kind == "bigint":
        checks.append((numeric & (as_double >= BIGINT_LIMIT), f"{name} out of range"))
        checks.append((numeric & (as_double < BIGINT_LIMIT) & (as_double != F.floor(as_double)), f"fractional {name}"))
        return checks, F.when(usable & (as_double < BIGINT_LIMIT), F.round(as_double).cast("bigint"))
    return checks, F.when(usable, as_double)


def sorted_map(column: Any) -> Any:
    """A map with its entries in key order (maps read back from Parquet keep no stable order)."""
    from pyspark.sql import functions as F

    return F.map_from_entries(F.array_sort(F.map_entries(column)))


def _common(rows: Any) -> tuple[Any, list[tuple[Any, str]]]:
    from pyspark.sql import functions as F

    rec = F.col("record")
    raw_day = F.trim(rec["date"])
    day = F.coalesce(
        F.try_to_timestamp(raw_day, F.lit("yyyyMMdd")), F.try_to_timestamp(raw_day, F.lit("yyyy-MM-dd"))
    ).cast("date")
    checks = [
        (F.col("malformed_line").isNotNull(), "malformed CSV line (columns do not match the header)"),
        (raw_day.isNull() | (raw_day == ""), "missing date"),
        ((raw_day != "") & day.isNull(), "unparseable date"),
        (day != F.col("snapshot_date"), "date is not the report's day"),
        (rec["channel_id"].isNull() | (F.trim(rec["channel_id"]) == ""), "missing channel_id"),
    ]
    return day, checks


def typed_rows(rows: Any, spec: ReportSpec) -> tuple[Any, Any]:
    """(typed full-grain rows, bad rows with reasons) of one report family."""
    from pyspark.sql import functions as F

    rec = F.col("record")
    day, checks = _common(rows)
    dims = []
    for d in spec.dimensions:
        value = F.nullif(F.trim(rec[d]), F.lit(""))
        dims.append((F.upper(value) if d in ("country_code",) else value).alias(d))
    if "video_id" in spec.dimensions:
        checks.append((F.trim(F.coalesce(rec["video_id"], F.lit(""))) == "", "missing video_id"))
    coded = []
    for column, target in spec.codes.items():
        code = F.nullif(F.trim(rec[column]), F.lit(""))
        mapping = F.create_map(*[x for d, c, k, _ in mapping_rows() if d == column for x in (F.lit(c), F.lit(k))])
        coded.append(
            F.when(code.isNotNull(), F.coalesce(mapping[code], F.concat(F.lit(unknown_key(column, "")), code))).alias(
                target
            )
        )
    metrics = []
    for name, kind in spec.metrics.items():
        more, value = _number(rec[name], kind, name, fraction=name in spec.fractions)
        checks += more
        if name in spec.required:
            checks.append((F.trim(F.coalesce(rec[name], F.lit(""))) == "", f"missing {name}"))
        metrics.append(value.alias(name))
    known = set(FRAME_COLUMNS) | set(spec.dimensions) | set(spec.metrics)
    extra = sorted_map(F.map_filter(rec, lambda k, _: ~k.isin(*sorted(known))))
    typed = rows.select(
        F.trim(rec["channel_id"]).alias("channel_id"),
        day.alias("date"),
        *dims,
        *coded,
        *metrics,
        extra.alias("extra_columns"),
        *IDENTITY,
        "ingest_ts_utc",
        "run_id",
        F.col("request_id").alias("source_request_id"),
        "request",
        "landing_path",
        F.coalesce(F.to_json(sorted_map(rec)), F.col("malformed_line")).alias("record_json"),
        reasons(*checks).alias("_reasons"),
    )
    return split_good_bad(typed)


def generic_rows(rows: Any) -> tuple[Any, Any]:
    """A report type this project does not model: dimensions (by the Reporting API's dimension names) and
    metrics (every other column) as maps, keyed by its own dimensions."""
    from pyspark.sql import functions as F

    rec = F.col("record")
    day, checks = _common(rows)
    dimensions = sorted_map(F.map_filter(rec, lambda k, _: k.isin(*sorted(KNOWN_DIMENSIONS - set(FRAME_COLUMNS)))))
    metrics = sorted_map(F.map_filter(rec, lambda k, _: ~k.isin(*sorted(KNOWN_DIMENSIONS))))
    typed = with_family(rows).select(
        "report_family",
        F.trim(rec["channel_id"]).alias("channel_id"),
        day.alias("date"),
        F.to_json(dimensions).alias("dimension_key"),
        dimensions.alias("dimensions"),
        metrics.alias("metrics"),
        *IDENTITY,
        "ingest_ts_utc",
        "run_id",
        F.col("request_id").alias("source_request_id"),
        "request",
        "landing_path",
        F.coalesce(F.to_json(sorted_map(rec)), F.col("malformed_line")).alias("record_json"),
        reasons(*checks).alias("_reasons"),
    )
    return split_good_bad(typed)


def unknown_columns(rows: Any) -> list[str]:
    """Warnings for header columns a modelled report family does not know (kept in extra_columns)."""
    import json

    notes = []
    for r in rows.select("report_type", "request").distinct().collect():
        spec = SPECS.get(family(r["report_type"]))
        if spec is None:
            continue
        try:
            header = json.loads(r["request"]).get("header") or ""
        except ValueError:
            continue
        known = set(FRAME_COLUMNS) | set(spec.dimensions) | set(spec.metrics)
        extra = [c.strip() for c in header.split(",") if c.strip() and c.strip() not in known]
        if extra:
            notes.append(f"report {r['report_type']}: unknown column(s) {', '.join(extra)} kept in extra_columns")
    return sorted(set(notes))


def _lineage(F: Any) -> list[Any]:
    return [
        F.max("ingest_ts_utc").alias("ingest_ts_utc"),
        F.max("run_id").alias("run_id"),
        F.max("source_request_id").alias("source_request_id"),
    ]


def _weighted_avg(F: Any) -> Any:
    total = F.sum("views")
    return (
        F.when(total > 0, F.round(F.sum(F.col("views") * F.col("average_view_duration_seconds")) / total))
        .cast("bigint")
        .alias("average_view_duration_seconds")
    )


def facts_from_reports(basic: Any | None, traffic: Any | None, device: Any | None) -> dict[str, Any]:
    """The shared fact tables' rows from full-grain report rows, summed to each fact's grain
    (live/on-demand, subscribed status, country, operating system and traffic detail summed away)."""
    from pyspark.sql import functions as F

    minutes = F.round(F.sum("watch_time_minutes")).cast("bigint").alias("estimated_minutes_watched")
    source = F.lit("reporting").alias("metrics_source")
    out: dict[str, Any] = {}
    if basic is not None:
        counts = [F.sum("views").alias("views"), F.sum("likes").alias("likes"), F.sum("comments").alias("comments")]
        engaged = F.sum("engaged_views").alias("engaged_views")  # NULL where the report version has none
        out["fact_video_daily_metrics"] = (
            basic.groupBy("video_id", "channel_id", "date")
            .agg(*counts, minutes, _weighted_avg(F), engaged, *_lineage(F))
            .withColumn("metrics_source", source)
        )
        out["fact_channel_daily_metrics"] = (
            basic.groupBy("channel_id", "date")
            .agg(
                *counts,
                minutes,
                _weighted_avg(F),
                F.sum("subscribers_gained").alias("subscribers_gained"),
                F.sum("subscribers_lost").alias("subscribers_lost"),
                engaged,
                *_lineage(F),
            )
            .withColumn("metrics_source", source)
        )
        out["fact_video_country_metrics"] = (
            basic.groupBy("video_id", "channel_id", "date", "country_code")
            .agg(F.sum("views").alias("views"), minutes, *_lineage(F))
            .withColumn("metrics_source", source)
        )
    if traffic is not None:
        out["fact_video_traffic_source_metrics"] = (
            traffic.groupBy("video_id", "channel_id", "date", "traffic_source")
            .agg(F.sum("views").alias("views"), minutes, *_lineage(F))
            .withColumn("metrics_source", source)
        )
    if device is not None:
        out["fact_video_device_metrics"] = (
            device.drop("device_type")
            .withColumnRenamed("device", "device_type")
            .groupBy("video_id", "channel_id", "date", "device_type")
            .agg(F.sum("views").alias("views"), minutes, *_lineage(F))
            .withColumn("metrics_source", source)
        )
    return out


def reporting_slices(spark: Any, lake_root: str, table: str, lo: Any, hi: Any) -> Any | None:
    """(channel_id, date) of the fact table's rows from bulk reports between lo and hi, or None."""
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    from tasks.spark.lake import table_path

    path = table_path(lake_root, "silver", table)
    if lo is None or not DeltaTable.isDeltaTable(spark, path):
        return None
    stored = spark.read.format("delta").load(path)
    if "metrics_source" not in stored.columns:
        return None
    return (
        stored.filter(
            (F.col("date") >= F.lit(lo)) & (F.col("date") <= F.lit(hi)) & (F.col("metrics_source") == "reporting")
        )
        .select("channel_id", "date")
        .distinct()
    )

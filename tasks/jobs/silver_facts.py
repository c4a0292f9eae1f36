"""Silver's analytics facts: bulk report rows at full grain, the facts from reports.query pages (and from
the reports where they cover a channel-day, never both), audience retention curves, and the enum dimensions
and calendar named by what the batches held."""

from __future__ import annotations

from typing import Any

from tasks.jobs.bronze_tables import REPORTS_RAW
from tasks.jobs.silver_run import SilverRun
from tasks.silver import analytics, audience_retention, dims, report_specs, reporting
from tasks.silver.checks import split_good_bad
from tasks.silver.merge import merge_latest, replace_all, replace_slices
from tasks.spark.lake import table_path
from tasks.spark.parallel import PARALLEL_STEPS, in_parallel


def reports(run: SilverRun, metrics: dict[str, Any]) -> tuple[dict[str, Any], list[str], list[Any]]:
    """Bulk report rows -> the full-grain report tables; (fact rows summed from them, warnings, frames to
    unpersist). Only each channel-day's winning report counts (see tasks/silver/reporting.py)."""
    from pyspark.sql import functions as F

    spark, lake = run.spark, run.lake_root
    reporting.ensure_report_tables(spark, lake)
    # one landing per report before the cache, so every family below reads the deduplicated rows from it
    rows = reporting.with_family(reporting.one_landing_per_report(run.bronze(REPORTS_RAW))).persist()
    cached: list[Any] = [rows]
    if rows.isEmpty():
        return {}, [], cached
    days = [r[0] for r in rows.select("snapshot_date").distinct().collect()]
    stored = {t: reporting.stored_create_times(spark, lake, t, days) for t in report_specs.REPORT_TABLES}
    winners, warnings = reporting.winning_reports(rows, stored)
    rows = rows.filter(F.col("report_id").isin(*sorted(winners)))
    warnings += reporting.unknown_columns(rows)
    full_grain: dict[str, Any] = {}
    for fam, spec in report_specs.SPECS.items():
        good, bad = reporting.typed_rows(rows.filter(F.col("report_family") == fam), spec)
        run.reject(bad, spec.table, "record_json")
        good = good.drop("request", "landing_path", "record_json").persist()
        cached.append(good)
        with run.timed(spec.table):
            metrics[spec.table] = replace_slices(
                spark, lake, spec.table, good, spec.grain, observed=run.observed.setdefault(spec.table, {})
            )
        full_grain[fam] = good
    good, bad = reporting.generic_rows(rows.filter(~F.col("report_family").isin(*report_specs.SPECS)))
    run.reject(bad, report_specs.GENERIC_TABLE, "record_json")
    metrics[report_specs.GENERIC_TABLE] = replace_slices(
        spark,
        lake,
        report_specs.GENERIC_TABLE,
        good.drop("request", "landing_path", "record_json"),
        report_specs.GENERIC_GRAIN,
        slice_columns=("report_family", "channel_id", "date"),
        observed=run.observed.setdefault(report_specs.GENERIC_TABLE, {}),
    )
    facts = reporting.facts_from_reports(
        full_grain["channel_basic"], full_grain["channel_traffic_source"], full_grain["channel_device_os"]
    )
    return facts, warnings, cached


def union_observed(parts: list[dict[str, Any]]) -> dict[str, Any]:
    distinct: dict[str, set[Any]] = {}
    ranges = [p["range"] for p in parts if p.get("range") and p["range"][0] is not None]
    for part in parts:
        for column, values in part.get("distinct", {}).items():
            distinct.setdefault(column, set()).update(values)
    out: dict[str, Any] = {"distinct": {c: sorted(v) for c, v in distinct.items()}}
    if ranges:
        out["range"] = (min(r[0] for r in ranges), max(r[1] for r in ranges))
    return out


def fact(run: SilverRun, metrics: dict[str, Any], reported: dict[str, Any], name: str) -> None:
    """One fact table from reports.query pages, and from bulk reports where they exist: a channel-day with
    report rows takes them, and query rows for that channel-day are dropped (never both)."""
    spec = analytics.FACTS[name]
    rows, bad_pages = analytics.report_rows(run.bronze(spec.bronze_table))
    # Parsing the pages is most of a fact's cost (a year of country pages: ~50 s a pass); parsed once, the
    # span, the MERGE and the rejects read the cache.
    typed = analytics.typed_fact_rows(rows, spec).persist()
    try:
        merge_fact(run, metrics, reported, name, typed, bad_pages)
    finally:
        typed.unpersist()


def merge_fact(
    run: SilverRun, metrics: dict[str, Any], reported: dict[str, Any], name: str, typed: Any, bad_pages: Any
) -> None:
    from pyspark.sql import functions as F

    spec = analytics.FACTS[name]
    good, bad = split_good_bad(typed)
    run.reject(bad_pages, name, "record")
    facts = good.drop("request", "landing_path", "record_json").withColumn("metrics_source", F.lit("query"))
    columns = [spec.dimension_column] if spec.dimension_column else []
    parts: list[dict[str, Any]] = []
    counts = {"inserted": 0, "updated": 0, "deleted": 0}
    with run.timed(name):
        if name in reported:
            parts.append({"columns": columns})
            done = replace_slices(run.spark, run.lake_root, name, reported[name], spec.grain, observed=parts[-1])
            counts = {k: counts[k] + done.get(k, 0) for k in counts}
        span = facts.select(F.min("date"), F.max("date")).first()
        taken = (
            reporting.reporting_slices(run.spark, run.lake_root, name, span[0], span[1])
            if name in analytics.REPORT_FED
            else None
        )
        if taken is not None:
            facts = facts.join(F.broadcast(taken), ["channel_id", "date"], "left_anti")
        parts.append({"columns": columns})
        done = merge_latest(run.spark, run.lake_root, name, facts, spec.grain, date_column="date", observed=parts[-1])
        counts = {k: counts[k] + done.get(k, 0) for k in counts}
        run.reject(bad, name, "record_json", now=True)
    metrics[name] = counts
    run.observed[name] = union_observed(parts)


def retention_curves(run: SilverRun, metrics: dict[str, Any]) -> None:
    """Audience retention points of the pages read, MERGEd on (video, as-of date, elapsed ratio)."""
    name = audience_retention.SILVER_TABLE
    typed, bad_pages = audience_retention.typed_curve_rows(run.bronze(audience_retention.BRONZE_TABLE))
    typed = typed.persist()
    try:
        good, bad = split_good_bad(typed)
        run.reject(bad_pages, name, "record")
        with run.timed(name):
            metrics[name] = merge_latest(
                run.spark,
                run.lake_root,
                name,
                good.drop("request", "landing_path", "record_json"),
                audience_retention.GRAIN,
            )
            run.reject(bad, name, "record_json", now=True)
    finally:
        typed.unpersist()


DIMENSION_SOURCES = {  # dimension -> (fact tables whose batches name its members, id column)
    "dim_traffic_source": (("fact_video_traffic_source_metrics",), "source_id"),
    "dim_device": (("fact_video_device_metrics",), "device_type"),
    "dim_country": (("fact_video_country_metrics",), "country_code"),
    "dim_content_type": (("fact_channel_content_type_daily", "fact_video_content_type_daily"), "content_type"),
}


def dimensions(run: SilverRun, metrics: dict[str, Any], workers: int = PARALLEL_STEPS) -> list[str]:
    """Enum dimensions and the calendar from what they hold plus what this run's batches held:
    no fact table is read back, so the cost does not grow with the history. Each writes its own table,
    so they run `workers` at once."""
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    spark, lake = run.spark, run.lake_root

    def stored(table: str) -> Any:
        path = table_path(lake, "silver", table)
        return spark.read.format("delta").load(path) if DeltaTable.isDeltaTable(spark, path) else None

    def members(dim: str) -> list[str]:
        facts, id_col = DIMENSION_SOURCES[dim]
        seen = {
            value
            for fact in facts
            for value in run.observed.get(fact, {}).get("distinct", {}).get(analytics.FACTS[fact].dimension_column, [])
        }
        table = stored(dim)
        if table is not None:
            seen |= {r[0] for r in table.filter(~F.col("is_known")).select(id_col).collect()}
        return sorted(seen)

    def enum(dim: str, known: dict[str, str], id_col: str, name_col: str, what: str) -> list[str]:
        frame, unknown = dims.enum_dimension(spark, known, members(dim), id_col, name_col)
        metrics[dim] = replace_all(spark, lake, dim, frame, [id_col])
        return [f"unknown {what} {u!r} passed through, flagged is_known=false" for u in unknown]

    def country() -> list[str]:
        frame, unknown = dims.countries(spark, members("dim_country"))
        metrics["dim_country"] = replace_all(spark, lake, "dim_country", frame, ["country_code"])
        return [f"country code {u!r} is not ISO 3166-1, flagged is_known=false" for u in unknown]

    def calendar() -> list[str]:
        bounds = [o["range"] for o in run.observed.values() if o.get("range") and o["range"][0] is not None]
        table = stored("dim_date")
        if table is not None:
            known = table.select(F.min("date"), F.max("date")).first()
            if known[0] is not None:
                bounds.append(tuple(known))
        if bounds:
            lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
            metrics["dim_date"] = replace_all(spark, lake, "dim_date", dims.calendar(spark, lo, hi), ["date"])
        elif table is None:  # no dated row yet: the table exists (empty) for Gold's relationships
            metrics["dim_date"] = replace_all(spark, lake, "dim_date", dims.calendar(spark, None, None), ["date"])
        return []

    found = in_parallel(
        [
            lambda: enum("dim_traffic_source", dims.TRAFFIC_SOURCES, "source_id", "source_name", "traffic source"),
            lambda: enum("dim_device", dims.DEVICES, "device_type", "device_name", "device type"),
            lambda: enum("dim_content_type", dims.CONTENT_TYPES, "content_type", "content_type_name", "content type"),
            country,
            calendar,
        ],
        workers,
    )
    return [warning for part in found for warning in part]

"""Load a run's landing files into the Bronze tables; bad pages go to `bronze.quarantine`.

Idempotent: rows are MERGEd on (run_id, snapshot_date, request_id), so loading the same
landing files again inserts nothing.
"""

from __future__ import annotations

from typing import Any

from tasks.jobs.bronze_reports import load_reports
from tasks.jobs.bronze_tables import ALL_TABLES, CHANGE_FEED_TABLES, RAW_TABLES, REPORTS_RAW, schema_of
from tasks.jobs.quarantine import quarantine
from tasks.spark.evaluation import interpret_small, interpreted
from tasks.spark.lake import create_schemas, ensure_table, qualified_name, table_path
from tasks.spark.parallel import in_parallel, steps_for

RECORD_PREVIEW_CHARS = 2000
# A daily medium run lands 34 MiB (20,132 pages); a 30-day history ~100 MiB and more: compiled.
INTERPRETED_MAX_BYTES = 64 * 2**20
CHANGE_FEED = {"delta.enableChangeDataFeed": "true"}  # Silver reads only the rows added since it last ran


def bootstrap(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Create every Bronze table that does not exist yet."""
    paths = [
        ensure_table(
            spark,
            params["lake_root"],
            "bronze",
            t,
            schema_of(t),
            properties=CHANGE_FEED if t in CHANGE_FEED_TABLES else None,
        )
        for t in ALL_TABLES
    ]
    return {"tables": [qualified_name("bronze", t) for t in ALL_TABLES], "paths": paths}


def lakehouse_bootstrap(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The schemas of every layer (in the Unity Catalog given by `catalog`, if any) and the Bronze tables."""
    schemas = create_schemas(spark)
    return {"schemas": schemas, **bootstrap(spark, params)}


def _file_system(spark: Any, location: str) -> tuple[Any, Any]:
    """Hadoop's file system for a location (local, S3, Volumes alike) and the location as a Hadoop path."""
    path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path(location)
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path


def _exists(spark: Any, location: str) -> bool:
    fs, path = _file_system(spark, location)
    return bool(fs.exists(path))


def _size(spark: Any, location: str) -> int:
    """Bytes of the files under a location, recursively."""
    fs, path = _file_system(spark, location)
    return int(fs.getContentSummary(path).getLength())


LANDED_PAGE = (
    "run_id string, snapshot_date string, fetched_at_utc string, source_system string, source string, "
    "endpoint string, `table` string, request_id string, request string, schema_version int, "
    "region string, channel_id string, page_offset int, body string, body_base64 string, "
    "_corrupt_record string"
)


def _read_pages(spark: Any, location: str) -> Any:
    """One row per landed page (a line of a `*.pages.jsonl` bundle), `payload` its body text and
    `landing_path` `<bundle file>#<request id>`; a line that is not JSON keeps only `_corrupt_record`, a
    body that is not UTF-8 has no `payload` and its text with the bad bytes replaced in `undecodable`."""
    from pyspark.sql import functions as F

    from tasks.landing import PAGES_SUFFIX

    pages = (
        spark.read.option("recursiveFileLookup", "true")
        .option("pathGlobFilter", f"*{PAGES_SUFFIX}")
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", "_corrupt_record")
        .schema(LANDED_PAGE)
        .json(location)
        .withColumn("file_path", F.col("_metadata.file_path"))
    )
    raw = F.unbase64("body_base64").cast("string")  # the bytes as they came: the cast checks nothing
    body = F.coalesce(F.col("body"), F.when(F.is_valid_utf8(raw), raw))
    return (
        pages.withColumn("payload", F.when(F.col("_corrupt_record").isNull(), body))
        .withColumn("undecodable", F.when(F.col("body").isNull() & ~F.is_valid_utf8(raw), F.make_valid_utf8(raw)))
        .withColumn("body_path", F.concat("file_path", F.lit("#"), F.coalesce("request_id", F.lit(""))))
        .drop("body", "body_base64")
    )


def _only_files_of(keys: list[tuple[str, Any]]) -> str:
    """A literal target predicate for the batch's runs and days: Delta skips every file of other runs
    by its min/max statistics, so the MERGE reads this run's files, not the table's history."""
    runs = ", ".join(sorted({"'" + run_id.replace("'", "''") + "'" for run_id, _ in keys if run_id is not None}))
    days = ", ".join(sorted({f"DATE'{day.isoformat()}'" for _, day in keys if day is not None}))
    if not runs or not days:
        return "false"  # rows without a run id or day never match a stored row anyway
    return f"t.run_id IN ({runs}) AND t.snapshot_date IN ({days})"


def run(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: lake_root, landing_location (the run's landing folder as Spark reads it), landing_origin (its
    original location when landing_location is a staging copy), parallel_steps (by default 3 MERGEs at once
    for a landing folder of at most 256 MiB, else 1: `tasks.spark.parallel.steps_for`), interpreted (by default
    for a landing folder of at most 64 MiB: `tasks.spark.evaluation`). Returns rows per table."""
    bootstrap(spark, params)
    if not _exists(spark, params["landing_location"]):
        return {
            "rows_inserted": {t: 0 for t in RAW_TABLES + (REPORTS_RAW,)},
            "quarantined": 0,
            "pages": 0,
            "reports": 0,
        }
    size = _size(spark, params["landing_location"])
    with interpreted(spark, interpret_small(params, size, INTERPRETED_MAX_BYTES)):
        return _load(spark, params, size)


def _load(spark: Any, params: dict[str, Any], size: int) -> dict[str, Any]:
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    pages = _read_pages(spark, params["landing_location"]).persist()
    landing_path = F.col("body_path")
    if params.get("landing_origin"):  # read from a staging copy: record where the file really is
        landing_path = F.concat(
            F.lit(params["landing_origin"].rstrip("/") + "/"), F.regexp_extract("body_path", r"/run_id=[^/]+/(.*)$", 1)
        )
    try:
        dropped_csv = F.coalesce(F.col("endpoint") == "file_drop.trending_csv", F.lit(False))  # CSV as dropped
        # a JSON object as Silver's from_json reads it (json_object_keys would pass raw control characters)
        is_object = F.from_json("payload", "map<string,string>").isNotNull()
        valid = F.col("payload").isNotNull() & (is_object | (dropped_csv & (F.length(F.trim("payload")) > 0)))
        rows = pages.select(
            "run_id",
            F.to_date("snapshot_date").alias("snapshot_date"),
            F.to_timestamp("fetched_at_utc").alias("ingest_ts_utc"),
            "source_system",
            "request_id",
            "request",
            "schema_version",
            "payload",
            "region",
            "channel_id",
            "endpoint",
            "source",
            landing_path.alias("landing_path"),
            "page_offset",
            F.col("table").alias("target_table"),
            valid.alias("is_valid"),
            "_corrupt_record",
            "undecodable",
        )
        good = rows.filter("is_valid")
        present = {
            (r["target_table"], r["run_id"], r["snapshot_date"])
            for r in good.select("target_table", "run_id", "snapshot_date").distinct().collect()
        }

        def load(table: str) -> int:
            keys = sorted((run_id, day) for t, run_id, day in present if t == table)
            if not keys:
                return 0
            batch = good.filter(F.col("target_table") == table).drop(
                "target_table", "is_valid", "_corrupt_record", "undecodable"
            )
            target = DeltaTable.forPath(spark, table_path(params["lake_root"], "bronze", table))
            result = (
                target.alias("t")
                .merge(
                    batch.alias("s"),
                    f"{_only_files_of(keys)} AND "
                    "t.run_id = s.run_id AND t.snapshot_date = s.snapshot_date AND t.request_id = s.request_id",
                )
                .whenNotMatchedInsertAll()
                .execute()
            )
            return int(result.first()["num_inserted_rows"])

        loaded = in_parallel([lambda table=table: load(table) for table in RAW_TABLES], steps_for(params, size))
        inserted: dict[str, int] = dict(zip(RAW_TABLES, loaded, strict=True))
        unknown = rows.filter(~F.col("target_table").isin(*RAW_TABLES))
        bad = rows.filter(~F.col("is_valid")).unionByName(unknown.filter("is_valid"))
        reason = (
            F.when(
                F.col("_corrupt_record").isNotNull(), F.lit("landing line is not a JSON record (a write cut short?)")
            )
            .when(
                ~F.col("target_table").isin(*RAW_TABLES),
                F.concat(F.lit("unknown bronze table: "), F.col("target_table")),
            )
            .when(F.col("undecodable").isNotNull(), F.lit("payload is not UTF-8 text (JSON is UTF-8)"))
            .when(F.col("payload").isNull(), F.lit("landing record has no body"))
            .when(dropped_csv, F.lit("empty CSV file"))
            .otherwise(F.lit("payload is not a JSON object (invalid JSON)"))
        )
        quarantined = quarantine(
            spark,
            params["lake_root"],
            bad.select(
                F.coalesce("run_id", F.lit("")).alias("run_id"),
                F.lit("bronze_load").alias("stage"),
                F.coalesce("target_table", F.lit("unknown")).alias("target_table"),
                reason.alias("reason"),
                F.col("request_id").alias("source_request_id"),
                "request",
                "landing_path",
                F.substring(
                    F.coalesce("payload", "undecodable", "_corrupt_record", F.lit("")), 1, RECORD_PREVIEW_CHARS
                ).alias("record"),
            ),
        )
        reports = load_reports(spark, params["lake_root"], params["landing_location"], params.get("landing_origin"))
        inserted[REPORTS_RAW] = reports["rows"]
        return {
            "rows_inserted": inserted,
            "quarantined": quarantined,
            "pages": pages.count(),
            "reports": reports["reports"],
        }
    finally:
        pages.unpersist()

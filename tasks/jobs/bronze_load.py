"""Load a run's landing files into the Bronze tables; bad pages go to `bronze.quarantine`.

Idempotent: rows are MERGEd on (run_id, snapshot_date, request_id), so loading the same
landing files again inserts nothing.
"""

from __future__ import annotations

from typing import Any

from tasks.jobs.bronze_tables import ALL_TABLES, RAW_TABLES, schema_of
from tasks.jobs.quarantine import quarantine
from tasks.spark.lake import create_schemas, ensure_table, qualified_name, table_path

RECORD_PREVIEW_CHARS = 2000
CHANGE_FEED = {"delta.enableChangeDataFeed": "true"}   # Silver reads only the rows added since it last ran


def bootstrap(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Create every Bronze table that does not exist yet."""
    paths = [ensure_table(spark, params["lake_root"], "bronze", t, schema_of(t),
                          properties=CHANGE_FEED if t in RAW_TABLES else None) for t in ALL_TABLES]
    return {"tables": [qualified_name("bronze", t) for t in ALL_TABLES], "paths": paths}


def lakehouse_bootstrap(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The schemas of every layer (in the Unity Catalog given by `catalog`, if any) and the Bronze tables."""
    schemas = create_schemas(spark)
    return {"schemas": schemas, **bootstrap(spark, params)}


def _exists(spark: Any, location: str) -> bool:
    """Whether a path exists, through Hadoop's file system API (local, S3, Volumes alike)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    return bool(path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(path))


def _read_pages(spark: Any, location: str) -> Any:
    """One row per landed page: its metadata joined to its body text."""
    from pyspark.sql import functions as F

    meta = (spark.read.option("recursiveFileLookup", "true").option("pathGlobFilter", "*.meta.json")
            .schema("run_id string, snapshot_date string, fetched_at_utc string, source_system string, "
                    "source string, endpoint string, `table` string, request_id string, request string, "
                    "schema_version int, region string, channel_id string, body_file string, page_offset int")
            .json(location)
            .withColumn("meta_path", F.col("_metadata.file_path")))
    meta = meta.withColumn("body_path", F.concat(F.regexp_extract("meta_path", r"^(.*/)[^/]*$", 1), F.col("body_file")))
    bodies = (spark.read.option("recursiveFileLookup", "true").option("pathGlobFilter", "*.body")
              .text(location, wholetext=True)
              .select(F.col("value").alias("payload"), F.col("_metadata.file_path").alias("body_path")))
    return meta.join(bodies, "body_path", "left")


def run(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: lake_root, landing_location (the run's landing folder as Spark reads it), landing_origin (its
    original location when landing_location is a staging copy). Returns rows per table."""
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    bootstrap(spark, params)
    if not _exists(spark, params["landing_location"]):
        return {"rows_inserted": {t: 0 for t in RAW_TABLES}, "quarantined": 0, "pages": 0}
    pages = _read_pages(spark, params["landing_location"]).persist()
    landing_path = F.col("body_path")
    if params.get("landing_origin"):      # read from a staging copy: record where the file really is
        landing_path = F.concat(F.lit(params["landing_origin"].rstrip("/") + "/"),
                                F.regexp_extract("body_path", r"/run_id=[^/]+/(.*)$", 1))
    try:
        dropped_csv = F.coalesce(F.col("endpoint") == "file_drop.trending_csv", F.lit(False))  # CSV as dropped
        valid = F.col("payload").isNotNull() & (F.json_object_keys("payload").isNotNull()
                                                | (dropped_csv & (F.length(F.trim("payload")) > 0)))
        rows = pages.select(
            "run_id", F.to_date("snapshot_date").alias("snapshot_date"),
            F.to_timestamp("fetched_at_utc").alias("ingest_ts_utc"), "source_system", "request_id", "request",
            "schema_version", "payload", "region", "channel_id", "endpoint", "source",
            landing_path.alias("landing_path"), "page_offset", F.col("table").alias("target_table"),
            valid.alias("is_valid"))
        inserted: dict[str, int] = {}
        good = rows.filter("is_valid")
        for table in RAW_TABLES:
            batch = good.filter(F.col("target_table") == table).drop("target_table", "is_valid")
            target = DeltaTable.forPath(spark, table_path(params["lake_root"], "bronze", table))
            result = (target.alias("t").merge(batch.alias("s"),
                      "t.run_id = s.run_id AND t.snapshot_date = s.snapshot_date AND t.request_id = s.request_id")
                      .whenNotMatchedInsertAll().execute())
            inserted[table] = int(result.first()["num_inserted_rows"])
        unknown = rows.filter(~F.col("target_table").isin(*RAW_TABLES))
        bad = rows.filter(~F.col("is_valid")).unionByName(unknown.filter("is_valid"))
        reason = (F.when(~F.col("target_table").isin(*RAW_TABLES), F.concat(F.lit("unknown bronze table: "), F.col("target_table")))
                  .when(F.col("payload").isNull(), F.lit("landing body file missing"))
                  .when(dropped_csv, F.lit("empty CSV file"))
                  .otherwise(F.lit("payload is not a JSON object (invalid JSON)")))
        quarantined = quarantine(spark, params["lake_root"], bad.select(
            "run_id", F.lit("bronze_load").alias("stage"), "target_table", reason.alias("reason"),
            F.col("request_id").alias("source_request_id"), "request", "landing_path",
            F.substring(F.coalesce("payload", F.lit("")), 1, RECORD_PREVIEW_CHARS).alias("record")))
        return {"rows_inserted": inserted, "quarantined": quarantined, "pages": pages.count()}
    finally:
        pages.unpersist()

"""Load a run's landed bulk reports (Reporting API CSVs, gzip or not) into `bronze.reporting_reports_raw`.

Each report file has a meta file beside it (report id and type, job, day, create time, header). Files
are read by Spark in groups of the same header, each cell kept as text under its header name (a
report version that adds or renames columns loads as it is; Silver reads by name). A line that does
not parse keeps its text in `malformed_line` for Silver to quarantine. Idempotent: a run's rows of a
report replace that run's earlier rows of the same report (Delta `replaceWhere`, one commit); the rows
counted as inserted are those beyond what the table held of them.
"""

from __future__ import annotations

import csv
from typing import Any

from tasks.jobs.bronze_tables import REPORTS_RAW
from tasks.spark.lake import table_path

META_SCHEMA = (
    "run_id string, report_type string, job_id string, report_id string, start_time string, "
    "create_time string, report_day string, file string, gzip boolean, bytes long, sha256 string, "
    "header string, content_owner string, source string, request_id string, fetched_at_utc string"
)
RELATIVE = r"/(run_id=[^/]+/.*)$"


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _meta(spark: Any, location: str) -> list[dict[str, Any]]:
    from pyspark.sql import functions as F

    from tasks.youtube.report_landing import META_SUFFIX

    try:
        frame = (
            spark.read.option("recursiveFileLookup", "true")
            .option("pathGlobFilter", f"*{META_SUFFIX}")
            .schema(META_SCHEMA)
            .json(location)
            .withColumn("meta_path", F.col("_metadata.file_path"))
        )
        return [r.asDict() for r in frame.collect()]
    except Exception as exc:  # noqa: BLE001 - no meta file at all: nothing to load
        if "Path does not exist" in str(exc) or "PATH_NOT_FOUND" in str(exc):
            return []
        raise


def load_reports(
    spark: Any, lake_root: str, landing_location: str, landing_origin: str | None = None
) -> dict[str, int]:
    """Rows and reports loaded from the run's landing folder."""
    import json

    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    metas = [m for m in _meta(spark, landing_location) if m.get("report_id") and m.get("file") and m.get("header")]
    if not metas:
        return {"rows": 0, "reports": 0}
    by_header: dict[str, list[dict[str, Any]]] = {}
    for meta in metas:
        meta["file_path"] = meta["meta_path"].rsplit("/", 1)[0] + "/" + meta["file"]
        by_header.setdefault(meta["header"], []).append(meta)
    info = spark.createDataFrame(
        [
            (
                m["file_path"],
                m["run_id"],
                m["report_day"],
                m["fetched_at_utc"],
                m["request_id"],
                json.dumps({k: v for k, v in m.items() if k not in ("meta_path", "file_path")}, sort_keys=True),
                m["report_type"],
                m.get("job_id"),
                m["report_id"],
                m.get("create_time"),
                m.get("source"),
            )
            for m in metas
        ],
        "file_path string, run_id string, report_day string, fetched_at_utc string, request_id string, "
        "request string, report_type string, job_id string, report_id string, create_time string, source string",
    )
    info = info.withColumn("_rel", F.regexp_extract("file_path", RELATIVE, 1))
    frames = []
    for header, group in sorted(by_header.items()):
        names = next(csv.reader([header]))
        schema = StructType(
            [StructField(f"c{i}", StringType(), True) for i in range(len(names))]
            + [StructField("_corrupt_record", StringType(), True)]
        )
        cells = (
            spark.read.schema(schema)
            .option("header", "true")
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", "_corrupt_record")
            .csv([m["file_path"] for m in group])
            .withColumn("_rel", F.regexp_extract(F.col("_metadata.file_path"), RELATIVE, 1))
        )
        record = F.map_from_arrays(
            F.array(*[F.lit(n.strip()) for n in names]), F.array(*[F.col(f"c{i}") for i in range(len(names))])
        )
        frames.append(cells.select("_rel", record.alias("record"), F.col("_corrupt_record").alias("malformed_line")))
    rows = frames[0]
    for frame in frames[1:]:
        rows = rows.unionByName(frame)
    origin = (landing_origin.rstrip("/") + "/") if landing_origin else None
    landing_path = F.concat(F.lit(origin), F.col("_rel")) if origin else F.col("file_path")
    batch = rows.join(F.broadcast(info), "_rel").select(
        "run_id",
        F.to_date("report_day").alias("snapshot_date"),
        F.to_timestamp("fetched_at_utc").alias("ingest_ts_utc"),
        F.lit("youtubereporting").alias("source_system"),
        "request_id",
        "request",
        F.lit(1).alias("schema_version"),
        "report_type",
        "job_id",
        "report_id",
        F.to_timestamp("create_time").alias("report_create_time"),
        F.col("record")["channel_id"].alias("channel_id"),
        "record",
        "malformed_line",
        "source",
        landing_path.alias("landing_path"),
    )
    runs = sorted({m["run_id"] for m in metas})
    reports = sorted({m["report_id"] for m in metas})
    where = f"run_id IN ({', '.join(map(_quote, runs))}) AND report_id IN ({', '.join(map(_quote, reports))})"
    path = table_path(lake_root, "bronze", REPORTS_RAW)
    batch = batch.persist()
    try:
        n = batch.count()
        held = _held(spark, path, where)
        batch.write.format("delta").mode("overwrite").option("replaceWhere", where).save(path)
    finally:
        batch.unpersist()
    return {"rows": max(n - held, 0), "reports": len(reports)}


def _held(spark: Any, path: str, where: str) -> int:
    """Rows the table holds already of these runs' reports (a reload replaces them: they are not new)."""
    from delta.tables import DeltaTable

    if not DeltaTable.isDeltaTable(spark, path):
        return 0
    return spark.read.format("delta").load(path).filter(where).count()

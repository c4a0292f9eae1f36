"""`bronze.quarantine`: records that could not be loaded, with the reason and where they came from."""

from __future__ import annotations

from typing import Any

from tasks.jobs.bronze_tables import QUARANTINE, quarantine_schema
from tasks.spark.lake import ensure_table


def quarantine(spark: Any, lake_root: str, bad: Any) -> int:
    """MERGE bad records (run_id, stage, target_table, reason, source_request_id, request, landing_path,
    record) into bronze.quarantine: one row per stage, table, run, request and record."""
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    path = ensure_table(spark, lake_root, "bronze", QUARANTINE, quarantine_schema())
    rows = (
        bad.withColumn(
            "quarantine_id",
            F.sha2(
                F.concat_ws("|", "stage", "target_table", "run_id", "source_request_id", "landing_path", "record"), 256
            ),
        )
        .withColumn("detected_ts_utc", F.current_timestamp())
        .dropDuplicates(["quarantine_id"])
    )
    result = (
        DeltaTable.forPath(spark, path)
        .alias("t")
        .merge(rows.alias("s"), "t.quarantine_id = s.quarantine_id")
        .whenNotMatchedInsertAll()
        .execute()
    )
    return int(result.first()["num_inserted_rows"])

"""Which Bronze rows Silver has not merged yet: a Delta version watermark per Bronze table.

New rows come from the Change Data Feed between the last merged version and the current
one, so a daily run reads what the day added, not the whole history. Without a watermark (first
run, full refresh) or when the feed cannot serve the range, the whole table is read; the MERGEs
downstream make either way give the same result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tasks.spark.lake import table_path

STATE_TABLE = "_state/silver_watermarks"


def _state_path(lake_root: str) -> str:
    return f"{lake_root.rstrip('/')}/{STATE_TABLE}"


def current_version(spark: Any, path: str) -> int:
    from delta.tables import DeltaTable

    return int(DeltaTable.forPath(spark, path).history(1).first()["version"])


def read_watermarks(spark: Any, lake_root: str) -> dict[str, int]:
    from delta.tables import DeltaTable

    path = _state_path(lake_root)
    if not DeltaTable.isDeltaTable(spark, path):
        return {}
    return {r["bronze_table"]: int(r["version"]) for r in spark.read.format("delta").load(path).collect()}


def write_watermarks(spark: Any, lake_root: str, versions: dict[str, int]) -> None:
    from delta.tables import DeltaTable

    path = _state_path(lake_root)
    now = datetime.now(UTC)
    rows = spark.createDataFrame(
        [(t, v, now) for t, v in sorted(versions.items())],
        "bronze_table string, version long, updated_at_utc timestamp",
    )
    if not DeltaTable.isDeltaTable(spark, path):
        rows.write.format("delta").save(path)
        return
    (
        DeltaTable.forPath(spark, path)
        .alias("t")
        .merge(rows.alias("s"), "t.bronze_table = s.bronze_table")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )


def clear_watermarks(spark: Any, lake_root: str) -> None:
    from delta.tables import DeltaTable

    path = _state_path(lake_root)
    if DeltaTable.isDeltaTable(spark, path):
        DeltaTable.forPath(spark, path).delete()


def bytes_since(spark: Any, lake_root: str, bronze_table: str, since: int | None) -> int:
    """Bytes of data files the table's commits after version `since` (all of them when None) added:
    what reading its new rows costs, from the commit log alone."""
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    path = table_path(lake_root, "bronze", bronze_table)
    if not DeltaTable.isDeltaTable(spark, path):
        return 0
    history = DeltaTable.forPath(spark, path).history().filter(F.col("version") > (since if since is not None else -1))
    added = F.coalesce(F.col("operationMetrics")["numOutputBytes"], F.col("operationMetrics")["numTargetBytesAdded"])
    return int(history.agg(F.sum(added.cast("long"))).first()[0] or 0)


def new_rows(
    spark: Any, lake_root: str, bronze_table: str, since: int | None, rewritten_groups: tuple[str, ...] = ()
) -> tuple[Any, int, str]:
    """(rows added after version `since`, the version read up to, how they were read). `rewritten_groups`: the
    columns of the groups a load replaces whole; a group inserted by several commits of the range counts from
    the last one only (the earlier copies were replaced)."""
    from pyspark.sql import functions as F

    path = table_path(lake_root, "bronze", bronze_table)
    latest = current_version(spark, path)
    snapshot = spark.read.format("delta").option("versionAsOf", latest).load(path)
    if since is None:
        return snapshot, latest, "full"
    if since >= latest:
        return snapshot.limit(0), latest, "none"
    try:
        changes = (
            spark.read.format("delta")
            .option("readChangeFeed", "true")
            .option("startingVersion", since + 1)
            .option("endingVersion", latest)
            .load(path)
        )
        inserted = changes.filter("_change_type = 'insert'")
        if rewritten_groups:
            last = inserted.groupBy(*rewritten_groups).agg(F.max("_commit_version").alias("_last_version"))
            inserted = (
                inserted.join(last, list(rewritten_groups))
                .filter(F.col("_commit_version") == F.col("_last_version"))
                .select(*inserted.columns)
            )
        inserted = inserted.drop("_change_type", "_commit_version", "_commit_timestamp")
        _ = inserted.schema  # resolve now: a range the feed cannot serve fails here
        return inserted, latest, "change-feed"
    except Exception:  # noqa: BLE001 - the feed was not on for part of the range: read everything
        return snapshot, latest, "full"

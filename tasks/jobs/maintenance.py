"""Lake maintenance on its own schedule, not in every run: compact small files, VACUUM old ones.

The daily path does not compact: its MERGEs rewrite the files they touch (a day partition keeps one
live file), and Delta's auto compaction is off (`tasks/spark/session.py`: its check costs a Spark job
per commit). This job is for the `maintenance` deployment (weekly): OPTIMIZE the tables whose files are
small and many (appended Bronze batches, the run log, quarantine),
then VACUUM every table (LITE: files the log says were removed; full VACUUM when the log no longer
covers it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tasks.spark.lake import LAYERS, qualified_name

RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"


def lake_tables(spark: Any, layers: tuple[str, ...] | list[str] = LAYERS) -> list[tuple[str, str]]:
    """(layer, table) of every table registered in the layers' schemas, sorted."""
    out = []
    for layer in layers:
        if not spark.catalog.databaseExists(layer):
            continue
        out += [(layer, t.name) for t in spark.catalog.listTables(layer) if not t.isTemporary]
    return sorted(out)


def needs_compaction(num_files: int, partitions: int, min_files: int) -> bool:
    """Worth an OPTIMIZE: at least `min_files` files beyond one per partition (OPTIMIZE itself leaves
    files that are already large alone)."""
    return num_files - max(partitions, 1) >= min_files


def _detail(spark: Any, name: str) -> dict[str, Any]:
    row = spark.sql(f"DESCRIBE DETAIL {name}").first()
    return {"files": int(row["numFiles"] or 0), "partition_columns": list(row["partitionColumns"] or [])}


def _partitions(spark: Any, name: str, columns: list[str]) -> int:
    if not columns:
        return 1
    cols = ", ".join(f"`{c}`" for c in columns)
    return int(spark.sql(f"SELECT count(DISTINCT {cols}) AS n FROM {name}").first()["n"]) or 1


def vacuum(spark: Any, table: str, hours: float) -> str:
    """VACUUM LITE of `table` (a name or delta.`path`: files the log says were removed, no directory
    listing, whose cost grows with the partitions), or a full VACUUM when the log no longer covers it."""
    try:
        spark.sql(f"VACUUM {table} RETAIN {hours} HOURS LITE")
        return "lite"
    except Exception:  # noqa: BLE001 - e.g. DELTA_CANNOT_VACUUM_LITE: fall back to listing
        spark.sql(f"VACUUM {table} RETAIN {hours} HOURS")
        return "full"


@contextmanager
def retention(spark: Any, hours: float) -> Iterator[None]:
    """Allow a VACUUM retention under Delta's 168 h safety check while the block runs."""
    previous = spark.conf.get(RETENTION_CHECK, "true")
    spark.conf.set(RETENTION_CHECK, "false" if hours < 168 else previous)
    try:
        yield
    finally:
        spark.conf.set(RETENTION_CHECK, previous)


def run(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: layers (default all), vacuum_retention_hours (default 168), compact_min_files (default 8),
    optimize (default true), vacuum (default true). Returns per table: files before/after, vacuum mode."""
    hours = float(params.get("vacuum_retention_hours", 168))
    min_files = int(params.get("compact_min_files", 8))
    done: dict[str, dict[str, Any]] = {}
    with retention(spark, hours):
        for layer, table in lake_tables(spark, tuple(params.get("layers") or LAYERS)):
            name = qualified_name(layer, table)
            before = _detail(spark, name)
            entry: dict[str, Any] = {"files_before": before["files"], "compacted": False}
            if params.get("optimize", True) and needs_compaction(
                before["files"], _partitions(spark, name, before["partition_columns"]), min_files
            ):
                spark.sql(f"OPTIMIZE {name}").collect()
                entry["compacted"] = True
            if params.get("vacuum", True):
                entry["vacuum"] = vacuum(spark, name, hours)
            entry["files_after"] = _detail(spark, name)["files"]
            done[name] = entry
    return {
        "tables": done,
        "vacuum_retention_hours": hours,
        "compacted": sorted(n for n, e in done.items() if e["compacted"]),
    }

"""Row counts of every table of the given layers (for the run summary)."""

from __future__ import annotations

from typing import Any

from tasks.spark.lake import LAYERS, is_log_entry, table_path


def delta_tables_under(spark: Any, location: str) -> list[str]:
    """Names of the Delta tables (with a committed version) directly under `location`, listed through
    Hadoop's file system API (so a local folder, s3:// or abfss:// alike)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(path):
        return []
    names = []
    for status in fs.listStatus(path):
        log = jvm.org.apache.hadoop.fs.Path(status.getPath(), "_delta_log")
        if (
            status.isDirectory()
            and fs.exists(log)
            and any(is_log_entry(entry.getPath().getName()) for entry in fs.listStatus(log))
        ):
            names.append(status.getPath().getName())
    return sorted(names)


def run(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: lake_root, layers (default all), catalog (Unity Catalog: count what it lists, which
    includes dbt's managed Gold tables). Returns {layer: {table: rows}} for tables that exist."""
    from tasks.spark.parallel import in_parallel

    catalog = params.get("catalog")
    tables: list[tuple[str, str, str]] = []  # layer, table, what spark.table / load reads
    for layer in params.get("layers") or LAYERS:
        if catalog:
            schema = f"{catalog}.{layer}"
            names = (
                sorted(r["tableName"] for r in spark.sql(f"SHOW TABLES IN {schema}").collect() if not r["isTemporary"])
                if spark.catalog.databaseExists(schema)
                else []
            )
            tables += [(layer, t, f"{schema}.{t}") for t in names]
        else:
            tables += [
                (layer, t, table_path(params["lake_root"], layer, t))
                for t in delta_tables_under(spark, table_path(params["lake_root"], layer, ""))
            ]
    read = (lambda name: spark.table(name)) if catalog else (lambda path: spark.read.format("delta").load(path))
    rows = in_parallel([lambda where=where: read(where).count() for _, _, where in tables])
    counts: dict[str, dict[str, int]] = {layer: {} for layer in params.get("layers") or LAYERS}
    for (layer, table, _), n in zip(tables, rows, strict=True):
        counts[layer][table] = n
    return counts

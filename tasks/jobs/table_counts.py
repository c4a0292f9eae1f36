"""Row counts of every table of the given layers (for the run summary)."""

from __future__ import annotations

from typing import Any

from tasks.spark.lake import LAYERS, table_path


def delta_tables_under(spark: Any, location: str) -> list[str]:
    """Names of the Delta tables directly under `location`, listed through Hadoop's file system
    API (so a local folder, s3:// or abfss:// alike)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(path):
        return []
    names = []
    for status in fs.listStatus(path):
        if status.isDirectory() and fs.exists(jvm.org.apache.hadoop.fs.Path(status.getPath(), "_delta_log")):
            names.append(status.getPath().getName())
    return sorted(names)


def run(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: lake_root, layers (default all), catalog (Unity Catalog: count what it lists, which
    includes dbt's managed Gold tables). Returns {layer: {table: rows}} for tables that exist."""
    counts: dict[str, dict[str, int]] = {}
    catalog = params.get("catalog")
    for layer in params.get("layers") or LAYERS:
        if catalog:
            schema = f"{catalog}.{layer}"
            names = sorted(r["tableName"] for r in spark.sql(f"SHOW TABLES IN {schema}").collect()
                           if not r["isTemporary"]) if spark.catalog.databaseExists(schema) else []
            counts[layer] = {t: spark.table(f"{schema}.{t}").count() for t in names}
            continue
        names = delta_tables_under(spark, table_path(params["lake_root"], layer, ""))
        counts[layer] = {t: spark.read.format("delta").load(table_path(params["lake_root"], layer, t)).count()
                         for t in names}
    return counts

"""Where tables live: `<lake_root>/<layer>/<table>`, registered as `<layer>.<table>`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

LAYERS = ("bronze", "silver", "gold")


def table_path(lake_root: str, layer: str, table: str) -> str:
    """The storage location of a table: a local path or a URI (s3://, /Volumes/...)."""
    return f"{lake_root.rstrip('/')}/{layer}/{table}"


def qualified_name(layer: str, table: str, catalog: str | None = None) -> str:
    """`layer.table`, or `catalog.layer.table` on Unity Catalog."""
    return f"{catalog}.{layer}.{table}" if catalog else f"{layer}.{table}"


def ensure_table(spark: "SparkSession", lake_root: str, layer: str, table: str,
                 schema: "StructType", partition_by: tuple[str, ...] = ()) -> str:
    """Create the external Delta table if it does not exist; return its qualified name."""
    from delta.tables import DeltaTable

    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    name = qualified_name(layer, table)
    path = table_path(lake_root, layer, table)
    builder = DeltaTable.createIfNotExists(spark).tableName(name).location(path).addColumns(schema)
    if partition_by:
        builder = builder.partitionedBy(*partition_by)
    builder.execute()
    return name


def register_existing_tables(spark: "SparkSession", lake_root: str) -> list[str]:
    """Register every Delta table found under a local lake root in the session catalog."""
    root = Path(lake_root)
    names: list[str] = []
    for layer in LAYERS:
        layer_dir = root / layer
        if not layer_dir.is_dir():
            continue
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {layer}")
        for table_dir in sorted(p for p in layer_dir.iterdir() if (p / "_delta_log").is_dir()):
            name = qualified_name(layer, table_dir.name)
            spark.sql(f"CREATE TABLE IF NOT EXISTS {name} USING DELTA LOCATION '{table_dir.resolve()}'")
            names.append(name)
    return names

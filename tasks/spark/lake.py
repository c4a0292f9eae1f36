"""Where tables live: `<lake_root>/<layer>/<table>`, registered as `<layer>.<table>`.

On Unity Catalog (`use_catalog("main")`, set by the job entry on Databricks) the same external
tables are registered as `<catalog>.<layer>.<table>`; `lake_root` is then an external location.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

LAYERS = ("bronze", "silver", "gold")
logger = logging.getLogger(__name__)

# name -> location this process registered it at; a name is re-pointed when the lake root changes
_registered: dict[str, str] = {}
_ensured: set[str] = set()
_catalog: str | None = None


def forget_registrations() -> None:
    """Forget what this process registered (its session was stopped: a new one starts with an empty catalog)."""
    _registered.clear()
    _ensured.clear()


def use_catalog(catalog: str | None) -> None:
    """Register tables under `catalog` (Unity Catalog) from now on; None: the session catalog."""
    global _catalog
    if catalog is not None and not catalog.replace("_", "").isalnum():
        raise ValueError(f"catalog name {catalog!r} must be letters, digits and underscores")
    if catalog != _catalog:
        _registered.clear()
    _catalog = catalog


def create_schemas(spark: SparkSession, layers: tuple[str, ...] = LAYERS) -> list[str]:
    """`CREATE SCHEMA IF NOT EXISTS` for each layer (in the current catalog setting)."""
    names = [f"{_catalog}.{layer}" if _catalog else layer for layer in layers]
    for name in names:
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {name}")
    return names


def table_path(lake_root: str, layer: str, table: str) -> str:
    """The storage location of a table: a local path or a URI (s3://, /Volumes/...)."""
    return f"{lake_root.rstrip('/')}/{layer}/{table}"


def qualified_name(layer: str, table: str, catalog: str | None = None) -> str:
    """`layer.table`, or `catalog.layer.table` on Unity Catalog (default: the catalog in use)."""
    catalog = catalog or _catalog
    return f"{catalog}.{layer}.{table}" if catalog else f"{layer}.{table}"


def ensure_table(
    spark: SparkSession,
    lake_root: str,
    layer: str,
    table: str,
    schema: StructType,
    partition_by: tuple[str, ...] = (),
    properties: dict[str, str] | None = None,
) -> str:
    """Create the external Delta table at its lake path if needed and register it; return its path."""
    from delta.tables import DeltaTable

    path = table_path(lake_root, layer, table)
    if path not in _ensured:
        clear_unborn_log(path)
        builder = DeltaTable.createIfNotExists(spark).location(path).addColumns(schema)
        for key, value in (properties or {}).items():
            builder = builder.property(key, value)
        if partition_by:
            builder = builder.partitionedBy(*partition_by)
        builder.execute()
        _ensured.add(path)
    register(spark, layer, table, path)
    return path


def register(spark: SparkSession, layer: str, table: str, path: str) -> str:
    """Point the catalog name `[<catalog>.]<layer>.<table>` at `path` (an external table)."""
    name = qualified_name(layer, table)
    if _registered.get(name) == path:
        return name
    create_schemas(spark, (layer,))
    if name in _registered:
        _forget(spark, name)
    spark.sql(f"CREATE TABLE IF NOT EXISTS {name} USING DELTA LOCATION '{path}'")
    _registered[name] = path
    return name


def _forget(spark: SparkSession, name: str) -> None:
    """Drop a catalog entry (external: the data stays where it is), even when its location is gone."""
    try:
        spark.sql(f"DROP TABLE IF EXISTS {name}")
    except Exception:  # noqa: BLE001 - Delta cannot resolve a table whose folder vanished: drop the entry alone
        layer, table = name.split(".")[-2:]
        spark._jsparkSession.sharedState().externalCatalog().dropTable(layer, table, True, False)
        spark._jsparkSession.sessionState().catalog().invalidateAllCachedTables()


def _external_tables(spark: SparkSession, layer: str) -> list[str]:
    """The external tables of a schema; read from the metastore itself when a table's folder vanished
    (listing through Delta then fails)."""
    try:
        return [t.name for t in spark.catalog.listTables(layer) if t.tableType == "EXTERNAL"]
    except Exception:  # noqa: BLE001 - e.g. DELTA_PATH_DOES_NOT_EXIST for another lake's table
        metastore = spark._jsparkSession.sharedState().externalCatalog()
        names = metastore.listTables(layer).iterator()
        found = []
        while names.hasNext():
            name = names.next()
            if metastore.getTable(layer, name).tableType().name() == "EXTERNAL":
                found.append(name)
        return found


def use_lake(spark: SparkSession, lake_root: str) -> list[str]:
    """Point the catalog at `lake_root`: forget other lakes' external tables, register this one's."""
    for layer in LAYERS:
        if not spark.catalog.databaseExists(layer):
            continue
        for name in _external_tables(spark, layer):  # only the catalog entry goes; the data stays
            _forget(spark, f"{layer}.{name}")
            _registered.pop(qualified_name(layer, name), None)
    return register_existing_tables(spark, lake_root)


def is_log_entry(name: str) -> bool:
    """Whether a file name in `_delta_log` is a commit, checkpoint or checksum of a version (they start with
    the version's digits). Delta 4 makes `_delta_log/_staged_commits` before a table's first commit, so a
    run killed during a table's first write leaves a `_delta_log` with no version: no table."""
    return name[:1].isdigit() or name == "_last_checkpoint"


def has_version(table_dir: Path) -> bool:
    """Whether a local folder is a Delta table with at least one committed version."""
    log = table_dir / "_delta_log"
    return log.is_dir() and any(is_log_entry(entry.name) for entry in log.iterdir())


def clear_unborn_log(path: str) -> bool:
    """Remove a local table folder whose `_delta_log` has no version yet (a run was killed during the table's
    first write: nothing in it was ever committed), so the table can be created there; Delta takes such a
    folder for a table and fails (DELTA_TABLE_NOT_FOUND). Whether one was removed. Remote locations are
    left as they are."""
    if "://" in path.removeprefix("file://"):
        return False
    folder = Path(path.removeprefix("file:").removeprefix("//"))
    if not (folder / "_delta_log").is_dir() or has_version(folder):
        return False
    shutil.rmtree(folder)
    logger.warning(
        "%s: a table folder with no committed version (a write killed before its first commit) "
        "was removed; the table is created anew",
        path,
    )
    return True


def register_existing_tables(spark: SparkSession, lake_root: str) -> list[str]:
    """Register every Delta table found under a local lake root in the session catalog (a folder whose
    first commit never happened is left alone: the write that creates the table will use it)."""
    root = Path(lake_root)
    names: list[str] = []
    for layer in LAYERS:
        layer_dir = root / layer
        if not layer_dir.is_dir():
            continue
        for table_dir in sorted(p for p in layer_dir.iterdir() if has_version(p)):
            names.append(register(spark, layer, table_dir.name, str(table_dir.resolve())))
    return names

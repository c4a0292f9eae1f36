"""MERGEs on a table's grain: latest ingest wins; unchanged rows are left alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tasks.spark.lake import clear_unborn_log, register, table_path

# Columns that say where a row came from, not what it says; they change only with the values.
LINEAGE_COLUMNS = ("ingest_ts_utc", "run_id", "source_request_id", "snapshot_ts")


def latest_per_key(df: Any, keys: Sequence[str], order: Sequence[str] = ("ingest_ts_utc",)) -> Any:
    """One row per key: the one latest by `order` (ties broken by the whole row, so it is deterministic)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import MapType

    # cheap and deterministic; only breaks exact ingest-time ties (maps cannot be hashed, their JSON can)
    tiebreak = F.xxhash64(
        *[F.to_json(f.name) if isinstance(f.dataType, MapType) else F.col(f"`{f.name}`") for f in df.schema.fields]
    )
    w = Window.partitionBy(*keys).orderBy(*[F.col(c).desc_nulls_last() for c in order], tiebreak.desc())
    return df.withColumn("_rn", F.row_number().over(w)).filter("_rn = 1").drop("_rn")


def ensure_silver(
    spark: Any, lake_root: str, table: str, schema: Any, layer: str = "silver", partition_by: Sequence[str] = ()
) -> str:
    """Create the table with `schema`, every column nullable (grain checks live in the jobs and tests).

    A table that exists keeps its layout (tables created before partitioning was added stay unpartitioned)."""
    return create_if_missing(spark, lake_root, table, schema, layer, partition_by)[0]


def create_if_missing(
    spark: Any, lake_root: str, table: str, schema: Any, layer: str = "silver", partition_by: Sequence[str] = ()
) -> tuple[str, bool]:
    """`ensure_silver`, and whether this call created the table: then it is empty, and (runs take turns on a
    lake, each table is written by one step) stays so until the caller writes it."""
    from delta.tables import DeltaTable
    from pyspark.sql.types import StructField, StructType

    path = table_path(lake_root, layer, table)
    created = not DeltaTable.isDeltaTable(spark, path)
    if created:
        clear_unborn_log(path)
        nullable = StructType([StructField(f.name, f.dataType, True) for f in schema.fields])
        builder = DeltaTable.createIfNotExists(spark).location(path).addColumns(nullable)
        if partition_by:
            builder = builder.partitionedBy(*partition_by)
        builder.execute()
    register(spark, layer, table, path)
    return path, created


def append_to_new(batch: Any, path: str, partition_by: Sequence[str] = ()) -> None:
    """Write `batch` into a table created empty by this run: what a MERGE into it would insert, without the
    MERGE's matching pass (1 Spark job instead of 9; the rows laid out per partition as MERGE writes them)."""
    rows = batch.repartition(*partition_by) if partition_by else batch
    rows.write.format("delta").mode("append").save(path)


class BatchFacts:
    """What a MERGE needs to know about its batch, from one aggregation (one Spark job, not one per fact):
    its rows, its day span and whether some row has no day, the distinct values of some columns."""

    def __init__(
        self, batch: Any, date_column: str | None = None, columns: Sequence[str] = (), slice_columns: Sequence[str] = ()
    ) -> None:
        from pyspark.sql import functions as F

        aggs = [F.count(F.lit(1)).alias("rows")]
        if date_column:
            aggs += [
                F.min(date_column).alias("lo"),
                F.max(date_column).alias("hi"),
                F.max(F.col(date_column).isNull()).alias("nulls"),
            ]
        aggs += [F.sort_array(F.collect_set(c)).alias(f"distinct_{i}") for i, c in enumerate(columns)]
        if slice_columns:
            aggs.append(F.collect_set(F.struct(*slice_columns)).alias("slices"))
        row = batch.agg(*aggs).first()
        self.rows: int = int(row["rows"])
        self.span: tuple[Any, Any, bool] | None = (row["lo"], row["hi"], bool(row["nulls"])) if date_column else None
        self.distinct: dict[str, list[Any]] = {c: list(row[f"distinct_{i}"]) for i, c in enumerate(columns)}
        self.slices: list[tuple[Any, ...]] = [tuple(s) for s in row["slices"]] if slice_columns else []


def _only_days(column: str, lo: Any, hi: Any, nulls: bool) -> str:
    """A literal `t.<column>` range covering the batch, so the MERGE only reads those partitions/files."""
    return f"(t.`{column}` BETWEEN DATE'{lo.isoformat()}' AND DATE'{hi.isoformat()}'" + (
        f" OR t.`{column}` IS NULL)" if nulls else ")"
    )


def merge_latest(
    spark: Any,
    lake_root: str,
    table: str,
    df: Any,
    keys: Sequence[str],
    order: Sequence[str] = ("ingest_ts_utc",),
    date_column: str | None = None,
    observed: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Upsert `df` into silver.<table> on `keys`; a row is updated when a newer ingest changes a value.

    With `date_column` (one of the keys) the table is partitioned by it and the MERGE reads only the
    days the batch holds: a daily run's cost does not grow with the history kept. `observed`, when
    given, receives the batch's distinct values of `observed["columns"]` and its `date_column` range
    (what the dimensions need, without reading the table back).
    """
    from delta.tables import DeltaTable

    batch = latest_per_key(df, keys, order).persist()
    try:
        partition_by = (date_column,) if date_column else ()
        path, created = create_if_missing(spark, lake_root, table, batch.schema, partition_by=partition_by)
        add_missing_columns(spark, path, batch.schema)
        facts = BatchFacts(batch, date_column, observed.get("columns", ()) if observed is not None else ())
        span = facts.span
        if observed is not None:
            observed["distinct"] = facts.distinct
            if span:
                observed["range"] = span[:2]
        if not facts.rows:
            return {"inserted": 0, "updated": 0}
        if created:
            append_to_new(batch, path, partition_by)
            return {"inserted": facts.rows, "updated": 0}
        values = [c for c in batch.columns if c not in keys and c not in LINEAGE_COLUMNS]
        changed = " OR ".join(f"NOT (t.`{c}` <=> s.`{c}`)" for c in values) or "false"
        newer = " AND ".join(f"s.`{c}` >= t.`{c}`" for c in order if c in batch.columns) or "true"
        on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
        if span and span[0] is not None:
            on = f"{_only_days(date_column, *span)} AND {on}"
        result = (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(batch.alias("s"), on)
            .whenMatchedUpdateAll(condition=f"({newer}) AND ({changed})")
            .whenNotMatchedInsertAll()
            .execute()
            .first()
        )
        return {"inserted": int(result["num_inserted_rows"]), "updated": int(result["num_updated_rows"])}
    finally:
        batch.unpersist()


def replace_all(spark: Any, lake_root: str, table: str, df: Any, keys: Sequence[str]) -> dict[str, int]:
    """Make silver.<table> equal `df` (small reference tables): upsert changes, delete the rest."""
    from delta.tables import DeltaTable

    path, created = create_if_missing(spark, lake_root, table, df.schema)
    if created:
        rows = df.persist()
        try:
            append_to_new(rows, path)
            return {"inserted": rows.count(), "updated": 0, "deleted": 0}
        finally:
            rows.unpersist()
    stored = spark.read.format("delta").load(path)
    if stored.columns == df.columns and _same_rows(df, stored):
        return {"inserted": 0, "updated": 0, "deleted": 0}  # unchanged: no MERGE, no new table version
    values = [c for c in df.columns if c not in keys]
    changed = " OR ".join(f"NOT (t.`{c}` <=> s.`{c}`)" for c in values) or "false"
    on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
    result = (
        DeltaTable.forPath(spark, path)
        .alias("t")
        .merge(df.alias("s"), on)
        .whenMatchedUpdateAll(condition=changed)
        .whenNotMatchedInsertAll()
        .whenNotMatchedBySourceDelete()
        .execute()
        .first()
    )
    return {
        "inserted": int(result["num_inserted_rows"]),
        "updated": int(result["num_updated_rows"]),
        "deleted": int(result["num_deleted_rows"]),
    }


def _same_rows(a: Any, b: Any) -> bool:
    """Whether two small frames hold the same rows, duplicates counted (compared here: two collects are
    cheaper than two shuffles on a reference table of a few hundred rows)."""
    from collections import Counter

    return Counter(tuple(r) for r in a.collect()) == Counter(tuple(r) for r in b.collect())


def add_missing_columns(spark: Any, path: str, schema: Any) -> None:
    """ALTER a table made before a column existed (e.g. `metrics_source`), so MERGEs by name keep working."""
    stored = {f.name for f in spark.read.format("delta").load(path).schema.fields}
    missing = [f for f in schema.fields if f.name not in stored]
    if missing:
        columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in missing)
        spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS ({columns})")


def _literal(value: Any) -> str:
    from datetime import date

    if value is None:
        return "NULL"
    if isinstance(value, date):
        return f"DATE'{value.isoformat()}'"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _changed(batch: Any, keys: Sequence[str]) -> str:
    """A MERGE condition: some value column differs (maps compared as JSON: they have no ordering)."""
    from pyspark.sql.types import MapType

    def side(alias: str, field: Any) -> str:
        column = f"{alias}.`{field.name}`"
        return f"to_json({column})" if isinstance(field.dataType, MapType) else column

    values = [f for f in batch.schema.fields if f.name not in keys and f.name not in LINEAGE_COLUMNS]
    return " OR ".join(f"NOT ({side('t', f)} <=> {side('s', f)})" for f in values) or "false"


def replace_slices(
    spark: Any,
    lake_root: str,
    table: str,
    df: Any,
    keys: Sequence[str],
    slice_columns: Sequence[str] = ("channel_id", "date"),
    date_column: str = "date",
    observed: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Make each slice (e.g. a channel-day) of silver.<table> that `df` holds equal to `df`'s rows of it:
    changed rows updated, new ones inserted, the slice's rows `df` lacks deleted (a restated day
    replaces the day, never adds to it). Other slices are untouched. One MERGE, one commit."""
    from delta.tables import DeltaTable

    batch = latest_per_key(df, keys).persist()
    try:
        path, created = create_if_missing(spark, lake_root, table, batch.schema, partition_by=(date_column,))
        add_missing_columns(spark, path, batch.schema)
        facts = BatchFacts(
            batch, date_column, observed.get("columns", ()) if observed is not None else (), slice_columns
        )
        lo, hi, nulls = facts.span  # type: ignore[misc]
        if observed is not None:
            observed["distinct"] = facts.distinct
            observed["range"] = (lo, hi)
        slices = facts.slices
        if not slices:
            return {"inserted": 0, "updated": 0, "deleted": 0}
        if created:
            append_to_new(batch, path, (date_column,))
            return {"inserted": facts.rows, "updated": 0, "deleted": 0}
        changed = _changed(batch, keys)
        days = _only_days(date_column, lo, hi, nulls)
        on = f"{days} AND " + " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
        members = ", ".join("(" + ", ".join(_literal(v) for v in s) + ")" for s in slices)
        in_slice = f"{days} AND ({', '.join(f't.`{c}`' for c in slice_columns)}) IN ({members})"
        result = (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(batch.alias("s"), on)
            .whenMatchedUpdateAll(condition=changed)
            .whenNotMatchedInsertAll()
            .whenNotMatchedBySourceDelete(condition=in_slice)
            .execute()
            .first()
        )
        return {
            "inserted": int(result["num_inserted_rows"]),
            "updated": int(result["num_updated_rows"]),
            "deleted": int(result["num_deleted_rows"]),
        }
    finally:
        batch.unpersist()

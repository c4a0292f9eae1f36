"""Type-2 history from dated observations: a new version only when the tracked attributes change.

Versions are recomputed for the keys a batch touches, from the batch's observations together
with the versions already stored, so late or repeated observations give the same history as
in-order ones: consecutive observations with the same attribute hash collapse into one version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tasks.silver.merge import append_to_new, create_if_missing, latest_per_key


def scd2_merge(
    spark: Any,
    lake_root: str,
    table: str,
    observations: Any,
    keys: Sequence[str],
    attributes: Sequence[str],
    surrogate_key: str,
    date_col: str = "snapshot_date",
) -> dict[str, int]:
    """MERGE observations (keys, attributes, `date_col`, ingest_ts_utc) into an SCD2 table.

    Output columns: `surrogate_key`, keys, attributes, attr_hash, valid_from, valid_to
    (exclusive; NULL while current), is_current.
    """
    from delta.tables import DeltaTable
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys, attributes = list(keys), list(attributes)
    obs = observations.select(*keys, *attributes, F.col(date_col).alias("valid_from"), "ingest_ts_utc").withColumn(
        "attr_hash", F.sha2(F.to_json(F.struct(*attributes)), 256)
    )
    obs = latest_per_key(obs, keys + ["valid_from"]).withColumn("_prio", F.lit(1))
    columns = [surrogate_key, *keys, *attributes, "attr_hash", "valid_from", "valid_to", "is_current"]
    schema = obs.select(
        F.lit("").alias(surrogate_key),
        *keys,
        *attributes,
        "attr_hash",
        "valid_from",
        F.col("valid_from").alias("valid_to"),
        F.lit(True).alias("is_current"),
    ).schema
    path, created = create_if_missing(spark, lake_root, table, schema)
    stored = spark.read.format("delta").load(path)
    touched = stored.join(obs.select(*keys).distinct(), keys, "left_semi")
    known = touched.select(
        *keys,
        *attributes,
        "valid_from",
        F.lit(None).cast("timestamp").alias("ingest_ts_utc"),
        "attr_hash",
        F.lit(0).alias("_prio"),
    )
    combined = latest_per_key(obs.unionByName(known), keys + ["valid_from"], ("_prio", "ingest_ts_utc"))
    by_key = Window.partitionBy(*keys).orderBy("valid_from")
    starts = combined.withColumn("_prev", F.lag("attr_hash").over(by_key)).filter(
        F.col("_prev").isNull() | (F.col("_prev") != F.col("attr_hash"))
    )
    versions = (
        starts.withColumn("valid_to", F.lead("valid_from").over(by_key))
        .withColumn("is_current", F.col("valid_to").isNull())
        .withColumn(surrogate_key, F.sha2(F.concat_ws("|", *keys, F.col("valid_from").cast("string")), 256))
        .select(*columns)
        .withColumn("_delete", F.lit(False))
    )
    tombstones = (
        touched.join(versions.select(surrogate_key), surrogate_key, "left_anti")
        .select(*columns)
        .withColumn("_delete", F.lit(True))
    )
    if created:  # nothing stored: every version is new, no tombstone
        versions = versions.drop("_delete").persist()
        try:
            append_to_new(versions, path)
            return {"inserted": versions.count(), "updated": 0, "deleted": 0}
        finally:
            versions.unpersist()
    # The MERGE reads its source twice (matching, then writing); computed once, both passes read the cache.
    source = versions.unionByName(tombstones).persist()
    changed = " OR ".join(f"NOT (t.`{c}` <=> s.`{c}`)" for c in columns if c != surrogate_key)
    try:
        result = (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(source.alias("s"), f"t.{surrogate_key} = s.{surrogate_key}")
            .whenMatchedDelete(condition="s._delete")
            .whenMatchedUpdate(condition=f"NOT s._delete AND ({changed})", set={c: f"s.{c}" for c in columns})
            .whenNotMatchedInsert(condition="NOT s._delete", values={c: f"s.{c}" for c in columns})
            .execute()
            .first()
        )
    finally:
        source.unpersist()
    return {
        "inserted": int(result["num_inserted_rows"]),
        "updated": int(result["num_updated_rows"]),
        "deleted": int(result["num_deleted_rows"]),
    }

"""A small Delta workload of the kinds the jobs run: what warms a JVM (a prewarmed session, a kept driver)
and what the class archive is written from (`tasks.spark.warmup`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def exercise(spark: Any, folder: str) -> None:
    """A few small Delta operations of the kinds the jobs run (partitioned writes with a change feed,
    MERGEs, change-feed and JSON reads, window functions, OPTIMIZE), on tables under `folder`."""
    from delta.tables import DeltaTable
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    path = str(Path(folder) / "warmup")
    rows = spark.range(200).select(
        F.col("id").cast("string").alias("id"),
        F.expr("date_add(DATE'2026-01-01', int(id % 3))").alias("day"),
        F.to_json(F.struct(F.col("id").alias("views"))).alias("payload"),
    )
    rows.write.format("delta").partitionBy("day").option("delta.enableChangeDataFeed", "true").save(path)
    batch = (
        rows.withColumn("views", F.get_json_object("payload", "$.views").cast("long") + 1)
        .withColumn("_rn", F.row_number().over(Window.partitionBy("id").orderBy(F.col("views").desc())))
        .filter("_rn = 1")
        .select("id", "day", F.to_json(F.struct("views")).alias("payload"))
    )
    (
        DeltaTable.forPath(spark, path)
        .alias("t")
        .merge(batch.alias("s"), "t.day = s.day AND t.id = s.id")
        .whenMatchedUpdateAll(condition="NOT (t.payload <=> s.payload)")
        .whenNotMatchedInsertAll()
        .whenNotMatchedBySourceDelete(condition="t.day = DATE'2026-01-01'")
        .execute()
        .collect()
    )
    changes = spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", 1).load(path)
    changes.groupBy("_change_type").agg(F.count(F.lit(1)), F.max("day")).collect()
    spark.read.json(spark.sparkContext.parallelize(['{"items": [{"id": "a"}]}'])).select(F.explode("items")).collect()
    DeltaTable.forPath(spark, path).optimize().executeCompaction().collect()
    DeltaTable.forPath(spark, path).history(1).collect()

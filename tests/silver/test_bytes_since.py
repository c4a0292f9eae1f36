"""What a Silver run will read, from the Bronze commit log alone."""

from __future__ import annotations

from pathlib import Path


def test_bytes_since_sums_the_files_added_after_the_watermark(spark, tmp_path: Path) -> None:
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    from tasks.silver.increments import bytes_since
    from tasks.spark.lake import table_path

    lake = str(tmp_path)
    path = table_path(lake, "bronze", "videos_raw")
    assert bytes_since(spark, lake, "videos_raw", None) == 0  # no table yet

    def size() -> int:  # no file is ever removed here, so the table's size only grows
        return int(spark.sql(f"DESCRIBE DETAIL delta.`{path}`").first()["sizeInBytes"])

    def rows(lo: int, hi: int) -> object:
        return spark.range(lo, hi).select(F.col("id"), F.sha2(F.col("id").cast("string"), 256).alias("payload"))

    compact = spark.conf.get("spark.databricks.delta.autoCompact.enabled")
    spark.conf.set("spark.databricks.delta.autoCompact.enabled", "false")  # its OPTIMIZE would remove files
    try:
        rows(0, 50).write.format("delta").save(path)
        after_first = size()
        rows(50, 2000).write.format("delta").mode("append").save(path)
        (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(rows(1990, 2100).alias("s"), "t.id = s.id")
            .whenNotMatchedInsertAll()
            .execute()
        )
    finally:
        spark.conf.set("spark.databricks.delta.autoCompact.enabled", compact)
    assert 0 < after_first < size()
    assert bytes_since(spark, lake, "videos_raw", None) == size()
    assert bytes_since(spark, lake, "videos_raw", 0) == size() - after_first
    assert bytes_since(spark, lake, "videos_raw", 2) == 0

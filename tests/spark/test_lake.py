"""Which folders of a lake are tables: a folder whose first commit never happened is not one."""

from __future__ import annotations

import pytest


def _killed_first_write(table_dir):
    """What a run killed during a table's first write leaves with Delta 4: a log folder with no version."""
    (table_dir / "_delta_log" / "_staged_commits").mkdir(parents=True)
    (table_dir / "part-00000-killed.snappy.parquet").write_bytes(b"PAR1")


@pytest.mark.spark
def test_a_table_whose_first_commit_never_happened_does_not_stop_the_next_run(spark, tmp_path):
    from blocks import LocalDeltaSpark
    from tasks.spark.lake import register_existing_tables

    lake = LocalDeltaSpark(lake_root=str(tmp_path))
    lake.run_job("run_log_start", {"run_id": "r1", "flow_name": "test", "parameters": {}})
    _killed_first_write(tmp_path / "silver" / "silver_videos")

    assert register_existing_tables(spark, str(tmp_path)) == ["bronze.run_context_log"]
    lake.run_job("run_log_start", {"run_id": "r2", "flow_name": "test", "parameters": {}})
    counts = lake.run_job("table_counts", {"layers": ["bronze", "silver"]})
    assert counts == {"bronze": {"run_context_log": 2}, "silver": {}}

    # the next write that creates the table there works: Silver's create-then-append and Bronze's ensure_table
    from pyspark.sql.types import LongType, StructField, StructType

    from tasks.silver.merge import create_if_missing
    from tasks.spark.lake import ensure_table

    schema = StructType([StructField("id", LongType())])
    path, created = create_if_missing(spark, str(tmp_path), "silver_videos", schema)
    assert created
    spark.range(3).write.format("delta").mode("append").save(path)
    _killed_first_write(tmp_path / "bronze" / "videos_raw")
    ensure_table(spark, str(tmp_path), "bronze", "videos_raw", schema)
    assert set(register_existing_tables(spark, str(tmp_path))) == {
        "bronze.run_context_log",
        "bronze.videos_raw",
        "silver.silver_videos",
    }
    assert lake.run_job("table_counts", {"layers": ["silver"]}) == {"silver": {"silver_videos": 3}}

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

    # the write that creates the table takes the folder over; the killed write's file is not part of it
    spark.range(3).write.format("delta").save(str(tmp_path / "silver" / "silver_videos"))
    assert "silver.silver_videos" in register_existing_tables(spark, str(tmp_path))
    assert lake.run_job("table_counts", {"layers": ["silver"]}) == {"silver": {"silver_videos": 3}}

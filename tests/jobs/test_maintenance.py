"""Lake maintenance: compaction only where small files warrant it, VACUUM, data unchanged; the daily path
does not compact (tests/silver/test_merge_pruning.py: its MERGEs keep one live file per day)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.compute import LocalDeltaSpark
from tasks.jobs.maintenance import needs_compaction

pytestmark = pytest.mark.spark


def _files(spark, path):
    return spark.sql(f"DESCRIBE DETAIL delta.`{path}`").first()["numFiles"]


def _rows(spark, path):
    return sorted(map(tuple, spark.read.format("delta").load(path).collect()))


def test_compaction_threshold():
    assert not needs_compaction(num_files=30, partitions=30, min_files=8)  # one per day
    assert needs_compaction(num_files=12, partitions=1, min_files=8)
    assert not needs_compaction(num_files=1, partitions=1, min_files=8)
    assert needs_compaction(num_files=60, partitions=30, min_files=8)  # two per day


def test_maintenance_compacts_what_warrants_it_and_vacuums(spark, tmp_path):
    backend = LocalDeltaSpark(lake_root=str(tmp_path / "lake"))
    root = backend.lake_location()
    many, per_day = f"{root}/silver/many_small_files", f"{root}/silver/one_file_per_day"
    for i in range(10):
        spark.createDataFrame([(i, f"v{i}")], "id int, value string").write.format("delta").mode("append").save(many)
    spark.createDataFrame([(d, f"2026-10-{d:02d}") for d in range(1, 6)], "id int, day string").repartition(
        "day"
    ).write.format("delta").partitionBy("day").save(per_day)
    before = {p: (_files(spark, p), _rows(spark, p)) for p in (many, per_day)}
    small = [f.removeprefix("file:") for f in spark.read.format("delta").load(many).inputFiles()]
    assert before[many][0] == 10 and before[per_day][0] == 5

    result = backend.run_job("lake_maintenance", {"vacuum_retention_hours": 0, "layers": ["silver"]})
    assert result["compacted"] == ["silver.many_small_files"]
    assert result["tables"]["silver.many_small_files"]["files_after"] == 1
    assert result["tables"]["silver.one_file_per_day"]["files_after"] == 5
    assert {e["vacuum"] for e in result["tables"].values()} <= {"lite", "full"}
    assert {p: _rows(spark, p) for p in (many, per_day)} == {p: rows for p, (_, rows) in before.items()}
    # VACUUM (0 h retention) deleted the files compaction replaced
    assert len(small) == 10 and not [f for f in small if Path(f).exists()]
    assert all(Path(f.removeprefix("file:")).exists() for f in spark.read.format("delta").load(many).inputFiles())


def test_the_daily_path_leaves_compaction_to_maintenance(spark):
    assert spark.conf.get("spark.databricks.delta.autoCompact.enabled") == "false"

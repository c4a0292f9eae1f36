"""A table a run creates gets its first rows appended, not MERGEd: the same rows and counts as a MERGE into an
empty table that already existed, and from then on the MERGE path keeps the grain."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tasks.silver.merge import ensure_silver, merge_latest, replace_all, replace_slices
from tasks.silver.scd2 import scd2_merge

SCHEMA = "video_id string, date date, views long, ingest_ts_utc timestamp, run_id string, source_request_id string"


def _batch(spark, views: int, hour: int):
    ts = datetime(2026, 10, 30, hour, tzinfo=UTC)
    rows = [(f"v{i}", date(2026, 10, d), views + i, ts, "run", f"r{i}") for d in (1, 2, 3) for i in range(4)]
    rows.append(("v0", date(2026, 10, 1), 999, datetime(2026, 10, 30, 0, tzinfo=UTC), "run", "older"))
    return spark.createDataFrame(rows, SCHEMA)


def _table(spark, lake: str, name: str) -> list[tuple]:
    return sorted(tuple(r) for r in spark.read.format("delta").load(f"{lake}/silver/{name}").collect())


def _commits(spark, lake: str, name: str) -> list[str]:
    from delta.tables import DeltaTable

    history = DeltaTable.forPath(spark, f"{lake}/silver/{name}").history().orderBy("version").collect()
    return [r["operation"] for r in history]


def test_merge_latest_into_a_new_table_equals_a_merge_into_an_existing_empty_one(spark, tmp_path):
    lake = str(tmp_path / "lake")
    batch = _batch(spark, 10, 5)
    ensure_silver(spark, lake, "existing", batch.schema, partition_by=("date",))
    keys = ["video_id", "date"]
    fresh = merge_latest(spark, lake, "fresh", batch, keys, date_column="date", observed={"columns": ["video_id"]})
    merged = merge_latest(spark, lake, "existing", batch, keys, date_column="date")
    assert fresh == merged == {"inserted": 12, "updated": 0}
    assert _table(spark, lake, "fresh") == _table(spark, lake, "existing")
    assert all(r[2] != 999 for r in _table(spark, lake, "fresh"))  # the latest ingest won its key
    assert _commits(spark, lake, "fresh") == ["CREATE TABLE", "WRITE"]
    assert _commits(spark, lake, "existing") == ["CREATE TABLE", "MERGE"]
    again = merge_latest(spark, lake, "fresh", _batch(spark, 20, 6), keys, date_column="date")
    assert again == {"inserted": 0, "updated": 12}
    assert len(_table(spark, lake, "fresh")) == 12


def test_replace_slices_and_replace_all_into_new_tables(spark, tmp_path):
    lake = str(tmp_path / "lake")
    batch = _batch(spark, 10, 5).withColumnRenamed("video_id", "channel_id")
    first = replace_slices(spark, lake, "slices", batch, ["channel_id", "date"])
    assert first == {"inserted": 12, "updated": 0, "deleted": 0}
    assert _commits(spark, lake, "slices") == ["CREATE TABLE", "WRITE"]
    smaller = batch.filter("channel_id <> 'v3'")
    # v3's slices are not in the batch: untouched
    assert replace_slices(spark, lake, "slices", smaller, ["channel_id", "date"])["deleted"] == 0
    dim = spark.createDataFrame([("A", "a"), ("B", "b")], "code string, name string")
    assert replace_all(spark, lake, "dim", dim, ["code"]) == {"inserted": 2, "updated": 0, "deleted": 0}
    assert replace_all(spark, lake, "dim", dim, ["code"]) == {"inserted": 0, "updated": 0, "deleted": 0}
    assert _commits(spark, lake, "dim") == ["CREATE TABLE", "WRITE"]  # unchanged: no new version
    changed = spark.createDataFrame([("A", "a2")], "code string, name string")
    assert replace_all(spark, lake, "dim", changed, ["code"]) == {"inserted": 0, "updated": 1, "deleted": 1}
    assert _table(spark, lake, "dim") == [("A", "a2")]


def test_scd2_into_a_new_table_equals_an_scd2_merge_into_an_existing_empty_one(spark, tmp_path):
    lake = str(tmp_path / "lake")
    ts = datetime(2026, 10, 30, 1, tzinfo=UTC)
    obs = spark.createDataFrame(
        [
            ("v1", "t1", date(2026, 10, 1), ts),
            ("v1", "t1", date(2026, 10, 2), ts),
            ("v1", "t2", date(2026, 10, 3), ts),
            ("v2", "x", date(2026, 10, 1), ts),
        ],
        "video_id string, title string, snapshot_date date, ingest_ts_utc timestamp",
    )
    fresh = scd2_merge(spark, lake, "scd_fresh", obs, ["video_id"], ["title"], "video_sk")
    # The same table created empty by an earlier run: the MERGE path.
    scd2_merge(spark, lake, "scd_existing", obs.limit(0), ["video_id"], ["title"], "video_sk")
    merged = scd2_merge(spark, lake, "scd_existing", obs, ["video_id"], ["title"], "video_sk")
    assert fresh == merged == {"inserted": 3, "updated": 0, "deleted": 0}
    assert _table(spark, lake, "scd_fresh") == _table(spark, lake, "scd_existing")
    assert _commits(spark, lake, "scd_fresh") == ["CREATE TABLE", "WRITE"]

"""A bulk report landed twice (a re-run fetched it again, or a run's landing was loaded again) is two copies
in Bronze, or in the change feed Silver reads; Silver counts one of them. (The sample re-run,
tests/flows/test_silver.py, checks the same end to end: the second run of an `auto` window leaves every Silver
and Gold table as it was; before the fix it doubled the report-fed facts.)"""

from __future__ import annotations

from datetime import UTC, datetime

from tasks.silver.reporting import one_landing_per_report

SCHEMA = "report_id string, run_id string, ingest_ts_utc timestamp, video_id string, views long"


def test_each_report_counts_once_from_its_latest_landing(spark):
    first, again = datetime(2026, 10, 30, 6, tzinfo=UTC), datetime(2026, 10, 31, 6, tzinfo=UTC)
    rows = [
        *[("r1", "run-a", first, v, n) for v, n in (("v1", 10), ("v2", 5))],
        *[("r1", "run-b", again, v, n) for v, n in (("v1", 10), ("v2", 5))],  # the same report, landed again
        ("r2", "run-a", first, "v1", 7),  # landed once
    ]
    kept = one_landing_per_report(spark.createDataFrame(rows, SCHEMA)).collect()
    assert sorted((r.report_id, r.run_id, r.video_id) for r in kept) == [
        ("r1", "run-b", "v1"),
        ("r1", "run-b", "v2"),
        ("r2", "run-a", "v1"),
    ]
    assert sum(r.views for r in kept) == 10 + 5 + 7


def test_a_report_reloaded_within_one_increment_is_read_once(spark, tmp_path):
    """A run's report loaded, then loaded again (Bronze replaces that run's rows of it: `replaceWhere`), then
    landed by a later run: the change feed shows three copies; Silver reads the reloaded copy once beside the
    later run's, and counts the later run's."""
    from tasks.silver.increments import new_rows

    lake = tmp_path / "lake"

    def load(run_id: str, fetched: datetime, mode: str = "append") -> None:
        rows = [("r1", run_id, fetched, v, n) for v, n in (("v1", 10), ("v2", 5))]
        writer = spark.createDataFrame(rows, SCHEMA).write.format("delta").mode(mode)
        if mode == "overwrite":
            writer = writer.option("replaceWhere", f"run_id = '{run_id}' AND report_id = 'r1'")
        writer.option("delta.enableChangeDataFeed", "true").save(str(lake / "bronze" / "reports"))

    first, later = datetime(2026, 10, 30, 6, tzinfo=UTC), datetime(2026, 10, 31, 6, tzinfo=UTC)
    load("run-a", first)  # version 0
    load("run-a", first, "overwrite")  # version 1: the same landing loaded again
    load("run-b", later)  # version 2: a later run fetched the report again
    every, _, how = new_rows(spark, str(lake), "reports", -1)
    assert how == "change-feed" and every.count() == 3 * 2
    rows, _, _ = new_rows(spark, str(lake), "reports", -1, ("run_id", "report_id"))
    assert rows.columns == every.columns
    assert sorted((r.run_id, r.video_id) for r in rows.collect()) == [
        ("run-a", "v1"),
        ("run-a", "v2"),
        ("run-b", "v1"),
        ("run-b", "v2"),
    ]
    kept = one_landing_per_report(rows).collect()
    assert sorted((r.run_id, r.video_id, r.views) for r in kept) == [("run-b", "v1", 10), ("run-b", "v2", 5)]

"""A bulk report landed twice (a re-run fetched it again, or a run's landing was loaded again) is two copies
in Bronze; Silver counts one of them. (The sample re-run, tests/flows/test_silver.py, checks the same end to
end: the second run of an `auto` window leaves every Silver and Gold table as it was.)"""

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

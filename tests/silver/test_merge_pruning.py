"""A daily MERGE reads only the days its batch holds: proven by removing every other day's data file."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from tasks.silver.merge import merge_latest


def _rows(spark, days, views, hour):
    ts = datetime(2026, 10, 30, hour, tzinfo=UTC)
    data = [(f"v{i}", d, views, ts, "run", "req") for d in days for i in range(3)]
    return spark.createDataFrame(
        data, "video_id string, date date, views long, ingest_ts_utc timestamp, run_id string, source_request_id string"
    )


def test_merge_touches_only_the_batch_days(spark, tmp_path):
    lake = str(tmp_path / "lake")
    history = [date(2026, 10, d) for d in range(1, 11)]
    first = merge_latest(spark, lake, "fact_t", _rows(spark, history, 10, 1), ["video_id", "date"], date_column="date")
    assert first == {"inserted": 30, "updated": 0}
    table = tmp_path / "lake" / "silver" / "fact_t"
    assert sorted(p.name for p in table.iterdir() if p.is_dir() and p.name != "_delta_log")[0] == "date=2026-10-01"
    for old in history[:-2]:  # older days' files vanish: a MERGE that read them would fail
        for parquet in (table / f"date={old.isoformat()}").glob("*.parquet"):
            parquet.unlink()
    recent = merge_latest(
        spark,
        lake,
        "fact_t",
        _rows(spark, history[-2:] + [date(2026, 10, 11)], 11, 2),
        ["video_id", "date"],
        date_column="date",
    )
    assert recent == {"inserted": 3, "updated": 6}
    days = {
        r["date"]: r["views"]
        for r in spark.read.format("delta").load(str(table)).filter("date >= DATE'2026-10-09'").collect()
    }
    assert days == {date(2026, 10, 9): 11, date(2026, 10, 10): 11, date(2026, 10, 11): 11}


def test_daily_merges_keep_one_live_file_per_day_without_compaction(spark, tmp_path):
    """Nine daily runs, each a 7-day lookback with new values: every touched day is rewritten, not added to."""
    lake = str(tmp_path / "lake")
    first = date(2026, 10, 1)
    for run in range(9):
        days = [first + timedelta(days=run + k) for k in range(7)]
        merge_latest(spark, lake, "fact_t", _rows(spark, days, run + 1, run), ["video_id", "date"], date_column="date")
    table = spark.read.format("delta").load(str(tmp_path / "lake" / "silver" / "fact_t"))
    live = Counter(f.rsplit("/", 2)[-2] for f in table.inputFiles())
    assert len(live) == 15 and set(live.values()) == {1}
    assert {r["date"]: r["views"] for r in table.filter("date >= DATE'2026-10-09'").collect()} == {
        first + timedelta(days=d): 9 for d in range(8, 15)
    }

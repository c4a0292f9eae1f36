"""The post-deploy smoke check on the sample's lake: passes when fresh, fails with a readable report otherwise."""

from __future__ import annotations

from datetime import date

import pytest


def test_passes_on_the_sample_lake(sample_run):
    from flows.smoke_check import smoke_check

    result = smoke_check(backend=sample_run["backend"], max_age_days=2, as_of=date(2026, 10, 31))
    assert result["ok"] and not result["missing"] and not result["stale"]
    assert result["newest"]["gold_channel_daily_summary"] == "2026-10-30"
    assert result["newest"]["gold_trending_videos"] == "2026-10-30"


def test_stale_gold_fails_with_the_report(sample_run):
    from flows.smoke_check import SmokeCheckFailed, smoke_check

    state = smoke_check(backend=sample_run["backend"], max_age_days=3, as_of=date(2026, 11, 10), return_state=True)
    assert state.is_failed()
    with pytest.raises(SmokeCheckFailed) as raised:
        state.result()
    report = str(raised.value)
    assert "# Smoke check: FAILED" in report and "## Stale Gold" in report
    assert "gold.gold_video_daily_summary: newest date 2026-10-30, older than 3 days before 2026-11-10" in report


def test_missing_tables_are_listed(sample_run, tmp_path):
    from blocks import LocalDeltaSpark
    from flows.smoke_check import SmokeCheckFailed, smoke_check

    LocalDeltaSpark(lake_root=str(tmp_path / "empty-lake"), spark_master="local[2]").save("empty", overwrite=True)
    with pytest.raises(
        SmokeCheckFailed, match=r"(?s)## Missing tables.*`bronze.trending_videos_raw`.*`gold.gold_trending_videos`"
    ):
        smoke_check(backend="local-delta-spark/empty", max_age_days=2, as_of=date(2026, 10, 31))

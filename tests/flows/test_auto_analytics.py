"""The parent flow on the bundled sample with `analytics_source="auto"` (the shared sample run, as `make demo`
runs it): bulk reports for the days they cover, reports.query for the others, through Gold."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest

from tests.flows.conftest import read_delta

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def auto_run(sample_lake, sample_recording):
    """The shared sample run: its source takes `analytics_source="auto"`, as `make demo` runs it."""
    return {
        "completed": sample_lake["completed"],
        "result": sample_lake["result"],
        "lake": sample_lake["lake"],
        "manifest": sample_recording.manifest,
    }


def test_auto_takes_reports_where_they_cover_and_query_elsewhere(auto_run):
    assert auto_run["completed"], auto_run["result"]
    reporting = auto_run["manifest"]["reporting"]
    first, last = date.fromisoformat(reporting["first_day"]), date.fromisoformat(reporting["last_day"])
    sources: dict[tuple[str, date], set[str]] = defaultdict(set)
    rows = read_delta(auto_run["lake"] / "silver" / "fact_video_daily_metrics").to_pylist()
    assert len({(r["video_id"], r["date"]) for r in rows}) == len(rows)  # no video-day twice
    for r in rows:
        sources[(r["channel_id"], r["date"])].add(r["metrics_source"])
    mine = reporting["channel"]
    for (channel, day), kinds in sources.items():
        expected = "reporting" if channel == mine and first <= day <= last else "query"
        assert kinds == {expected}, (channel, day, kinds)
    assert {d for c, d in sources if c == mine} >= {first - timedelta(days=1), last + timedelta(days=1)}


def test_the_bulk_reports_reach_bronze_and_the_api_counts(auto_run):
    bronze = read_delta(auto_run["lake"] / "bronze" / "reporting_reports_raw").to_pylist()
    assert {r["report_type"] for r in bronze} == {
        "channel_basic_a3",
        "channel_traffic_source_a3",
        "channel_device_os_a3",
        "channel_playback_location_a3",
        "channel_demographics_a1",
        "channel_reach_basic_a1",
        "channel_reach_combined_a1",
    }
    usage = auto_run["result"]["ingest"]["usage"]
    downloads = usage["youtubereporting.media.download"]["requests"]
    assert downloads == 7 * 20 and usage["youtubereporting.media.download"]["units"] == 0
    assert usage["youtubereporting.jobs.list"]["requests"] == 1


def test_gold_has_demographics_and_playback_locations(auto_run):
    demographics = read_delta(auto_run["lake"] / "gold" / "gold_video_demographics_daily").to_pylist()
    shares: dict[tuple[str, date], float] = defaultdict(float)
    for r in demographics:
        shares[(r["video_id"], r["date"])] += r["views_percentage"]
    assert shares and all(abs(total - 100) < 0.5 for total in shares.values())
    playback = read_delta(auto_run["lake"] / "gold" / "gold_video_playback_location_daily").to_pylist()
    daily = {
        (r["video_id"], r["date"]): r["views"]
        for r in read_delta(auto_run["lake"] / "gold" / "gold_video_daily_summary").to_pylist()
    }
    by_video_day: dict[tuple[str, date], int] = defaultdict(int)
    for r in playback:
        by_video_day[(r["video_id"], r["date"])] += r["views"]
    assert by_video_day and all(views == daily[key] for key, views in by_video_day.items())

"""Which freshness tests a Gold run judges, from what the run ingested."""

from __future__ import annotations

import pytest


def test_the_parent_flow_names_the_kinds_it_loaded():
    from flows.youtube_lakehouse import ingested_kinds

    assert ingested_kinds({"trending_videos_raw": 5, "analytics_channel_daily_raw": 0}) == ["trending"]
    assert ingested_kinds({"trending_videos_raw": 0, "analytics_video_daily_raw": 3}) == ["channel"]
    assert ingested_kinds({"videos_raw": 9}) == []


def test_the_plan_excludes_what_was_not_ingested_and_says_so():
    from flows.gold import freshness_plan

    plan = freshness_plan(["trending"], False)
    assert plan["exclude"] == ["tag:fresh_channel"] and plan["vars"] == {"freshness": ["trending"]}
    assert plan["note"] == (
        "freshness judged for trending (ingested by this run); not judged for channel (not ingested by this run)"
    )
    assert freshness_plan(None, False)["exclude"] == [] and freshness_plan(None, False)["vars"] == {"freshness": None}
    assert freshness_plan(["trending", "channel"], True)["exclude"] == ["tag:fresh_trending", "tag:fresh_channel"]
    with pytest.raises(ValueError, match="unknown freshness kind"):
        freshness_plan(["videos"], False)


def test_an_api_key_only_source_gets_one_warning():
    from flows.ingest import key_only_warning

    assert key_only_warning(True, ["mine"], True) is None
    assert key_only_warning(False, ["UCx"], False) is None
    warning = key_only_warning(False, ["mine", "UCx"], True)
    assert "API key only: Analytics skipped and channel 'mine'" in warning and "OAuth" in warning

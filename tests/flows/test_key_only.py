"""An API-key-only source (the AWS system's users): trending, categories and public channel/video data
for explicit channel ids run through Gold; Analytics and 'mine' are skipped with one warning; Completed."""

from __future__ import annotations

import pytest

from tests.flows.conftest import SECRETS, read_delta

pytestmark = [pytest.mark.spark, pytest.mark.prefect_server]


@pytest.fixture(scope="module")
def key_only_run(saved_blocks, tmp_path_factory):
    from blocks import LocalDeltaSpark, LocalLanding, ReplayYouTubeSource, YouTubeCredentials
    from flows.youtube_lakehouse import youtube_lakehouse

    root = tmp_path_factory.mktemp("key-only")
    LocalDeltaSpark(lake_root=str(root / "lake"), spark_master="local[2]").save("key-only", overwrite=True)
    LocalLanding(root=str(root / "landing")).save("key-only", overwrite=True)
    ReplayYouTubeSource(
        recording="sample", auth="api_key", credentials=YouTubeCredentials(api_key=SECRETS["api_key"])
    ).save("key-only", overwrite=True)
    state = youtube_lakehouse(
        backend="local-delta-spark/key-only",
        source="youtube-replay-source/key-only",
        landing="local-landing/key-only",
        report=False,  # the page is tests/flows/test_report.py's
        return_state=True,
    )
    return {"state": state, "lake": root / "lake", "run_id": str(state.state_details.flow_run_id)}


def test_the_run_completes_with_one_warning_and_no_analytics_request(key_only_run):
    state = key_only_run["state"]
    assert state.is_completed(), state.message
    result = state.result()
    warnings = [w for w in result["ingest"]["warnings"] if "API key only" in w]
    assert len(warnings) == 1 and "Analytics skipped and channel 'mine'" in warnings[0]
    assert not [e for e in result["ingest"]["usage"] if e.startswith("youtubeAnalytics")]
    assert {f["reason"] for f in result["ingest"]["failures"]} == {"videoChartNotFound"}  # no 401 anywhere
    assert result["gold"]["report"] is None and not (key_only_run["lake"] / "reports").exists()  # report=False
    assert result["gold"]["freshness"] == (
        "freshness judged for trending (ingested by this run); not judged for channel (not ingested by this run)"
    )
    (row,) = [
        r
        for r in read_delta(key_only_run["lake"] / "bronze" / "run_context_log").to_pylist()
        if r["run_id"] == key_only_run["run_id"]
    ]
    assert row["status"] == "COMPLETED" and "API key only" in row["message"]


def test_public_data_of_explicit_channels_and_the_trending_gold_models_are_built(key_only_run):
    lake = key_only_run["lake"]
    channels = read_delta(lake / "silver" / "silver_channels").to_pylist()
    assert [c["channel_id"] for c in channels] == ["UCqhjeB78g8byUW6GbZvAJVY"]  # the explicit id only
    assert len(read_delta(lake / "silver" / "silver_videos").to_pylist()) > 0
    assert len(read_delta(lake / "gold" / "gold_trending_videos").to_pylist()) > 0
    assert len(read_delta(lake / "gold" / "gold_trending_category_daily").to_pylist()) > 0
    for model in ("gold_channel_daily_summary", "gold_video_daily_summary", "gold_video_country_daily_summary"):
        assert read_delta(lake / "gold" / model).num_rows == 0
    for table in ("analytics_channel_daily_raw", "analytics_video_daily_raw"):
        assert read_delta(lake / "bronze" / table).num_rows == 0


def test_the_replay_answers_a_key_only_client_as_the_live_api_would(sample_recording):
    import json

    from googleapiclient.errors import HttpError

    from tasks.youtube.clients import build_analytics_api, build_data_api
    from tasks.youtube.replay import ReplayHttp

    analytics = build_analytics_api(http=ReplayHttp(sample_recording, oauth=False))
    with pytest.raises(HttpError) as failed:
        analytics.reports().query(
            ids="channel==MINE", startDate="2026-10-01", endDate="2026-10-02", metrics="views", dimensions="day"
        ).execute()
    assert failed.value.resp.status == 401
    data = build_data_api(http=ReplayHttp(sample_recording, as_of="2026-10-30", oauth=False), developer_key="k")
    with pytest.raises(HttpError) as failed:
        data.channels().list(part="snippet", mine=True).execute()
    assert failed.value.resp.status == 401
    answer = data.videoCategories().list(part="snippet", regionCode="US").execute()
    assert json.loads(answer)["items"]


def test_a_live_source_with_a_key_only_signs_with_the_key_and_has_no_oauth():
    from datetime import date

    from blocks import LiveYouTubeSource, YouTubeCredentials

    live = LiveYouTubeSource(credentials=YouTubeCredentials(api_key="AIza-key-only"), regions=["US"], channels=[])
    assert live.has_oauth() is False
    request = live.data_api(date.today()).videos().list(part="snippet", chart="mostPopular", regionCode="US")
    assert "key=AIza-key-only" in request.uri and "Authorization" not in request.headers
    with pytest.raises(ValueError, match="OAuth credentials incomplete"):
        live.analytics_api()

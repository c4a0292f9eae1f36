"""Content types, top videos and audience retention fetched from the bundled recording (replay through
google-api-python-client): the shapes the API accepts, one query per video, every request counted."""

from __future__ import annotations

import json
import urllib.parse
from datetime import date

import pytest

from blocks.landing import LocalLanding
from tasks.landing import Lander, read_landed
from tasks.youtube.analytics_api import top_video_ids
from tasks.youtube.clients import build_analytics_api, build_data_api
from tasks.youtube.executor import ApiExecutor
from tasks.youtube.ingest_plan import fetch_data_api_snapshot, fetch_insights
from tasks.youtube.replay import ReplayHttp
from tasks.youtube.shapes import analytics_shape_error
from youtube_sim.synth import World, WorldConfig

DAY = date(2026, 10, 29)


def params_of(key: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(key.split("?", 1)[1]))


@pytest.fixture(scope="module")
def insights(sample_recording, tmp_path_factory):
    m = sample_recording.manifest
    lander = Lander(LocalLanding(root=str(tmp_path_factory.mktemp("landing"))), run_id="t", source="replay")
    channels = fetch_data_api_snapshot(
        build_data_api(http=ReplayHttp(sample_recording, as_of=DAY.isoformat())),
        lander,
        DAY,
        [],
        m["channels"],
        ApiExecutor(sleep=lambda s: None),
    ).channels
    http = ReplayHttp(sample_recording)
    lander = Lander(LocalLanding(root=str(tmp_path_factory.mktemp("insights"))), run_id="t", source="replay")
    start, end = date.fromisoformat(m["analytics_start"]), date.fromisoformat(m["analytics_end"])
    outcome = fetch_insights(
        build_analytics_api(http=http), lander, DAY, channels, start, end, 10, ApiExecutor(sleep=lambda s: None)
    )
    pages = list(read_landed(lander.storage))
    return http, outcome, channels, pages, (start, end)


def test_each_shape_is_accepted_and_nothing_failed(insights):
    http, outcome, _, _, _ = insights
    assert outcome.failures == [] and outcome.quota_exhausted is None and outcome.warnings == []
    asked = [params_of(k) for k in http.served]
    assert asked and all(analytics_shape_error(p) is None for p in asked)
    assert {p["dimensions"] for p in asked} == {"day,creatorContentType", "video", "elapsedVideoTimeRatio"}


def test_one_query_per_video_and_channel_and_every_request_counted(insights):
    http, outcome, channels, pages, (start, end) = insights
    asked = [params_of(k) for k in http.served]
    by_dims = {d: [p for p in asked if p["dimensions"] == d] for d in {p["dimensions"] for p in asked}}
    content = by_dims["day,creatorContentType"]
    videos = sum(len(c["video_ids"]) for c in channels.values())
    assert len([p for p in content if "filters" not in p]) == len(channels)
    assert sorted(p["filters"] for p in content if "filters" in p) == sorted(
        f"video=={v}" for c in channels.values() for v in c["video_ids"]
    )
    assert len(content) == len(channels) + videos
    top = by_dims["video"]
    assert len(top) == len(channels) and all(p["sort"] == "-views" and p["maxResults"] == "10" for p in top)
    retention = by_dims["elapsedVideoTimeRatio"]
    assert all("," not in p["filters"] for p in retention)
    assert all((p["startDate"], p["endDate"]) == (start.isoformat(), end.isoformat()) for p in asked)
    (usage,) = [u for u in outcome.usage if u["endpoint"] == "youtubeAnalytics.reports.query"]
    assert usage["requests"] == len(asked) == len(pages)
    assert outcome.pages == {
        "analytics_channel_content_type_daily_raw": len(channels),
        "analytics_video_content_type_daily_raw": videos,
        "analytics_top_videos_raw": len(channels),
        "analytics_video_audience_retention_raw": len(retention),
    }


def test_retention_is_asked_for_each_channels_most_viewed_videos(insights):
    http, _, channels, pages, (start, end) = insights
    world = World(WorldConfig())  # the sample's world (test_generate checks the manifest says so)
    asked = {params_of(k)["filters"][len("video==") :] for k in http.served if "elapsedVideoTimeRatio" in k}
    expected: set[str] = set()
    for info in channels.values():
        views = {
            v: sum(
                world.video_day(world.videos[v], start.fromordinal(d)).get("views", 0)
                for d in range(start.toordinal(), end.toordinal() + 1)
            )
            for v in info["video_ids"]
        }
        ranked = sorted((v for v in views if views[v] > 0), key=lambda v: (-views[v], v))
        expected |= set(ranked[:10])
    assert asked == expected and len(asked) > 10  # several channels, ten each at most
    curve = next(json.loads(p["body"]) for p in pages if p["table"] == "analytics_video_audience_retention_raw")
    assert [h["name"] for h in curve["columnHeaders"]] == [
        "elapsedVideoTimeRatio",
        "audienceWatchRatio",
        "relativeRetentionPerformance",
    ]
    assert len(curve["rows"]) == 100 and curve["rows"][-1][0] == 1.0


def test_every_channel_is_a_mix_of_shorts_and_long_form(insights):
    _, _, channels, pages, _ = insights
    for info in channels.values():
        types = {
            row[1]
            for p in pages
            if p["table"] == "analytics_channel_content_type_daily_raw" and p["channel_id"] == _cid(info, channels)
            for row in json.loads(p["body"]).get("rows", [])
        }
        assert {"SHORTS", "VIDEO_ON_DEMAND"} <= types


def test_top_video_ids_reads_by_header_and_skips_bad_rows():
    doc = {
        "columnHeaders": [{"name": "views"}, {"name": "video"}],
        "rows": [[30, "a"], [20, None], "junk", [10, "b"], [5, "a"], [1, "c", "extra"]],
    }
    assert top_video_ids(doc, 10) == ["a", "b"]
    assert top_video_ids(doc, 1) == ["a"]
    assert top_video_ids({"columnHeaders": [{"name": "views"}]}, 10) == []
    assert top_video_ids(None, 10) == [] and top_video_ids({"rows": "x"}, 10) == []


def _cid(info: dict, channels: dict) -> str:
    return next(cid for cid, other in channels.items() if other is info)


def test_the_main_content_type_of_a_page_reads_headers_and_api_spellings():
    from tasks.youtube.analytics_api import main_content_type

    def page(rows):
        headers = [{"name": "day"}, {"name": "creatorContentType"}, {"name": "views"}]
        return {"columnHeaders": headers, "rows": rows}

    assert main_content_type(page([["d1", "liveStream", 5], ["d2", "videoOnDemand", 9], ["d3", "LIVE_STREAM", 6]])) == (
        "LIVE_STREAM"
    )
    assert main_content_type(page([["d1", "SHORTS", 0], ["d2", None, 9], ["d3", "STORY", "x"]])) is None
    assert main_content_type(page([])) is None and main_content_type({"columnHeaders": []}) is None


def test_a_known_type_is_not_asked_again_and_an_unwatched_video_a_week_later(insights, tmp_path):
    from tasks.youtube.content_type_state import read_content_types, typed_videos, write_content_types

    _, outcome, channels, _, _ = insights
    videos = [v for info in channels.values() for v in info["video_ids"]]
    found = outcome.content_types
    assert set(found) == set(videos) and {"SHORTS", "VIDEO_ON_DEMAND"} <= set(found.values())
    storage = LocalLanding(root=str(tmp_path))
    write_content_types(storage, found, DAY)
    state = read_content_types(storage)
    unwatched = {v for v, t in found.items() if t is None}
    assert typed_videos(state, videos + ["brandnew001"], DAY) == set(videos)
    later = date.fromordinal(DAY.toordinal() + 7)
    assert typed_videos(state, videos, later) == set(videos) - unwatched
    write_content_types(storage, {v: None for v in videos}, later)  # no views later: the type stays known
    assert {v: e["type"] for v, e in read_content_types(storage).items()} == found


def test_videos_of_known_type_are_skipped(sample_recording, tmp_path):
    m = sample_recording.manifest
    lander = Lander(LocalLanding(root=str(tmp_path)), run_id="t", source="replay")
    channels = fetch_data_api_snapshot(
        build_data_api(http=ReplayHttp(sample_recording, as_of=DAY.isoformat())), lander, DAY, [], m["channels"]
    ).channels
    videos = [v for info in channels.values() for v in info["video_ids"]]
    http = ReplayHttp(sample_recording)
    start, end = date.fromisoformat(m["analytics_start"]), date.fromisoformat(m["analytics_end"])
    outcome = fetch_insights(
        build_analytics_api(http=http), lander, DAY, channels, start, end, 0, typed_videos=set(videos[1:])
    )
    asked = [params_of(k) for k in http.served]
    assert [p.get("filters") for p in asked if p["dimensions"] == "day,creatorContentType"] == [
        None,
        f"video=={videos[0]}",
        None,
    ] and set(outcome.content_types) == {videos[0]}
    assert all(p["dimensions"] == "day,creatorContentType" for p in asked)  # top 0: no retention

"""Fetching from the bundled recording through google-api-python-client (replay, no mocks)."""

from __future__ import annotations

import json
import urllib.parse
from datetime import date

import pytest

from blocks.landing import LocalLanding
from tasks.landing import Lander, read_landed
from tasks.youtube.clients import build_analytics_api, build_data_api
from tasks.youtube.executor import ApiExecutor
from tasks.youtube.ingest_plan import fetch_analytics, fetch_data_api_snapshot
from tasks.youtube.replay import ReplayHttp

DAY = date(2026, 10, 29)


def params_of(key: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(key.split("?", 1)[1]))


@pytest.fixture
def lander(tmp_path):
    return Lander(LocalLanding(root=str(tmp_path)), run_id="t", source="youtube-replay-source")


@pytest.fixture(scope="module")
def snapshot(sample_recording, tmp_path_factory):
    http = ReplayHttp(sample_recording, as_of=DAY.isoformat())
    lander = Lander(LocalLanding(root=str(tmp_path_factory.mktemp("landing"))), run_id="t", source="replay")
    outcome = fetch_data_api_snapshot(
        build_data_api(http=http),
        lander,
        DAY,
        sample_recording.manifest["regions"],
        sample_recording.manifest["channels"],
        ApiExecutor(sleep=lambda s: None),
    )
    return http, outcome, lander


def test_trending_follows_pages_to_the_full_chart(snapshot):
    http, outcome, _ = snapshot
    for region in ("US", "GB", "JP"):
        pages = [params_of(k) for k in http.served if "chart=mostPopular" in k and f"regionCode={region}" in k]
        assert len(pages) == 4 and all(p["maxResults"] == "50" for p in pages)
        assert [p.get("pageToken") for p in pages] == [None, "T50", "T100", "T150"]
    assert outcome.pages["trending_videos_raw"] == 12


def test_region_without_a_chart_is_skipped_and_recorded(snapshot):
    _, outcome, _ = snapshot
    (failure,) = outcome.failures
    assert failure["reason"] == "videoChartNotFound" and failure["params"]["regionCode"] == "KP"
    assert any("KP" in w for w in outcome.warnings)


def test_videos_are_batched_by_fifty_without_max_results(snapshot):
    http, outcome, _ = snapshot
    by_id = [params_of(k) for k in http.served if "/videos?" in k and "id=" in k]
    sizes = sorted(len(p["id"].split(",")) for p in by_id)
    assert sizes == [2, 4, 50]  # 52 uploads -> 50 + 2; 4 uploads -> 4
    assert all("maxResults" not in p for p in by_id)
    assert outcome.pages["videos_raw"] == 3


def test_uploads_are_paged_and_channels_resolved(snapshot):
    http, outcome, _ = snapshot
    assert len([k for k in http.served if "/playlistItems?" in k]) == 3
    refs = {info["ref"]: len(info["video_ids"]) for info in outcome.channels.values()}
    assert refs["mine"] == 52 and sorted(refs.values()) == [4, 52]


def test_units_counted_per_endpoint(snapshot):
    _, outcome, _ = snapshot
    usage = {u["endpoint"]: u for u in outcome.usage}
    assert usage["youtube.videos.list"]["units"] == 12 + 1 + 3  # chart pages, KP's failed call, id batches
    assert usage["youtube.videoCategories.list"]["units"] == 4
    assert usage["youtube.channels.list"]["units"] == 2
    assert usage["youtube.playlistItems.list"]["units"] == 3


def test_every_page_is_landed_as_received(snapshot, sample_recording):
    http, _, lander = snapshot
    landed = list(read_landed(lander.storage))
    assert len(landed) == sum(lander.pages.values()) == len({p["request_id"] for p in landed})
    assert all(p["snapshot_date"] == DAY.isoformat() and p["file"].endswith(".pages.jsonl") for p in landed)
    assert all(f"/{p['table']}/snapshot_date={DAY.isoformat()}/" in p["file"] for p in landed)
    recorded = {sample_recording.find(k, DAY.isoformat()).body for k in http.served}
    assert {p["body"] for p in landed} <= recorded  # byte for byte what the API answered
    html = [p for p in landed if p["body"].startswith(b"<html>")]
    assert len(html) == 1 and html[0]["table"] == "video_categories_raw"


def test_bodies_that_are_not_utf8_come_back_byte_for_byte(tmp_path):
    lander = Lander(LocalLanding(root=str(tmp_path)), run_id="t", source="test", max_pages=2)
    bodies = [b'{"a": "\u00e9t\u00e9"}', '{"b": "été 🔥"}'.encode(), b"\xff\xfe not utf-8", b""]
    for i, body in enumerate(bodies):
        lander.land("videos_raw", "youtube.videos.list", {"i": i}, body, DAY)
    assert len(lander.flush()) == 2  # two pages a file
    assert [p["body"] for p in read_landed(lander.storage)] == bodies


@pytest.fixture(scope="module")
def analytics(sample_recording, snapshot, tmp_path_factory):
    _, outcome, _ = snapshot
    http = ReplayHttp(sample_recording)
    lander = Lander(LocalLanding(root=str(tmp_path_factory.mktemp("landing"))), run_id="t", source="replay")
    m = sample_recording.manifest
    result = fetch_analytics(
        build_analytics_api(http=http),
        lander,
        DAY,
        outcome.channels,
        date.fromisoformat(m["analytics_start"]),
        date.fromisoformat(m["analytics_end"]),
        ApiExecutor(sleep=lambda s: None),
    )
    return http, result


def test_country_is_asked_one_day_at_a_time(analytics):
    http, _ = analytics
    country = [params_of(k) for k in http.served if "dimensions=country" in k]
    assert len(country) == 56 * 30
    assert all(p["startDate"] == p["endDate"] for p in country)
    assert all(p["filters"].startswith("video==") and "," not in p["filters"] for p in country)


def test_no_rejected_shapes_and_no_failures(analytics):
    from tasks.youtube.shapes import analytics_shape_error

    http, result = analytics
    assert result.failures == [] and result.quota_exhausted is None
    assert all(analytics_shape_error(params_of(k)) is None for k in http.served)
    dims = {params_of(k)["dimensions"] for k in http.served}
    assert dims == {"day", "insightTrafficSourceType,day", "deviceType,day", "country"}


def test_replay_answers_rejected_shapes_like_the_api(sample_recording):
    from googleapiclient.errors import HttpError

    client = build_analytics_api(http=ReplayHttp(sample_recording))
    with pytest.raises(HttpError) as info:
        client.reports().query(
            ids="channel==MINE", startDate="2026-10-01", endDate="2026-10-30", metrics="views", dimensions="country,day"
        ).execute()
    assert info.value.resp.status == 400 and b"not supported" in info.value.content


def test_quota_exhaustion_keeps_what_was_fetched(sample_recording, lander):
    http = ReplayHttp(sample_recording, as_of=DAY.isoformat(), quota_requests=10)
    outcome = fetch_data_api_snapshot(
        build_data_api(http=http), lander, DAY, ["US", "GB", "JP"], ["mine"], ApiExecutor(sleep=lambda s: None)
    )
    assert "quotaExceeded" in outcome.quota_exhausted
    assert len(http.served) == 11  # stopped at the first quotaExceeded, never retried
    assert sum(outcome.pages.values()) == 10  # every page fetched before it is landed
    assert len(list(read_landed(lander.storage))) == 10


def test_api_key_is_sent_but_never_matched_or_logged(sample_recording, caplog):
    import logging

    http = ReplayHttp(sample_recording, as_of=DAY.isoformat())
    client = build_data_api(http=http, developer_key="AIza-SECRET-KEY-123")
    caplog.set_level(logging.DEBUG)
    body = client.videoCategories().list(part="snippet", regionCode="US").execute()
    assert json.loads(body)["items"]
    assert "key=" not in http.served[0]
    assert "key=<redacted>" in caplog.text  # the library logs the URL; the key is masked
    assert "AIza-SECRET-KEY-123" not in caplog.text


def _sample_analytics(sample_recording, snapshot, root, workers, quota_requests=None):
    _, outcome, _ = snapshot
    http = ReplayHttp(sample_recording, quota_requests=quota_requests)
    lander = Lander(LocalLanding(root=str(root)), run_id="t", source="replay")
    m = sample_recording.manifest
    result = fetch_analytics(
        build_analytics_api(http=http),
        lander,
        DAY,
        outcome.channels,
        date.fromisoformat(m["analytics_start"]),
        date.fromisoformat(m["analytics_end"]),
        ApiExecutor(sleep=lambda s: None),
        workers=workers,
        client_factory=lambda: build_analytics_api(http=http),
    )
    return http, result, lander


def test_concurrent_workers_fetch_and_land_the_same_pages(sample_recording, snapshot, analytics, tmp_path):
    sequential_http, sequential = analytics
    http, result, lander = _sample_analytics(sample_recording, snapshot, tmp_path, workers=4)
    assert sorted(http.served) == sorted(sequential_http.served)
    assert result.usage == sequential.usage and result.failures == []
    landed = {p["request_id"]: p["body"] for p in read_landed(lander.storage)}
    assert len(landed) == len(http.served) == sum(result.pages.values())


def test_quota_stops_every_worker_and_keeps_the_pages(sample_recording, snapshot, tmp_path):
    http, result, lander = _sample_analytics(sample_recording, snapshot, tmp_path, workers=4, quota_requests=50)
    assert "quotaExceeded" in result.quota_exhausted
    assert 51 <= len(http.served) <= 50 + 4  # each worker stops at its next request at the latest
    assert len(list(read_landed(lander.storage))) == sum(result.pages.values()) == 50


def test_workers_take_requests_as_they_go_not_all_up_front(sample_recording, snapshot, tmp_path, monkeypatch):
    from tasks.youtube import analytics_api

    made, ahead = [0], []
    real = analytics_api.report_requests

    def counted(spec, plan):
        for params in real(spec, plan):
            made[0] += 1
            yield params

    class Watching(ReplayHttp):
        def request(self, *args, **kwargs):
            ahead.append(made[0] - self.served_count)  # requests made but not yet sent
            return super().request(*args, **kwargs)

    monkeypatch.setattr(analytics_api, "report_requests", counted)
    http = Watching(sample_recording)
    _, outcome, _ = snapshot
    m = sample_recording.manifest
    fetch_analytics(
        build_analytics_api(http=http),
        Lander(LocalLanding(root=str(tmp_path)), run_id="t", source="r"),
        DAY,
        outcome.channels,
        date.fromisoformat(m["analytics_start"]),
        date.fromisoformat(m["analytics_end"]),
        ApiExecutor(sleep=lambda s: None),
        workers=4,
        client_factory=lambda: build_analytics_api(http=http),
    )
    assert made[0] == http.served_count > 100
    assert max(ahead) <= 2 * 4 + 1  # at most two per worker queued beside the one being sent

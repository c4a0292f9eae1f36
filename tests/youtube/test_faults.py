"""Transient faults in front of the replay (through google-api-python-client): every page still lands
exactly as without faults, retries are counted and bounded by the policy, quotaExceeded is never retried."""

from __future__ import annotations

import http.client
from collections import Counter
from datetime import date

import httplib2
import pytest

from blocks.landing import LocalLanding
from tasks.landing import Lander, read_landed
from tasks.youtube.clients import build_analytics_api, build_data_api
from tasks.youtube.executor import ApiExecutor
from tasks.youtube.ingest_plan import fetch_analytics, fetch_data_api_snapshot
from tasks.youtube.replay import ReplayHttp
from youtube_sim.faults import FAULT_KINDS, FaultyHttp, LengthCheckedHttp

DAY = date(2026, 10, 29)


def snapshot(recording, folder, rate, seed=11, quota_requests=None):
    inner = ReplayHttp(recording, as_of=DAY.isoformat(), quota_requests=quota_requests)
    faulty = FaultyHttp(inner, rate=rate, seed=seed)
    lander = Lander(LocalLanding(root=str(folder)), run_id="t", source="replay")
    executor = ApiExecutor(sleep=lambda s: None)
    outcome = fetch_data_api_snapshot(
        build_data_api(http=LengthCheckedHttp(faulty)),
        lander,
        DAY,
        recording.manifest["regions"],
        recording.manifest["channels"],
        executor,
    )
    pages = {p["request_id"]: (p["table"], p["body"]) for p in read_landed(lander.storage)}
    return outcome, pages, faulty, executor


def test_a_fifth_of_requests_faulted_lands_the_same_pages(sample_recording, tmp_path):
    clean_outcome, clean, _, _ = snapshot(sample_recording, tmp_path / "clean", rate=0.0)
    outcome, pages, faulty, executor = snapshot(sample_recording, tmp_path / "faulty", rate=0.2)
    assert pages == clean and len(pages) > 20
    assert outcome.pages == clean_outcome.pages
    assert [f["reason"] for f in outcome.failures] == [f["reason"] for f in clean_outcome.failures]
    injected = sum(faulty.injected.values())
    retries = sum(u.retries for u in executor.usage.values())
    assert injected > 5 and retries == injected  # every fault cost exactly one retry
    assert max(faulty.attempts.values()) <= 1 + executor.max_retries


def test_every_kind_of_fault_is_survived(sample_recording, tmp_path):
    _, clean, _, _ = snapshot(sample_recording, tmp_path / "clean", rate=0.0)
    seen: Counter = Counter()
    for seed in range(3):
        _, pages, faulty, _ = snapshot(sample_recording, tmp_path / f"s{seed}", rate=0.5, seed=seed)
        assert pages == clean
        seen.update(faulty.injected)
    assert set(seen) == set(FAULT_KINDS)


def test_analytics_under_faults_equals_clean(sample_recording, tmp_path):
    outcome, _, _, _ = snapshot(sample_recording, tmp_path / "snap", rate=0.0)
    m = sample_recording.manifest
    start, end = date.fromisoformat(m["analytics_start"]), date.fromisoformat(m["analytics_end"])

    def run(rate, folder):
        faulty = FaultyHttp(ReplayHttp(sample_recording), rate=rate, seed=5)
        lander = Lander(LocalLanding(root=str(folder)), run_id="t", source="replay")
        result = fetch_analytics(
            build_analytics_api(http=LengthCheckedHttp(faulty)),
            lander,
            DAY,
            outcome.channels,
            start,
            end,
            ApiExecutor(sleep=lambda s: None),
        )
        return result, {p["request_id"]: p["body"] for p in read_landed(lander.storage)}, faulty

    clean_result, clean, _ = run(0.0, tmp_path / "a")
    result, pages, faulty = run(0.2, tmp_path / "b")
    assert pages == clean and result.failures == clean_result.failures == []
    assert sum(faulty.injected.values()) > 0


def test_quota_exceeded_is_never_retried_among_faults(sample_recording, tmp_path):
    outcome, _, faulty, executor = snapshot(sample_recording, tmp_path / "q", rate=0.2, quota_requests=15)
    assert outcome.quota_exhausted
    quota = [f for f in executor.failures if f.reason == "quotaExceeded"]
    assert len(quota) == 1  # fetching stopped at the first one
    assert len(faulty.inner.served) == 16  # the 16th reaching the API got quotaExceeded: no more
    not_sent = sum(faulty.injected.values()) - faulty.injected["cut_short"]  # a cut-short body was sent
    assert sum(faulty.attempts.values()) == 16 + not_sent


def test_a_body_shorter_than_its_length_is_an_incomplete_read():
    class Short:
        def request(self, uri, method="GET", body=None, headers=None, redirections=5, connection_type=None):
            return httplib2.Response({"status": "200", "content-length": "10"}), b'{"a":'

    with pytest.raises(http.client.IncompleteRead):
        LengthCheckedHttp(Short()).request("https://example.invalid/x")


def test_fault_settings_are_checked():
    with pytest.raises(ValueError):
        FaultyHttp(ReplayHttp.__new__(ReplayHttp), rate=1.5)
    with pytest.raises(ValueError):
        FaultyHttp(ReplayHttp.__new__(ReplayHttp), kinds=("meteor",))


def test_the_faulty_replay_block_puts_seeded_faults_in_front_of_the_replay():
    """The reliability probes' source (youtube_sim.blocks): the replay behind FaultyHttp, landed as a replay."""
    from blocks import ReplayYouTubeSource
    from youtube_sim.blocks import FaultyReplayYouTubeSource

    block = FaultyReplayYouTubeSource(recording="sample", fault_rate=0.3, fault_seed=7)
    http = block._http(DAY.isoformat())
    assert isinstance(http, LengthCheckedHttp) and isinstance(http.inner, FaultyHttp)
    assert (http.inner.rate, http.inner.seed) == (0.3, 7) and isinstance(http.inner.inner, ReplayHttp)
    assert block.kind == ReplayYouTubeSource(recording="sample").kind == "youtube-replay-source"
    assert not hasattr(ReplayYouTubeSource(), "fault_rate")  # the product's replay has no fault injection

"""Runs that end badly still leave a clear state and a finalised run log."""

from __future__ import annotations

import json

import pytest

from tests.flows.conftest import read_delta

pytestmark = [pytest.mark.spark, pytest.mark.prefect_server]


@pytest.fixture(scope="module")
def own_lake(saved_blocks, tmp_path_factory):
    """A lake of these tests' own, so the shared sample run's tables stay exactly one run."""
    from blocks import LocalDeltaSpark

    lake = tmp_path_factory.mktemp("failures") / "lake"
    LocalDeltaSpark(lake_root=str(lake), spark_master="local[2]").save("failures", overwrite=True)
    return {**saved_blocks, "backend": "local-delta-spark/failures", "lake": lake}


def run_log(lake, run_id):
    (row,) = [r for r in read_delta(lake / "bronze" / "run_context_log").to_pylist() if r["run_id"] == run_id]
    return row


def test_a_failing_run_is_finalised_failed(own_lake, tmp_path):
    from blocks import LocalLanding
    from flows.youtube_lakehouse import youtube_lakehouse

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("landing cannot be created below a file")
    LocalLanding(root=str(not_a_folder)).save("broken", overwrite=True)
    state = youtube_lakehouse(
        backend=own_lake["backend"], source=own_lake["source"], landing="local-landing/broken", return_state=True
    )
    assert state.is_failed()
    row = run_log(own_lake["lake"], str(state.state_details.flow_run_id))
    assert row["status"] == "FAILED" and row["finished_at_utc"] is not None
    assert "NotADirectoryError" in row["message"] or "FileExistsError" in row["message"]


def test_quota_exhaustion_keeps_fetched_pages_and_names_the_quota(own_lake):
    from blocks import ReplayYouTubeSource
    from flows.youtube_lakehouse import youtube_lakehouse

    ReplayYouTubeSource(recording="sample", quota_requests=15).save("quota", overwrite=True)
    state = youtube_lakehouse(
        backend=own_lake["backend"],
        source="youtube-replay-source/quota",
        landing=own_lake["landing_ref"],
        report=False,  # the page is tests/flows/test_report.py's
        return_state=True,
    )
    assert state.is_failed() and state.name == "QuotaExhausted"
    assert "quotaExceeded" in state.message and "kept" in state.message
    run_id = str(state.state_details.flow_run_id)
    row = run_log(own_lake["lake"], run_id)
    assert row["status"] == "QUOTA_EXHAUSTED" and "quota" in row["message"].lower()
    assert json.loads(row["api_units"])["youtube.videos.list"] >= 1
    kept = sum(
        1
        for t in ("trending_videos_raw", "video_categories_raw")
        for r in read_delta(own_lake["lake"] / "bronze" / t).column("run_id").to_pylist()
        if r == run_id
    )
    assert kept == 15  # every page answered before quotaExceeded reached Bronze
    analytics = read_delta(own_lake["lake"] / "bronze" / "analytics_channel_daily_raw").column("run_id").to_pylist()
    assert run_id not in analytics  # fetching stopped: no Analytics call after the quota ran out
    import time

    from prefect.client.orchestration import get_client

    deadline, mine = time.monotonic() + 30, []
    while not mine and time.monotonic() < deadline:  # events reach the store a moment later
        with get_client(sync_client=True) as client:
            events = client.request(
                "POST", "/events/filter", json={"filter": {"event": {"name": ["youtube.quota.exhausted"]}}, "limit": 50}
            ).json()["events"]
        mine = [e for e in events if e["payload"]["run_id"] == run_id] or time.sleep(1) or []
    assert len(mine) == 1 and "quotaExceeded" in mine[0]["payload"]["message"]  # what the notification hears


def test_unknown_block_reference_fails_clearly(prefect_server):
    from blocks.resolve import BlockReferenceError, load_backend

    with pytest.raises(BlockReferenceError, match="must look like"):
        load_backend("no-slash")
    with pytest.raises(BlockReferenceError, match="no block"):
        load_backend("local-delta-spark/does-not-exist")
    assert load_backend("local-delta-spark/default").lake_root == ".lake"  # built-in default, nothing saved


def test_a_retried_runs_fetches_come_back_from_the_result_store(saved_blocks):
    """A retried flow run keeps its run id: its finished fetches are Cached, YouTube is not asked again."""
    import uuid
    from datetime import date

    from prefect import flow

    from tasks.ingestion import fetch_data_api_snapshot

    run_id = f"retried-{uuid.uuid4()}"  # the result store outlives a test session
    args = (saved_blocks["source"], saved_blocks["landing_ref"], run_id, date(2026, 10, 28), ["US"], ["mine"])

    @flow
    def fetch_twice():
        return (fetch_data_api_snapshot(*args, return_state=True), fetch_data_api_snapshot(*args, return_state=True))

    first, second = fetch_twice()
    assert first.name == "Completed" and second.name == "Cached"
    assert second.result()["usage"] == first.result()["usage"]

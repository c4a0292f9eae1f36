"""A run killed with SIGKILL leaves its run-log row RUNNING; the next run finds it and finalises it
CRASHED (and tells Prefect, which an ad-hoc run's death cannot reach by itself)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT
from tests.flows.conftest import read_delta

pytestmark = [pytest.mark.spark, pytest.mark.prefect_server]

KILLED_RUN = """
from flows.youtube_lakehouse import youtube_lakehouse
youtube_lakehouse(backend="local-delta-spark/killed", source="youtube-replay-source/test",
                  landing="local-landing/killed")
"""


def _running_rows(lake):
    log = lake / "bronze" / "run_context_log"
    if not any((log / "_delta_log").glob("*.json")):  # not created yet, or its first commit in progress
        return []
    return [r for r in read_delta(log).to_pylist() if r["status"] == "RUNNING"]


@pytest.fixture(scope="module")
def killed(saved_blocks, tmp_path_factory):
    from prefect.settings import PREFECT_API_URL

    from blocks import LocalDeltaSpark, LocalLanding

    root = tmp_path_factory.mktemp("killed")
    LocalDeltaSpark(lake_root=str(root / "lake"), spark_master="local[1]").save("killed", overwrite=True)
    LocalLanding(root=str(root / "landing")).save("killed", overwrite=True)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN],
        cwd=REPO_ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not _running_rows(root / "lake") and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.5)
        rows = _running_rows(root / "lake")
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # the flow process and its Spark JVM, mid-run
        child.wait(timeout=60)
    assert len(rows) == 1, "the child run never wrote its RUNNING row"
    from reliability.lake import unreadable

    assert unreadable(root / "lake") == {}, "a table the kill left unreadable"
    return {"root": root, "lake": root / "lake", "row": rows[0], "killed_pid": child.pid}


def test_the_next_run_finalises_the_killed_runs_row_as_crashed(killed):
    from prefect.client.orchestration import get_client

    from flows.youtube_lakehouse import youtube_lakehouse

    killed_id = killed["row"]["run_id"]
    assert str(killed["killed_pid"]) in killed["row"]["flow_process"]
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(killed_id).state.type.value == "RUNNING"  # nothing told Prefect
    state = youtube_lakehouse(
        backend="local-delta-spark/killed",
        source="youtube-replay-source/test",
        landing="local-landing/killed",
        through="bronze",
        return_state=True,
    )
    assert state.is_completed()
    rows = {r["run_id"]: r for r in read_delta(killed["lake"] / "bronze" / "run_context_log").to_pylist()}
    row = rows[killed_id]
    assert row["status"] == "CRASHED" and row["finished_at_utc"] is not None
    next_id = str(state.state_details.flow_run_id)
    assert row["message"].startswith("found RUNNING at ") and f"by run {next_id}" in row["message"]
    assert "Prefect flow run state RUNNING, but its process is gone" in row["message"]
    assert f"pid {killed['killed_pid']}" in row["message"]
    assert rows[next_id]["status"] == "COMPLETED"
    with get_client(sync_client=True) as client:
        crashed = client.read_flow_run(killed_id).state
    assert crashed.type.value == "CRASHED" and "process gone" in crashed.message


def test_a_finalised_row_is_not_touched_again(killed):
    from tasks.jobs.run_log import finalise
    from tasks.spark.session import get_spark

    before = {r["run_id"]: r for r in read_delta(killed["lake"] / "bronze" / "run_context_log").to_pylist()}
    result = finalise(
        get_spark(),
        {
            "lake_root": str(killed["lake"]),
            "runs": [{"run_id": killed["row"]["run_id"], "status": "FAILED", "message": "second opinion"}],
        },
    )
    assert result == {"finalised": 0}
    after = {r["run_id"]: r for r in read_delta(killed["lake"] / "bronze" / "run_context_log").to_pylist()}
    assert after == before

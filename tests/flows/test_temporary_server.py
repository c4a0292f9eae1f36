"""Ad-hoc runs start Prefect's temporary server first thing, without the block catalogue (`flows.temporary_server`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from flows.temporary_server import QUICK_START, TemporaryServer, quick_temporary_server, start_temporary_server

REPO_ROOT = Path(__file__).resolve().parents[2]

# What an ad-hoc run does: start the server, prepare, run a flow whose task logs; save one of our blocks and load
# it back; then what the server holds.
AD_HOC = """
import json, sys
from prefect import flow, task, get_run_logger
from flows.temporary_server import start_temporary_server
server = start_temporary_server()
from prefect.client.orchestration import get_client
from prefect.logging.handlers import APILogWorker
from blocks import LocalDeltaSpark

@task
def say(word):
    get_run_logger().info("the task says %s", word)
    return word

@flow
def ad_hoc():
    return [f.result() for f in (say.submit("one"), say.submit("two"))]

starting = server.starting
url = server.ready()
words = ad_hoc()
LocalDeltaSpark(lake_root=sys.argv[1]).save("adhoc", overwrite=True)
loaded = LocalDeltaSpark.load("adhoc")
APILogWorker.drain_all(timeout=30, at_exit=False)
with get_client(sync_client=True) as client:
    slugs = sorted(t.slug for t in client.read_block_types())
    runs = client.read_flow_runs()
    logs = [log.message for log in client.read_logs()]
print(json.dumps({"starting": starting, "url": url, "port": server.port, "pid": server.process.pid, "words": words,
                  "runs": [r.state_name for r in runs], "logs": logs, "lake_root": loaded.lake_root,
                  "block_types": slugs, "server_stack_imported": "prefect.server.api.server" in sys.modules}))
"""


def _ad_hoc_env(tmp_path: Path) -> dict[str, str]:
    """An ad-hoc run's environment: no API URL, a fresh Prefect home, none of the suite's quick-start settings."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL" and k not in QUICK_START}
    env.update(
        {
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "PYTHONPATH": str(REPO_ROOT),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        }
    )
    return env


def test_only_a_run_without_an_api_url_changes_the_server_settings(monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if k not in QUICK_START})  # not the suite's
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert quick_temporary_server() is False
        server = start_temporary_server()
        assert server.starting is False and server.ready() == "http://127.0.0.1:4200/api"  # nothing started
    assert not any(name in os.environ for name in QUICK_START)

    monkeypatch.setenv("PREFECT_SERVER_REGISTER_BLOCKS_ON_START", "true")  # the user's choice stands
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert quick_temporary_server() is True
    assert os.environ["PREFECT_SERVER_REGISTER_BLOCKS_ON_START"] == "true"
    assert os.environ["PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION"] == "false"


def test_an_ad_hoc_run_uses_the_server_it_started_and_stops_it(tmp_path):
    env = _ad_hoc_env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", AD_HOC, str(tmp_path / "lake")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["starting"] is True
    assert out["url"] == f"http://127.0.0.1:{out['port']}/api"
    assert out["words"] == ["one", "two"] and out["runs"] == ["Completed"]  # the flow ran on that server
    assert {"the task says one", "the task says two"} <= set(out["logs"])  # and its logs went there
    assert "Starting temporary server" in done.stderr + done.stdout
    assert out["server_stack_imported"] is False  # Prefect did not start a server of its own
    assert not Path(f"/proc/{out['pid']}").exists()  # stopped when the run's process exited
    assert out["lake_root"] == str(tmp_path / "lake")
    assert "local-delta-spark" in out["block_types"]  # registered as it was saved
    assert "s3-bucket" not in out["block_types"]  # prefect-aws' catalogue was not imported on start


def test_a_server_that_does_not_answer_in_time_is_an_error_and_is_stopped():
    server = TemporaryServer()
    process = server.process
    with pytest.raises(RuntimeError, match="timed out waiting for the temporary Prefect server"):
        server.ready(timeout=0.05)
    assert process.wait(timeout=10) is not None and server.process is None
    assert os.environ.get("PREFECT_API_URL") != server.api_url


KILLED = """
import json, os, signal, sys
from flows.temporary_server import start_temporary_server
server = start_temporary_server()
server.ready()
print(json.dumps({"pid": server.process.pid}), flush=True)
os.kill(os.getpid(), getattr(signal, sys.argv[1]))
"""


def _gone(pid: int, within_s: float) -> bool:
    """The process exited (a zombie nobody reaped yet counts: it runs nothing and holds no port)."""
    import time

    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGTERM"])
def test_a_killed_run_leaves_no_server_behind(tmp_path, signal_name):
    env = _ad_hoc_env(tmp_path)
    out, err = tmp_path / "stdout", tmp_path / "stderr"  # files, not pipes: a server left behind holds them open
    with out.open("w") as stdout, err.open("w") as stderr:
        done = subprocess.run(
            [sys.executable, "-c", KILLED, signal_name],
            cwd=REPO_ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            timeout=300,
        )
    assert done.returncode == -getattr(signal, signal_name), err.read_text()[-3000:]  # no atexit ran
    pid = json.loads(out.read_text().strip().splitlines()[-1])["pid"]
    gone = _gone(pid, within_s=20)
    if not gone:
        os.kill(pid, signal.SIGTERM)  # not left running for the rest of the suite
    assert gone, f"the temporary server (pid {pid}) outlived the run killed by {signal_name}"

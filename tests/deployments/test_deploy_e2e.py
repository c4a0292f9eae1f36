"""Deployed for real: `prefect server start` on loopback, the bootstrap, `prefect --no-prompt deploy --all`, a
process worker beside a kept Spark driver (docs/kept-driver.md); a `youtube.landing.written` event then runs
`bronze-to-silver`, whose event runs `gold`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from blocks.compute import KEPT_DRIVER_ENV
from tests.conftest import REPO_ROOT

PREFECT = [sys.executable, "-m", "prefect"]
WINDOW = {"window_start": "2026-10-01", "window_end": "2026-10-30"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(predicate, timeout: float, what: str, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    root = tmp_path_factory.mktemp("deployed")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(root / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "2",  # the worker polls every 10 s by default: idle time between the runs
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "YOUTUBE_LAKEHOUSE_HOME": str(REPO_ROOT),
        "YOUTUBE_LAKEHOUSE_LAKE_ROOT": str(root / "lake"),
        "YOUTUBE_LAKEHOUSE_LANDING_ROOT": str(root / "landing"),
    }
    for key in [k for k in env if k.startswith(("YOUTUBE_API", "DATABRICKS_", "YOUTUBE_CLIENT", "YOUTUBE_REFRESH"))]:
        env.pop(key)
    logs = root / "logs"
    logs.mkdir()
    processes = []

    def start(name, args):
        out = open(logs / f"{name}.log", "wb")
        processes.append(
            subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        )

    def run(args, timeout=300):
        done = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    driver = root / "driver.json"
    try:  # the kept driver starts while the server starts and the deployments are made
        start("driver", [sys.executable, "-m", "tasks.spark.kept_driver_server", "--info", str(driver)])
        start("server", [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)])
        _wait(lambda: _healthy(api), 180, "the Prefect server")
        bootstrap = run([sys.executable, "-m", "deployments.bootstrap"])
        run([sys.executable, "-m", "deployments.bootstrap"])  # idempotent
        deployed_out = run([*PREFECT, "--no-prompt", "deploy", "--all"], timeout=600)
        _wait(lambda: driver.exists() or processes[0].poll() is not None, 300, "the kept driver")
        assert driver.exists(), (logs / "driver.log").read_text()[-3000:]
        env[KEPT_DRIVER_ENV] = str(driver)  # the worker's flow runs inherit it (the default block names none)
        start("worker", [*PREFECT, "worker", "start", "--pool", "youtube-lakehouse-process", "--type", "process"])
        yield {
            "api": api,
            "env": env,
            "root": root,
            "run": run,
            "logs": logs,
            "bootstrap": bootstrap,
            "deploy": deployed_out,
        }
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _runs(api: str, deployment: str) -> list[dict]:
    deployments = httpx.post(
        f"{api}/deployments/filter", json={"deployments": {"name": {"any_": [deployment]}}}, timeout=10
    ).json()
    if not deployments:
        return []
    return httpx.post(
        f"{api}/flow_runs/filter",
        json={"flow_runs": {"deployment_id": {"any_": [d["id"] for d in deployments]}}},
        timeout=10,
    ).json()


def _finished(api: str, deployment: str) -> dict | None:
    runs = _runs(api, deployment)
    for run in runs:
        if run["state"]["type"] in ("FAILED", "CRASHED", "CANCELLED"):
            raise AssertionError(f"{deployment} run ended {run['state']['type']}: {run['state'].get('message')}")
    return next((r for r in runs if r["state"]["type"] == "COMPLETED"), None)


def test_every_deployment_is_created_with_its_schedule_and_triggers(deployed):
    api = deployed["api"]
    names = {d["name"]: d for d in httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json()}
    assert {"daily", "daily-dev", "sample", "backfill", "ingest", "bronze-to-silver", "gold", "maintenance"} <= set(
        names
    )
    assert names["maintenance"]["schedules"][0]["schedule"]["cron"] == "0 3 * * 0"
    assert names["daily"]["schedules"][0]["active"] is True
    assert names["daily-dev"]["schedules"][0]["active"] is False
    automations = httpx.post(f"{api}/automations/filter", json={}, timeout=10).json()
    expects = sorted(e for a in automations for e in a["trigger"].get("expect", []))
    assert expects == ["youtube.landing.written", "youtube.silver.updated"]
    assert "work pool: youtube-lakehouse-process (process)" in deployed["bootstrap"]


def test_landing_event_runs_bronze_to_silver_then_gold_with_its_window(deployed):
    api, run = deployed["api"], deployed["run"]
    # Bronze needs a run's pages: the ingest deployment on the sample, told that no event chain follows it. The
    # chain, not the data, is under test here: one region's trending charts (Gold's trending models), no channel.
    run(
        [
            *PREFECT,
            "deployment",
            "run",
            "ingest/ingest",
            "--param",
            "source=youtube-replay-source/sample",
            "--param",
            "downstream=parent",
            "--param",
            "start_date=2026-10-01",
            "--param",
            "end_date=2026-10-30",
            "--param",
            'regions=["US"]',
            "--param",
            "channels=[]",
        ]
    )
    ingest = _wait(lambda: _finished(api, "ingest"), 900, "the ingest run")
    assert not _runs(api, "bronze-to-silver"), "a parent-chained ingest must not trigger bronze-to-silver"
    emit = (
        "from prefect.events import emit_event\n"
        "emit_event(event='youtube.landing.written', resource={'prefect.resource.id': "
        f"'youtube-lakehouse.landing.{ingest['id']}', 'youtube-lakehouse.downstream': 'events'}}, "
        f"payload={{'run_id': '{ingest['id']}', 'backend': 'local-delta-spark/default', **{WINDOW!r}}})\n"
    )
    run([sys.executable, "-c", emit])
    silver = _wait(lambda: _finished(api, "bronze-to-silver"), 900, "the bronze-to-silver run")
    assert {k: silver["parameters"][k] for k in WINDOW} == WINDOW and silver["parameters"]["run_id"] == ingest["id"]
    gold = _wait(lambda: _finished(api, "gold"), 900, "the gold run")
    assert {k: gold["parameters"][k] for k in WINDOW} == WINDOW
    assert (deployed["root"] / "lake" / "gold" / "gold_trending_category_daily" / "_delta_log").is_dir()
    worker_log = (deployed["logs"] / "worker.log").read_text(errors="replace")
    assert worker_log.count("attached to the kept Spark driver") == 3, "each run attaches to the kept driver"


def test_the_notification_automation_is_deployed_disabled_then_notifies_through_a_block(deployed):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from deployments.notifications import NAME

    api, run = deployed["api"], deployed["run"]
    (automation,) = [
        a for a in httpx.post(f"{api}/automations/filter", json={}, timeout=10).json() if a["name"] == NAME
    ]
    assert automation["enabled"] is False and automation["actions"][0]["type"] == "do-nothing"

    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run(
            [
                sys.executable,
                "-c",
                "from prefect.blocks.notifications import CustomWebhookNotificationBlock as B; "
                f"B(name='hook', url='http://127.0.0.1:{server.server_port}/hook', "
                "json_data={'text': '{{body}}'}).save('alerts', overwrite=True)",
            ]
        )
        run([sys.executable, "-m", "deployments.notifications", "--block", "custom-webhook/alerts"])
        run(
            [
                sys.executable,
                "-c",
                "from prefect.events import emit_event; emit_event(event='youtube.quota.exhausted', "
                "resource={'prefect.resource.id': 'youtube-lakehouse.quota.test', "
                "'prefect.resource.name': 'test run'}, "
                "payload={'endpoint': 'youtube.videos.list'})",
            ]
        )
        _wait(lambda: received, 120, "the notification webhook", interval=1)
    finally:
        server.shutdown()
    assert "youtube.quota.exhausted" in received[0]["text"]

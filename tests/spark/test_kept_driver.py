"""A kept Spark driver (`tasks.spark.kept_driver`): runs in other processes attach to it, take turns, keep their SQL
settings to themselves, and leave it running; a run that cannot attach is told why."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import prefect.main  # noqa: F401 - sets up logging when first imported: before caplog adds its handler, not over it
import pytest

from tasks.spark.kept_driver import DriverInfo, DriverUnavailable, attach
from tasks.spark.kept_driver_server import KeptDriverProcess

REPO_ROOT = Path(__file__).resolve().parents[2]
MASTER = "local[1]"

# A run's process: the compute block's real path (job -> get_spark -> attach -> use_lake), then what it saw.
RUN = """
import json, sys, threading, time
from blocks import LocalDeltaSpark
from tasks.spark.session import attached_to_kept_driver, get_spark
lake, info, mode = sys.argv[1:4]
backend = LocalDeltaSpark(lake_root=lake, spark_master="local[1]", kept_driver=info)
spark = get_spark(master="local[1]", conf={}, lake_root=backend.lake_location(), kept_driver=info)
active_at_start = len(spark.sparkContext.statusTracker().getActiveJobsIds())
if mode == "first":
    backend.run_job("lakehouse_bootstrap", {})
counts = backend.run_job("table_counts", {"layers": ["bronze"]})
seen = spark.conf.get("spark.sql.shuffle.partitions")
spark.conf.set("spark.sql.shuffle.partitions", "7")
doubled = spark.sparkContext.parallelize([1, 2, 3]).map(lambda x: x * 2).collect()
print(json.dumps({"attached": attached_to_kept_driver(), "app": spark.sparkContext.applicationId,
                  "bronze": sorted(counts["bronze"]), "shuffle_partitions": seen, "doubled": doubled,
                  "active_jobs_at_start": active_at_start}), flush=True)
if mode == "stray-stop":
    spark.stop()
if mode == "busy":          # a job that would run for minutes, then this process is killed
    threading.Thread(target=lambda: spark.range(0, 10**12).filter("id % 7 = 3").count(), daemon=True).start()
    while not spark.sparkContext.statusTracker().getActiveJobsIds():
        time.sleep(0.1)
if mode in ("hold", "busy"):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "YOUTUBE_LAKEHOUSE_KEPT_DRIVER"}
    return {**env, "PYTHONPATH": str(REPO_ROOT)}


def _run(lake: Path, info: Path, which: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(lake), str(info), which],
        cwd=REPO_ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def kept_driver(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kept-driver")
    with KeptDriverProcess(folder / "driver.json", master=MASTER, env=_env()) as driver:
        yield driver


def _start(lake: Path, info: Path, mode: str) -> tuple[subprocess.Popen, dict]:
    """A run that stays attached until its stdin gets a line (or it is killed); what it printed."""
    run = subprocess.Popen(
        [sys.executable, "-c", RUN, str(lake), str(info), mode],
        cwd=REPO_ROOT,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = [run.stdout.readline() for _ in range(2)]
    assert lines[1].strip() == "holding", lines
    return run, json.loads(lines[0])


def test_runs_attach_take_turns_and_leave_the_driver_running(kept_driver, tmp_path):
    from tasks.spark.session import _settings

    service, info, log = kept_driver.process, kept_driver.info, kept_driver.log
    assert stat.S_IMODE(info.stat().st_mode) == 0o600
    lake = tmp_path / "lake"

    first = _run(lake, info, "first")
    assert first["attached"] is True
    assert "videos_raw" in first["bronze"]  # the bootstrap job wrote the lake through the driver
    assert first["doubled"] == [2, 4, 6]  # Python workers started by the kept JVM
    assert first["shuffle_partitions"] == "2"

    holder, second = _start(lake, info, "hold")
    try:
        with pytest.raises(DriverUnavailable, match="serving another run"):
            attach(info, MASTER, _settings(MASTER, {}))
    finally:
        holder.communicate("\n", timeout=120)
    assert holder.returncode == 0
    assert second["attached"] is True and second["app"] == first["app"]  # the same JVM and SparkContext
    assert second["bronze"] == first["bronze"]  # the lake registered for this run
    assert second["shuffle_partitions"] == "2"  # the first run's SQL setting died with its session

    stray = _run(lake, info, "stray-stop")  # a run that calls spark.stop() lets go, stops nothing
    assert stray["attached"] is True and stray["app"] == first["app"]

    busy, _ = _start(lake, info, "busy")  # killed with a job running in the driver
    busy.kill()
    busy.wait(timeout=60)
    after = _run(lake, info, "again")  # its turn came back; its job was cancelled first
    assert after["attached"] is True and after["app"] == first["app"]
    assert after["active_jobs_at_start"] == 0
    assert after["bronze"] == first["bronze"]
    assert service.poll() is None

    assert DriverInfo.read(info).secret not in log.read_text()
    service.send_signal(signal.SIGTERM)
    assert service.wait(timeout=180) == 0
    assert not info.exists()


def test_a_run_is_told_why_it_cannot_attach(tmp_path, caplog):
    from tasks.spark.session import _attach, _settings

    info = tmp_path / "driver.json"
    wanted = _settings(MASTER, {})
    with pytest.raises(DriverUnavailable, match="does not exist"):
        attach(info, MASTER, wanted)
    with caplog.at_level("WARNING"):
        assert _attach(str(info), MASTER, wanted) is None  # get_spark then builds the process's own
    assert "does not exist; this run starts its own Spark driver" in caplog.text

    info.write_text("{not json")
    with pytest.raises(DriverUnavailable, match="unreadable"):
        attach(info, MASTER, wanted)

    from tasks.processes import this_process

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    DriverInfo(
        port=1,
        secret="s",
        process={**this_process(), "pid": int(gone.stdout), "start_ticks": None},
        master=MASTER,
        settings=wanted,
    ).write(info)
    with pytest.raises(DriverUnavailable, match="is not running"):
        attach(info, MASTER, wanted)
    DriverInfo(
        port=1,
        secret="s",
        process={**this_process(), "start_ticks": "1"},  # this pid, another process
        master=MASTER,
        settings=wanted,
    ).write(info)
    with pytest.raises(DriverUnavailable, match="is not running"):
        attach(info, MASTER, wanted)

    DriverInfo(port=1, secret="s", process=this_process(), master=MASTER, settings=wanted).write(info)
    with pytest.raises(DriverUnavailable, match=r"spark.sql.shuffle.partitions='2' \(run asks '8'\)"):
        attach(info, MASTER, _settings(MASTER, {"spark.sql.shuffle.partitions": "8"}))
    with pytest.raises(DriverUnavailable, match="master 'local\\[1\\]'"):
        attach(info, "local[2]", _settings("local[2]", {}))
    with pytest.raises(DriverUnavailable, match="cannot reach"):  # alive pid, nothing listening on the port
        attach(info, MASTER, wanted)


def test_the_block_falls_back_to_the_environment(monkeypatch):
    from blocks import LocalDeltaSpark

    monkeypatch.delenv("YOUTUBE_LAKEHOUSE_KEPT_DRIVER", raising=False)
    assert LocalDeltaSpark().kept_driver_file() is None
    monkeypatch.setenv("YOUTUBE_LAKEHOUSE_KEPT_DRIVER", "/run/driver.json")
    assert LocalDeltaSpark().kept_driver_file() == "/run/driver.json"
    assert LocalDeltaSpark(kept_driver="/srv/other.json").kept_driver_file() == "/srv/other.json"

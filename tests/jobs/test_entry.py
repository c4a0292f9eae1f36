"""The job entry file, run as its own process the way Databricks runs it."""

import json
import subprocess
import sys

import pytest

from tasks.jobs import JOBS, UnknownJobError, resolve_job
from tasks.jobs.entry import METRICS_PREFIX, parse_args
from tests.conftest import REPO_ROOT


def test_every_registered_job_resolves():
    for name in JOBS:
        assert callable(resolve_job(name))
    with pytest.raises(UnknownJobError, match="bronze_load"):
        resolve_job("no_such_job")


def test_arguments():
    args = parse_args(["silver_build", "--params", '{"full_refresh": true}', "--metrics-out", "/tmp/m.json"])
    assert args.job == "silver_build" and json.loads(args.params) == {"full_refresh": True}


@pytest.mark.spark
def test_a_job_runs_as_a_standalone_process(tmp_path):
    lake = tmp_path / "lake"
    out = tmp_path / "metrics.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tasks.jobs.entry",
            "bronze_bootstrap",
            "--master",
            "local[1]",
            "--params",
            json.dumps({"lake_root": str(lake)}),
            "--metrics-out",
            str(out),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    printed = [line for line in done.stdout.splitlines() if line.startswith(METRICS_PREFIX)]
    assert json.loads(printed[0][len(METRICS_PREFIX) :]) == json.loads(out.read_text())
    assert "bronze.quarantine" in json.loads(out.read_text())["tables"]
    assert (lake / "bronze" / "videos_raw" / "_delta_log").is_dir()

"""A full disk or a read-only lake is told in one sentence: unit cases, then a real Spark job on a lake
mounted full / read-only (needs root to mount; skipped otherwise)."""

from __future__ import annotations

import errno
import subprocess

import pytest

from tasks.storage_errors import LakeStorageError, explain, storage_problem


def test_storage_problems_are_found_behind_other_exceptions():
    inner = OSError(errno.ENOSPC, "No space left on device")
    try:
        try:
            raise inner
        except OSError as exc:
            raise RuntimeError("job failed") from exc
    except RuntimeError as outer:
        assert storage_problem(outer) == "the disk is full (No space left on device)"
    java = RuntimeError("An error occurred while calling o77.save.\n: java.io.IOException: Read-only file system")
    assert storage_problem(java) == "the file system is read-only (Read-only file system)"
    assert storage_problem(ValueError("bad row")) is None
    error = explain(java, "Spark job bronze_load", "the lake at /x")
    assert isinstance(error, LakeStorageError) and str(error).startswith(
        "Spark job bronze_load could not write to the lake at /x: the file system is read-only"
    )


def _mount(*args):
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def mounted(tmp_path):
    target = tmp_path / "lake"
    target.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(target))
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield target
    subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.mark.spark
def test_a_job_on_a_full_lake_says_the_disk_is_full(spark, mounted):
    from blocks import LocalDeltaSpark

    with pytest.raises(OSError), (mounted / "filler").open("wb") as filler:
        while True:  # until the tmpfs is full
            filler.write(b"\0" * 4096)
            filler.flush()
    with pytest.raises(LakeStorageError, match="could not write to the lake at .*: the disk is full"):
        LocalDeltaSpark(lake_root=str(mounted)).run_job("lakehouse_bootstrap", {})


@pytest.mark.spark
def test_a_job_on_a_read_only_lake_says_so(spark, mounted):
    from blocks import LocalDeltaSpark

    lake = LocalDeltaSpark(lake_root=str(mounted))
    lake.run_job("run_log_start", {"run_id": "r1", "flow_name": "test", "parameters": {}})  # a lake in use
    _mount("-o", "remount,ro", str(mounted))
    with pytest.raises(LakeStorageError, match="the file system is read-only"):
        lake.run_job("run_log_start", {"run_id": "r2", "flow_name": "test", "parameters": {}})

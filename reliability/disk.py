"""Probe 6, a full disk and a read-only lake: the run fails with a message that says so, and once there is
room (or the mount is writable again) the next run completes with the clean run's tables.

The lake is put on a small tmpfs (full) or bind-mounted read-only, which needs root (as in CI); without
it the probe says it did not run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from reliability.lake import differences, snapshot, unreadable
from reliability.runs import Bench, Lake, failure, run, run_log, tail

SIGNS = {"full": "No space left on device", "read-only": "Read-only file system"}


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def can_mount(scratch: Path) -> str | None:
    """None when tmpfs and bind mounts work here, else why not."""
    target = scratch / "mount-check"
    target.mkdir(parents=True, exist_ok=True)
    try:
        _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(target))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        return f"mount not permitted here ({getattr(exc, 'stderr', exc)!s})".strip()
    _umount(target)
    return None


def _failure(log: Path, sign: str) -> dict[str, Any]:
    text = log.read_text(errors="replace")
    last = [line for line in text.splitlines() if line.startswith("youtube_lakehouse finished")]
    return {"says_why": sign in (last[-1] if last else ""), "final_line": (last[-1] if last else tail(log, 3))[:400]}


def _recover(bench: Bench, lake: Lake, name: str) -> dict[str, Any]:
    code, seconds = run(lake, bench.env, bench.log(name))
    open_rows = [r["run_id"] for r in run_log(lake.lake) if r["status"] == "RUNNING"]
    diff = differences(bench.reference, snapshot(lake.lake)) if code == 0 else [f"failed: {failure(bench.log(name))}"]
    return {
        "rerun_exit": code,
        "rerun_s": round(seconds, 1),
        "differences": diff,
        "unreadable": unreadable(lake.lake),
        "left_running": open_rows,
    }


def disk_full(bench: Bench, reference_bytes: int) -> dict[str, Any]:
    lake = bench.fresh("disk-full")
    lake.lake.mkdir()
    size = max(1 << 20, reference_bytes // 2)
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(lake.lake))
    try:
        code, _ = run(lake, bench.env, bench.log("disk-full"))
        failure = _failure(bench.log("disk-full"), SIGNS["full"])
        _mount("-o", "remount,size=4g", str(lake.lake))
        recovered = _recover(bench, lake, "disk-full-rerun")
    finally:
        _umount(lake.lake)
    return {
        "case": f"lake on a {size / 2**20:.1f} MiB tmpfs (half the clean lake)",
        "exit": code,
        **failure,
        **recovered,
    }


def read_only(bench: Bench, built: Lake) -> dict[str, Any]:
    """`built`: a lake a probe has already run to completion (saves one run)."""
    lake = bench.fresh("read-only")
    shutil.copytree(built.lake, lake.lake)
    _mount("--bind", str(lake.lake), str(lake.lake))
    try:
        _mount("-o", "remount,bind,ro", str(lake.lake))
        code, _ = run(lake, bench.env, bench.log("read-only"))
        failure = _failure(bench.log("read-only"), SIGNS["read-only"])
    finally:
        _umount(lake.lake)
    return {"case": "lake bind-mounted read-only", "exit": code, **failure, **_recover(bench, lake, "read-only-rerun")}


def probe(bench: Bench, reference_bytes: int, built: Lake) -> dict[str, Any]:
    why_not = can_mount(bench.work)
    if why_not:
        return {
            "probe": "disk full / read-only lake",
            "trials": 0,
            "held": 0,
            "done": "not run",
            "figure": why_not,
            "trials_detail": [],
        }
    trials = [disk_full(bench, reference_bytes), read_only(bench, built)]
    for t in trials:
        t["held"] = (
            t["exit"] != 0
            and t["says_why"]
            and t["rerun_exit"] == 0
            and not t["differences"]
            and not t["unreadable"]
            and not t["left_running"]
        )
        print(f"    {t['case']}: {'held' if t['held'] else 'NOT held'}", flush=True)
    held = sum(t["held"] for t in trials)
    return {
        "probe": "disk full / read-only lake",
        "trials": len(trials),
        "held": held,
        "done": "a run on a full tmpfs, a run on a read-only bind mount; then room made / mount writable, and a re-run",
        "figure": f"{held}/{len(trials)}: the run failed saying why (`No space left on device`, `Read-only file "
        "system` in its final message), the next run completed with the clean run's tables and "
        "finalised the failed run's row",
        "trials_detail": trials,
    }

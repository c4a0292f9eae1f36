"""The benchmark's measuring tools (the benchmark itself runs with `make bench`, not in the suite)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from bench.delta_rows import rows_written_since
from bench.rss import TreeSampler, tree_rss, tree_rss_by_process
from bench.run import bench_config, phase_windows, report

REPO = Path(__file__).resolve().parents[2]


def test_tree_rss_counts_child_processes():
    before = tree_rss(os.getpid())
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; x = bytearray(300 * 2**20); print('ready', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        with TreeSampler(os.getpid(), interval_s=0.05) as sampler:
            time.sleep(0.3)
        assert tree_rss(os.getpid()) - before > 250 * 2**20
        assert sampler.peak() - before > 250 * 2**20
        held = tree_rss_by_process(os.getpid())
        assert held[child.pid][1] > 250 * 2**20
        assert held[child.pid][0] == os.path.basename(sys.executable)  # kind of a `python -c` process
        assert sampler.kind_peaks()[held[child.pid][0]] > 250 * 2**20
        assert sum(sampler.peak_by_kind().values()) == sampler.peak()
    finally:
        child.kill()
        child.wait()
    assert tree_rss(child.pid) == 0  # gone: nothing to count


# Run in a fresh interpreter: its process tree holds only the children below, while a test worker's tree holds
# its JVM and Prefect server, whose own children end and are reaped (or re-parented) at any moment.
TREE_CPU_SCENARIO = """
import json, os, subprocess, sys
from bench.cpu import tree_cpu_seconds
burn = "import time\\nend = time.process_time() + 0.6\\nwhile time.process_time() < end: pass\\n"
before = tree_cpu_seconds(os.getpid())
child = subprocess.Popen(
    [sys.executable, "-c", burn + "print('done', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True
)
try:
    ready = child.stdout.readline().strip()
    live = tree_cpu_seconds(os.getpid()) - before
finally:
    child.kill()
    child.wait()
reaped = tree_cpu_seconds(os.getpid())
subprocess.run([sys.executable, "-c", burn], check=True)
print(json.dumps({"ready": ready, "live": live, "reaped": tree_cpu_seconds(os.getpid()) - reaped}))
"""


def test_tree_cpu_counts_live_and_reaped_children():
    out = subprocess.run(
        [sys.executable, "-c", TREE_CPU_SCENARIO], check=True, capture_output=True, text=True, timeout=60, cwd=REPO
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["ready"] == "done"
    assert got["live"] >= 0.5  # the live child's own CPU
    assert got["reaped"] >= 0.5  # an ended, waited-for child: in our own count


def test_rows_written_come_from_the_delta_log(tmp_path):
    import pyarrow as pa
    from deltalake import write_deltalake

    table = tmp_path / "silver" / "t"
    write_deltalake(str(table), pa.table({"a": [1, 2, 3]}))
    middle = time.time()
    time.sleep(0.05)
    write_deltalake(str(table), pa.table({"a": [4, 5]}), mode="append")
    assert rows_written_since(tmp_path, 0) == {"silver.t": 5}
    assert rows_written_since(tmp_path, middle) == {"silver.t": 2}


def test_medium_phases_cover_30_and_365_days_then_one_more_day():
    config = bench_config("medium")
    windows = phase_windows(config)
    span = {name: (end - start).days + 1 for name, (start, end) in windows.items()}
    assert span == {"history-short": 30, "history-long": 365, "incremental": 7}
    assert windows["history-short"][1] == windows["history-long"][1] == config.analytics_end - timedelta(days=1)
    assert windows["incremental"][1] == config.analytics_end
    assert windows["history-long"][0] == config.analytics_start
    assert config.videos_per_channel == (2000,) and len(config.regions) == 10 and config.snapshot_days == 91


def _figures(wall: float) -> dict:
    return {
        "wall_s": wall,
        "seconds": {"ingest": wall / 2},
        "subflows": {"ingest": [0, wall / 2]},
        "subflow_peak_rss": {"ingest": 2**30},
        "peak_rss": 2**31,
        "rows": {"bronze.videos_raw": 10},
        "api_usage": {"youtube.videos.list": {"requests": 3, "units": 3}},
    }


def test_report_states_the_incremental_ratio():
    config = bench_config("small")
    phases = {
        "history-short": _figures(100),
        "incremental-after-short": _figures(40),
        "history-long": _figures(300),
        "incremental-after-long": _figures(50),
    }
    phases["incremental-after-short"]["silver_sizing"] = {
        "bronze_bytes_read": 6 * 2**20,
        "parallel_steps": 3,
        "interpreted": True,
    }
    phases["history-long"]["silver_sizing"] = {
        "bronze_bytes_read": 900 * 2**20,
        "parallel_steps": 1,
        "interpreted": False,
    }
    text, ratio = report(
        "small", config, {"seconds": 1, "responses": 10, "bytes": 2**20}, phases, phase_windows(config)
    )
    assert ratio == pytest.approx(1.25)
    assert "incremental ratio: 1.25" in text.splitlines()
    assert "| ingest | 20.0 | 10 | 0 | 1,024 | 3 | 3 |" in text
    lines = text.splitlines()
    assert (
        "Silver sized the run by 6.0 MiB of Bronze to read: 3 step(s) at once, interpreted evaluation."
        in lines[lines.index("## incremental-after-short") : lines.index("## history-long")]
    )
    assert "Silver sized the run by 900.0 MiB of Bronze to read: 1 step(s) at once, compiled evaluation." in lines


def test_recorded_windows_answer_each_window_run(tmp_path):
    from blocks.landing import LocalLanding
    from tasks.landing import Lander
    from tasks.youtube.clients import build_analytics_api
    from tasks.youtube.executor import ApiExecutor
    from tasks.youtube.ingest_plan import fetch_analytics
    from tasks.youtube.replay import Recording, ReplayHttp
    from youtube_sim.generate import generate
    from youtube_sim.synth import World, WorldConfig

    config = WorldConfig(
        regions=("US",),
        chartless_regions=(),
        videos_per_channel=(6,),
        snapshot_days=3,
        analytics_days=12,
        snapshot_end=date(2026, 10, 30),
    )
    windows = [(date(2026, 10, 19), date(2026, 10, 29)), (date(2026, 10, 24), date(2026, 10, 30))]
    recording = Recording.load(generate(tmp_path / "rec", config, windows=windows))
    assert recording.manifest["analytics_windows"] == [["2026-10-19", "2026-10-29"], ["2026-10-24", "2026-10-30"]]
    world = World(config)
    for (start, end), as_of in zip(windows, (date(2026, 10, 29), date(2026, 10, 30)), strict=True):
        channel = world.channels[0]
        visible = [v for v in channel.video_ids if world.visible(world.videos[v], as_of)]
        lander = Lander(LocalLanding(root=str(tmp_path / "landing")), run_id=f"r{as_of}", source="replay")
        outcome = fetch_analytics(
            build_analytics_api(http=ReplayHttp(recording)),
            lander,
            as_of,
            {channel.id: {"ref": "mine", "video_ids": visible}},
            start,
            end,
            ApiExecutor(sleep=lambda s: None),
        )
        assert outcome.failures == [] and sum(outcome.pages.values()) > len(visible) * (end - start).days


def test_a_fork_that_has_not_exec_d_is_not_counted_twice():
    # The child forks a grandchild that never execs: same command line, the same pages (copy on write).
    script = (
        "import os, sys, time; x = bytearray(300 * 2**20); x[::4096] = b'x' * len(x[::4096]); "
        "pid = os.fork()\nif pid == 0: time.sleep(30); os._exit(0)\n"
        "print(pid, flush=True); time.sleep(30)"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(child.stdout.readline())
        held = tree_rss_by_process(child.pid)
        assert child.pid in held and grandchild not in held
        assert held[child.pid][1] > 250 * 2**20
    finally:
        child.kill()
        child.wait()
        os.kill(grandchild, signal.SIGKILL)

"""Probe 3, overlapping runs: two, then three runs of the same window on one lake, started seconds apart.
The rule (tasks/lake_lock.py): runs that write one lake take turns on a Prefect global concurrency limit
keyed by the lake. Each must complete, their times in the lake must not overlap, and the tables must be
the clean run's: nothing corrupt, lost or doubled."""

from __future__ import annotations

import itertools
import time
from typing import Any

from reliability.lake import differences, snapshot, unreadable
from reliability.runs import Bench, finish, run_log, start


def trial(bench: Bench, runs: int, stagger_s: float) -> dict[str, Any]:
    lake = bench.fresh(f"overlap-{runs}")
    processes = []
    started = time.monotonic()
    for i in range(runs):
        processes.append(start(lake, bench.env, bench.log(f"overlap-{runs}-{i}")))
        time.sleep(stagger_s)
    codes = [finish(p, timeout_s=600 * runs) for p in processes]
    seconds = time.monotonic() - started
    rows = run_log(lake.lake)
    spans = sorted((r["started_at_utc"], r["finished_at_utc"]) for r in rows)
    overlapping = sum(1 for (_, end), (begin, _) in itertools.pairwise(spans) if end is None or begin < end)
    diff = differences(bench.reference, snapshot(lake.lake))
    broken = unreadable(lake.lake)
    statuses = [r["status"] for r in rows]
    held = codes == [0] * runs and statuses == ["COMPLETED"] * runs and not overlapping and not diff and not broken
    return {
        "runs": runs,
        "stagger_s": stagger_s,
        "exits": codes,
        "statuses": statuses,
        "seconds": round(seconds, 1),
        "overlapping_spans": overlapping,
        "differences": diff,
        "unreadable": broken,
        "held": held,
    }


def probe(bench: Bench, sizes: tuple[int, ...] = (2, 3), stagger_s: float = 3.0) -> dict[str, Any]:
    trials = []
    for runs in sizes:
        result = trial(bench, runs, stagger_s)
        print(f"    {runs} runs {stagger_s:.0f} s apart: {'held' if result['held'] else 'NOT held'}", flush=True)
        trials.append(result)
    held = sum(t["held"] for t in trials)
    walls = " / ".join(f"{t['seconds']:.0f} s" for t in trials)
    return {
        "probe": "overlapping runs on one lake",
        "trials": len(trials),
        "held": held,
        "done": f"{' and '.join(str(n) for n in sizes)} runs of the same window started {stagger_s:.0f} s apart "
        "on one lake; rule: they take turns on the lake's global concurrency limit",
        "figure": f"{held}/{len(trials)}: all completed, run-log spans never overlapped, tables equal to the "
        f"clean run (no lost or doubled rows); wall {walls}",
        "trials_detail": trials,
    }

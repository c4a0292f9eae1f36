"""Probe 2, kills: SIGKILL the run's whole process group at points spread over every stage, then run
again on the same lake. Every Delta table must stay readable, the re-run must give the clean run's
Silver and Gold, and it must finalise the killed run's `run_context_log` row.

Kill points come from the clean run's own trace: when each landing page, each table's last commit of
the run and the report appeared. A trial starts a fresh lake, waits for its point's file to appear,
and kills at once (or after a short delay, to land inside the step that follows)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliability.lake import delta_tables, differences, snapshot, unreadable
from reliability.runs import Bench, finish, kill_group, run, run_log, start, tail


@dataclass(frozen=True)
class KillPoint:
    stage: str
    what: str
    glob: str            # relative to the trial's folder (lake/..., landing/...)
    count: int           # kill once this many files match
    delay_s: float = 0.0

    def reached(self, root: Path) -> bool:
        return sum(1 for _ in root.glob(self.glob)) >= self.count


def _commits(table: Path) -> int:
    return sum(1 for _ in (table / "_delta_log").glob("*.json"))


def _spread(items: list[Any], n: int) -> list[Any]:
    if len(items) <= n:
        return items
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)] if n > 1 else items[:1]


def kill_points(reference_root: Path) -> list[KillPoint]:
    """Twelve points over every stage of the clean run found in `reference_root`."""
    pages = sorted((p for p in (reference_root / "landing").rglob("*") if p.is_file() and "_state" not in p.parts),
                   key=lambda p: p.stat().st_mtime)
    points = [KillPoint("landing", "first page landed", "landing/**/*.jsonl", 1),
              KillPoint("landing", "half the pages landed", "landing/**/*.jsonl",
                        max(1, sum(1 for p in pages if p.suffix == ".jsonl") // 2))]
    written: dict[str, list[tuple[float, Path]]] = {"bronze": [], "silver": [], "gold": []}
    for table in delta_tables(reference_root / "lake"):
        if table.name in ("run_context_log",):
            continue
        last = max((table / "_delta_log").glob("*.json"), key=lambda p: p.stat().st_mtime)
        written[table.parent.name].append((last.stat().st_mtime, table))
    for layer, n in (("bronze", 2), ("silver", 4), ("gold", 2)):
        for _, table in _spread(sorted(written[layer]), n):
            points.append(KillPoint(layer, f"{layer}.{table.name} written", f"lake/{layer}/{table.name}/_delta_log/*.json",
                                    _commits(table)))
    points.append(KillPoint("report", "report page written", "lake/reports/latest/index.html", 1))
    points.append(KillPoint("run log", "run log finish (1.5 s after the report)", "lake/reports/latest/index.html", 1,
                            delay_s=1.5))
    return points


def trial(bench: Bench, index: int, point: KillPoint) -> dict[str, Any]:
    lake = bench.fresh(f"kill-{index:02d}")
    log = bench.log(f"kill-{index:02d}")
    process = start(lake, bench.env, log)
    started = time.monotonic()
    while process.poll() is None and not point.reached(lake.root) and time.monotonic() - started < 900:
        time.sleep(0.1)
    if process.poll() is not None or not point.reached(lake.root):
        finish(process)
        return {"point": point.what, "stage": point.stage, "killed": False,
                "why": f"the run ended (exit {process.returncode}) before the point", "held": False}
    time.sleep(point.delay_s)
    killed_after = time.monotonic() - started
    kill_group(process)
    broken_after_kill = unreadable(lake.lake)
    killed_rows = [r["run_id"] for r in run_log(lake.lake) if r["status"] == "RUNNING"]
    code, seconds = run(lake, bench.env, bench.log(f"kill-{index:02d}-rerun"))
    rows = {r["run_id"]: r for r in run_log(lake.lake)}
    finalised = all(rows[r]["status"] == "CRASHED" for r in killed_rows)
    diff = differences(bench.reference, snapshot(lake.lake)) if code == 0 else [f"re-run failed:\n{tail(log)}"]
    broken = unreadable(lake.lake)
    held = not broken_after_kill and not broken and code == 0 and not diff and finalised
    return {"point": point.what, "stage": point.stage, "killed": True, "killed_after_s": round(killed_after, 1),
            "readable_after_kill": not broken_after_kill, "unreadable": {**broken_after_kill, **broken},
            "rerun_exit": code, "rerun_s": round(seconds, 1), "differences": diff,
            "killed_rows": killed_rows, "killed_row_finalised": finalised, "held": held}


def probe(bench: Bench, reference_root: Path, limit: int | None = None) -> dict[str, Any]:
    points = kill_points(reference_root)[:limit]
    trials = []
    for i, point in enumerate(points):
        result = trial(bench, i, point)
        print(f"    kill {i + 1}/{len(points)} at {point.stage}: {point.what}: "
              f"{'held' if result['held'] else 'NOT held'}", flush=True)
        trials.append(result)
    held = sum(t["held"] for t in trials)
    stages = sorted({t["stage"] for t in trials if t["killed"]})
    return {"probe": "SIGKILL mid-run, then a re-run", "trials": len(trials), "held": held,
            "done": f"{sum(t['killed'] for t in trials)} kills of the whole process group at points in "
                    f"{', '.join(stages)}; re-run on the same lake",
            "figure": f"{held}/{len(trials)}: every table readable after the kill and after the re-run, Gold and "
                      f"Silver equal to the clean run, the killed run's row finalised CRASHED",
            "trials_detail": trials}

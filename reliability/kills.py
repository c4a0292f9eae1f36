"""Probe 2, kills: SIGKILL the run's whole process group at points spread over every stage, then run
again on the same lake. Every Delta table must stay readable, the re-run must give the clean run's
Silver and Gold, and it must finalise the killed run's `run_context_log` row.

Kill points come from the clean run's own trace (the order in which it wrote landing pages, tables and the
report). The kills are chained on one lake: the run after a kill is that kill's re-run and is itself
killed at the next point, as a lake that keeps failing would see; a last run must complete with the clean
run's tables. A kill waits for its point's file to appear and kills at once (or after a short delay, to
land inside the step that follows)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliability.lake import delta_tables, differences, snapshot, unreadable
from reliability.runs import Bench, Lake, failure, kill_group, run, run_log, start


@dataclass(frozen=True)
class KillPoint:
    stage: str
    what: str
    glob: str  # relative to the lake's folder (lake/..., landing/...)
    new: int  # kill once this many more files match than when the run started
    delay_s: float = 0.0

    def count(self, root: Path) -> int:
        return sum(1 for _ in root.glob(self.glob))


def _spread(items: list[Any], n: int) -> list[Any]:
    if len(items) <= n:
        return items
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)] if n > 1 else items[:1]


def kill_points(reference_root: Path) -> list[KillPoint]:
    """Twelve points over every stage, in the order the clean run in `reference_root` reached them: the
    first landed page, half the pages, then the write of Bronze, Silver and Gold tables spread over each
    layer (a table's first commit during the run), the report page, and the run log's last write."""
    pages = sum(1 for _ in (reference_root / "landing").rglob("*.jsonl"))
    points = [
        KillPoint("landing", "first page landed", "landing/**/*.jsonl", 1),
        KillPoint("landing", "half the pages landed", "landing/**/*.jsonl", max(1, pages // 2)),
    ]
    written: dict[str, list[tuple[float, Path]]] = {"bronze": [], "silver": [], "gold": []}
    for table in delta_tables(reference_root / "lake"):
        if table.name == "run_context_log":
            continue
        last = max((table / "_delta_log").glob("*.json"), key=lambda p: p.stat().st_mtime)
        written[table.parent.name].append((last.stat().st_mtime, table))
    for layer, n in (("bronze", 2), ("silver", 4), ("gold", 2)):
        for _, table in _spread(sorted(written[layer]), n):
            points.append(
                KillPoint(
                    layer, f"{layer}.{table.name} being written", f"lake/{layer}/{table.name}/_delta_log/*.json", 1
                )
            )
    points.append(KillPoint("report", "report page written", "lake/reports/*/index.html", 1))
    points.append(
        KillPoint("run log", "run log finish (1.5 s after the report)", "lake/reports/*/index.html", 1, delay_s=1.5)
    )
    return points


def kill_at(bench: Bench, lake: Lake, index: int, point: KillPoint) -> dict[str, Any]:
    """Start a run on the lake and SIGKILL its process group at the point; what was seen."""
    baseline = point.count(lake.root)
    process = start(lake, bench.env, bench.log(f"kill-{index:02d}"))
    started = time.monotonic()
    while process.poll() is None and point.count(lake.root) < baseline + point.new and time.monotonic() - started < 900:
        time.sleep(0.05)
    if process.poll() is not None:
        return {
            "point": point.what,
            "stage": point.stage,
            "killed": False,
            "why": f"the run ended (exit {process.returncode}) before the point",
        }
    time.sleep(point.delay_s)
    killed_after = time.monotonic() - started
    kill_group(process)
    broken = unreadable(lake.lake)
    return {
        "point": point.what,
        "stage": point.stage,
        "killed": True,
        "killed_after_s": round(killed_after, 1),
        "unreadable_after_kill": broken,
        "killed_row": [r["run_id"] for r in run_log(lake.lake) if r["status"] == "RUNNING"],
    }


def probe(bench: Bench, reference_root: Path, limit: int | None = None) -> dict[str, Any]:
    """The kills chained on one lake: each run after a kill is the re-run of that kill (it must finalise
    the killed run's row and redo the window) and is itself killed at the next point; a last run
    completes and must give the clean run's Silver and Gold."""
    points = kill_points(reference_root)[:limit]
    lake = bench.fresh("kills")
    trials = []
    for i, point in enumerate(points):
        trials.append(kill_at(bench, lake, i, point))
        t = trials[-1]
        print(
            f"    kill {i + 1}/{len(points)} at {point.stage}: {point.what}: "
            + (f"killed after {t['killed_after_s']} s" if t["killed"] else t["why"]),
            flush=True,
        )
    code, seconds = run(lake, bench.env, bench.log("kills-final"))
    rows = {r["run_id"]: r for r in run_log(lake.lake)}
    for t in trials:
        t["row_finalised"] = all(rows[r]["status"] == "CRASHED" for r in t.get("killed_row", [])) and bool(
            t.get("killed_row")
        )
        t["held"] = t["killed"] and not t["unreadable_after_kill"] and t["row_finalised"]
    diff = (
        differences(bench.reference, snapshot(lake.lake))
        if code == 0
        else [f"final run failed: {failure(bench.log('kills-final'))}"]
    )
    broken = unreadable(lake.lake)
    final_ok = code == 0 and not diff and not broken
    held = sum(t["held"] for t in trials) if final_ok else 0
    stages = sorted({t["stage"] for t in trials if t["killed"]})
    return {
        "probe": "SIGKILL mid-run, then a re-run",
        "trials": len(trials),
        "held": held,
        "done": f"{sum(t['killed'] for t in trials)} SIGKILLs of the whole process group at points in "
        f"{', '.join(stages)}, chained on one lake: each re-run is killed at the next point, a last "
        "run completes",
        "figure": f"{held}/{len(trials)}: every table readable after each kill, each killed run's row "
        f"finalised CRASHED by the next run; after the last run ({seconds:.0f} s) Silver and Gold "
        f"{'equal' if final_ok else 'NOT equal'} to the clean run" + (f" ({'; '.join(diff)[:300]})" if diff else ""),
        "trials_detail": trials,
    }

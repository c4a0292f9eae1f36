"""`make reliability`: every probe from a clean lake, compared with a clean run's tables; one line of figures
per probe, written to RELIABILITY.md (details in reliability/.work/results.json).

    python -m reliability.run                       # all probes (about an hour on 2 cores)
    python -m reliability.run --probes faults,overlap --kills 3
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from reliability.runs import REPO_ROOT, Bench, run, tail

PROBES = ("faults", "kills", "overlap", "corpus", "secrets", "disk")


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def reference_run(bench: Bench) -> Any:
    from reliability.faults import retries_of
    from reliability.lake import rows, snapshot, unreadable
    from reliability.runs import run_log

    lake = bench.fresh("reference")
    code, seconds = run(lake, bench.env, bench.log("reference"))
    if code != 0:
        raise SystemExit(f"the clean run failed ({code}):\n{tail(bench.log('reference'))}")
    if unreadable(lake.lake):
        raise SystemExit(f"the clean run left unreadable tables: {unreadable(lake.lake)}")
    bench.reference = snapshot(lake.lake)
    usage = retries_of(run_log(lake.lake)[-1]["run_id"], bench.api_url)
    bench.reference_failed = sum(u["failed"] for u in usage.values())
    print(f"  clean run: {seconds:.0f} s, {len(bench.reference)} Silver and Gold tables, {rows(bench.reference):,} rows",
          flush=True)
    return lake


def run_probes(bench: Bench, names: list[str], kills: int | None, home: Path) -> list[dict[str, Any]]:
    from reliability import disk, faults, kills as kill_probe, overlap, secrets

    reference = reference_run(bench)
    steps: dict[str, Callable[[], dict[str, Any]]] = {
        "faults": lambda: faults.probe(bench),
        "kills": lambda: kill_probe.probe(bench, reference.root, limit=kills),
        "overlap": lambda: overlap.probe(bench),
        "corpus": lambda: _corpus(bench),
        "secrets": lambda: secrets.probe(bench, home),
        "disk": lambda: disk.probe(bench, _bytes(reference.lake), reference),
    }
    results = []
    for name in names:
        print(f"probe {name}", flush=True)
        started = time.monotonic()
        result = steps[name]()
        result["seconds"] = round(time.monotonic() - started, 1)
        print(f"  {result['probe']}: {result['held']}/{result['trials']} held; {result['figure']}", flush=True)
        results.append(result)
    return results


def _corpus(bench: Bench) -> dict[str, Any]:
    from reliability.corpus import run_corpus

    got = run_corpus(bench.work / "corpus")
    failed = got.get("failed", [])
    return {"probe": "bad-input corpus", "trials": got["kinds"], "held": got["held"],
            "done": f"{got['kinds']} kinds of bad API pages and drop files (tests/reliability/corpus), landed beside "
                    "good records, through Bronze and Silver",
            "figure": f"{got['crashes']} crashes; {got['bad_quarantined']} bad records quarantined with their reason; "
                      f"{got['good_loaded']}/{got['good_expected']} good records beside them loaded"
                      + (f"; not held: {', '.join(f['kind'] for f in failed)}" if failed else ""),
            "trials_detail": [got]}


def markdown(results: list[dict[str, Any]], started: str, seconds: float) -> str:
    lines = ["# Reliability", "",
             f"`make reliability` on {started} ({platform.machine()}, {platform.python_version()}), "
             f"{seconds / 60:.0f} min. Each probe starts from a clean lake and compares Silver and Gold with a clean "
             "run's (rows and content, lineage columns excluded). The fast subset of each probe runs in `make test` "
             "(tests/reliability, tests/runs/test_lake_lock.py, tests/youtube/test_faults.py, "
             "tests/flows/test_killed_runs.py).", "",
             "| probe | what was done | trials | held | figure |", "|---|---|---:|---:|---|"]
    for r in results:
        lines.append(f"| {r['probe']} | {r['done']} | {r['trials']} | {r['held']} | {r['figure']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    from bench.run import PrefectServer

    parser = argparse.ArgumentParser(prog="python -m reliability.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", default=",".join(PROBES), help="comma-separated, of: " + ", ".join(PROBES))
    parser.add_argument("--kills", type=int, default=None, help="run only the first N kill points (default: all 12)")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "reliability" / ".work")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "RELIABILITY.md")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.probes.split(",") if n.strip()]
    unknown = sorted(set(names) - set(PROBES))
    if unknown:
        parser.error(f"unknown probes {unknown}; choose from {list(PROBES)}")
    work = args.work.resolve()
    if work.exists():
        shutil.rmtree(work)
    (work / "logs").mkdir(parents=True)
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    began = time.monotonic()
    with PrefectServer(work / "prefect-home", work / "logs" / "prefect-server.log") as server:
        env = {**server.env(), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
        bench = Bench(work, env, server.url)
        results = run_probes(bench, names, args.kills, work / "prefect-home")
    (work / "results.json").write_text(json.dumps(results, indent=2, default=str))
    args.out.write_text(markdown(results, started, time.monotonic() - began))
    print(f"wrote {args.out} ({sum(r['held'] for r in results)}/{sum(r['trials'] for r in results)} held)")


if __name__ == "__main__":
    main()

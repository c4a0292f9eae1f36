"""`make reliability`: every probe from a clean lake, compared with a clean run's tables; one line of figures
per probe in RELIABILITY.md, the details in reliability/results.json. Each probe's row is written as soon
as it finishes; a run of some probes (`--probes`) replaces their rows and keeps the others, with the date
each was measured.

    python -m reliability.run                       # all probes (over an hour on 2 cores)
    python -m reliability.run --probes faults,overlap --kills 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reliability.runs import REPO_ROOT, Bench, run, tail

PROBES = ("faults", "corpus", "secrets", "disk", "kills", "overlap")  # the cheap ones first


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
    print(
        f"  clean run: {seconds:.0f} s, {len(bench.reference)} Silver and Gold tables, {rows(bench.reference):,} rows",
        flush=True,
    )
    return lake


def run_probes(
    bench: Bench, names: list[str], kills: int | None, home: Path, done: Callable[[dict[str, Any]], None]
) -> list[dict[str, Any]]:
    from reliability import disk, faults, overlap, secrets
    from reliability import kills as kill_probe

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
        result["name"] = name
        print(f"  {result['probe']}: {result['held']}/{result['trials']} held; {result['figure']}", flush=True)
        results.append(result)
        done(result)
    return results


def _corpus(bench: Bench) -> dict[str, Any]:
    from reliability.corpus import run_corpus

    got = run_corpus(bench.work / "corpus", rerun=True)
    added = got.get("rerun_added_rows")
    failed = got.get("failed", [])
    return {
        "probe": "bad-input corpus",
        "trials": got["kinds"],
        "held": got["held"],
        "done": f"{got['kinds']} kinds of bad API pages and drop files (tests/reliability/corpus), landed beside "
        "good records, through Bronze and Silver; then all of it landed and loaded again",
        "figure": f"{got['crashes']} crashes; {got['bad_quarantined']} bad records quarantined with their reason; "
        f"{got['good_loaded']}/{got['good_expected']} good records beside them loaded; landing and "
        f"loading it all again added {sum((added or {}).values()) if added is not None else 'unknown'} rows"
        + (f"; not held: {', '.join(f['kind'] for f in failed)}" if failed else ""),
        "trials_detail": [got],
    }


def markdown(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "# Reliability",
        "",
        'Written by `make reliability` (`python -m reliability.run`; README, "Reliability"). '
        "Each probe starts from a clean lake and compares Silver and Gold with a "
        "clean run's (rows and content, lineage columns excluded). The fast subset of each probe runs in "
        "`make test`: tests/youtube/test_faults.py, tests/flows/test_killed_runs.py, "
        "tests/runs/test_lake_lock.py, tests/reliability/test_corpus.py, the secrets test in "
        "tests/flows/test_pipeline.py, tests/reliability/test_storage_errors.py.",
        "",
        "| probe | what was done | trials | held | figure | measured |",
        "|---|---|---:|---:|---|---|",
    ]
    for name in PROBES:
        r = results.get(name)
        if r:
            lines.append(
                f"| {_cell(r['probe'])} | {_cell(r['done'])} | {r['trials']} | {r['held']} | "
                f"{_cell(r['figure'])} | {r['measured']}, {r['seconds'] / 60:.0f} min |"
            )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text as one markdown table cell: one line, its pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def main(argv: list[str] | None = None) -> None:
    from bench.run import PrefectServer

    parser = argparse.ArgumentParser(prog="python -m reliability.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", default=",".join(PROBES), help="comma-separated, of: " + ", ".join(PROBES))
    parser.add_argument("--kills", type=int, default=None, help="run only the first N kill points (default: all 12)")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "reliability" / ".work")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "RELIABILITY.md")
    parser.add_argument("--details", type=Path, default=REPO_ROOT / "reliability" / "results.json")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.probes.split(",") if n.strip()]
    unknown = sorted(set(names) - set(PROBES))
    if unknown:
        parser.error(f"unknown probes {unknown}; choose from {list(PROBES)}")
    work = args.work.resolve()
    if work.exists():
        shutil.rmtree(work)
    (work / "logs").mkdir(parents=True)
    details = args.details
    known: dict[str, dict[str, Any]] = json.loads(details.read_text()) if details.is_file() else {}
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"

    def done(result: dict[str, Any]) -> None:
        known[result["name"]] = {
            **result,
            "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine,
        }
        details.write_text(json.dumps(known, indent=2, default=str) + "\n")
        args.out.write_text(markdown(known))

    with PrefectServer(work / "prefect-home", work / "logs" / "prefect-server.log") as server:
        env = {**server.env(), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
        bench = Bench(work, env, server.url)
        results = run_probes(bench, names, args.kills, work / "prefect-home", done)
    print(f"wrote {args.out} ({sum(r['held'] for r in results)}/{sum(r['trials'] for r in results)} held this run)")


if __name__ == "__main__":
    main()

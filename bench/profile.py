"""Where a small run's time goes: the bundled sample's whole pipeline in this process, then

- the subflows' wall time (the parent's own figures),
- every Spark step: wall time, Spark jobs and stages (`tasks.spark.profile`),
- dbt: nodes by kind with their summed execution time (`dbt/target/run_results.json`),
- Prefect: the task runs the parent run made.

    python -m bench.profile [--work DIR]        # prints markdown; bench/README.md keeps a copy
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def dbt_nodes(run_results: Path) -> list[tuple[str, int, float]]:
    """(kind, nodes, summed execution seconds) of the last dbt invocation."""
    if not run_results.is_file():
        return []
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for result in json.loads(run_results.read_text())["results"]:
        kind = result["unique_id"].split(".", 1)[0]
        totals[kind][0] += 1
        totals[kind][1] += float(result.get("execution_time") or 0.0)
    return sorted((k, int(n), s) for k, (n, s) in totals.items())


def task_runs(flow_run_id: Any) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, FlowRunFilterParentFlowRunId

    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id]))
        )
        ids = [flow_run_id] + [c.id for c in children]
        count, offset = 0, 0
        while True:
            page = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)), limit=200, offset=offset
            )
            count, offset = count + len(page), offset + 200
            if len(page) < 200:
                return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "bench" / ".work" / "profile")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    work = args.work.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    started = time.monotonic()
    from blocks import LocalDeltaSpark, LocalLanding
    from flows.youtube_lakehouse import youtube_lakehouse
    from tasks.gold import target_path
    from tasks.spark.profile import STEPS, profile_table

    LocalDeltaSpark(lake_root=str(work / "lake")).save("bench-profile", overwrite=True)
    LocalLanding(root=str(work / "landing")).save("bench-profile", overwrite=True)
    ready = time.monotonic()
    state = youtube_lakehouse(
        backend="local-delta-spark/bench-profile", landing="local-landing/bench-profile", return_state=True
    )
    finished = time.monotonic()
    if not state.is_completed():
        raise SystemExit(f"the run ended {state.name}: {state.message}")
    result = state.result()
    lines = [
        "## Profile of the sample run",
        "",
        f"Process start to blocks saved (temporary Prefect server, imports): {ready - started:.1f} s; "
        f"the parent flow run: {finished - ready:.1f} s.",
        "",
        "| subflow | wall s |",
        "|---|---:|",
        *[f"| {k} | {v:.1f} |" for k, v in result["seconds"].items()],
        "",
        "Spark steps (a job's inner steps are listed before it; its own line counts what ran outside them):",
        "",
        profile_table(STEPS),
        "",
        f"Spark jobs in all: {sum(s['jobs'] for s in STEPS)}; stages: {sum(s['stages'] for s in STEPS)}.",
        "",
        "dbt (the last invocation):",
        "",
        "| kind | nodes | summed execution s |",
        "|---|---:|---:|",
        *[f"| {k} | {n} | {s:.1f} |" for k, n, s in dbt_nodes(target_path() / "run_results.json")],
        "",
        f"Prefect task runs of the parent run and its subflows: {task_runs(state.state_details.flow_run_id)}.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()

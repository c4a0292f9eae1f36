"""One benchmark phase: a `youtube_lakehouse` flow run on a lake, written up as JSON.

    python -m bench.phase --name history-365 --lake DIR --landing DIR --recording DIR \
        --start 2025-11-01 --end 2026-10-31 --result result.json

Runs in its own process (one SparkSession, like a deployment run) against the Prefect server in
PREFECT_API_URL; `bench.run` samples this process tree's memory from outside.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path
from typing import Any


def save_blocks(
    name: str,
    lake: Path,
    landing: Path,
    recording: Path,
    daily: bool,
    spark_master: str | None = None,
    kept_driver: Path | None = None,
) -> dict[str, str]:
    """Blocks for the phase; a daily run fetches the Data API for its last day only, like the live API."""
    from blocks import LocalDeltaSpark, LocalLanding, ReplayYouTubeSource

    LocalDeltaSpark(
        lake_root=str(lake),
        **({"spark_master": spark_master} if spark_master else {}),
        kept_driver=str(kept_driver) if kept_driver else None,
    ).save(name, overwrite=True)
    LocalLanding(root=str(landing)).save(name, overwrite=True)
    ReplayYouTubeSource(recording=str(recording), snapshots="latest" if daily else "every_day").save(
        name, overwrite=True
    )
    return {
        "backend": f"local-delta-spark/{name}",
        "landing": f"local-landing/{name}",
        "source": f"youtube-replay-source/{name}",
    }


def subflow_times(parent_id: Any) -> dict[str, list[float]]:
    """Subflow name -> [start, end] (epoch seconds) of the parent run's subflow runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent_id]))
        )
        out = {}
        for run in runs:
            if run.start_time and run.end_time:
                out[client.read_flow(run.flow_id).name] = [run.start_time.timestamp(), run.end_time.timestamp()]
        return out


def run_phase(
    name: str,
    lake: Path,
    landing: Path,
    recording: Path,
    start: date,
    end: date,
    daily: bool,
    spark_master: str | None = None,
    kept_driver: Path | None = None,
) -> dict[str, Any]:
    from flows.youtube_lakehouse import youtube_lakehouse
    from tasks.spark.session import attached_to_kept_driver

    blocks = save_blocks(name, lake, landing, recording, daily, spark_master, kept_driver)
    started = time.time()
    state = youtube_lakehouse(**blocks, start_date=start, end_date=end, return_state=True)
    finished = time.time()
    if not state.is_completed():
        raise SystemExit(f"phase {name}: the flow run ended {state.name}: {state.message}")
    result = state.result()
    ingest, silver = result["ingest"], result["silver"]
    return {
        "name": name,
        "window": [start.isoformat(), end.isoformat()],
        "started": started,
        "finished": finished,
        "wall_s": finished - started,
        "seconds": result["seconds"],
        "kept_driver": attached_to_kept_driver(),
        "subflows": subflow_times(state.state_details.flow_run_id),
        "api_usage": ingest["usage"],
        "pages": ingest["pages"],
        "quarantined": ingest["quarantined"],
        "report": {k: (result["gold"].get("report") or {}).get(k) for k in ("bytes", "seconds")},
        "silver_reads": silver.get("bronze_reads", {}),
        "silver_step_seconds": silver.get("step_seconds", {}),
        "silver_sizing": {k: silver.get(k) for k in ("bronze_bytes_read", "parallel_steps", "interpreted")},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.phase")
    parser.add_argument("--name", required=True)
    for option in ("--lake", "--landing", "--recording", "--result"):
        parser.add_argument(option, required=True, type=Path)
    parser.add_argument("--start", required=True, type=date.fromisoformat)
    parser.add_argument("--end", required=True, type=date.fromisoformat)
    parser.add_argument("--daily", action="store_true", help="a daily run: Data API for the last day only")
    parser.add_argument("--spark-master", help="e.g. spark://127.0.0.1:7077 (default: local[*])")
    parser.add_argument("--kept-driver", type=Path, help="a kept driver's connection file to attach to")
    args = parser.parse_args(argv)
    figures = run_phase(
        args.name,
        args.lake.resolve(),
        args.landing.resolve(),
        args.recording.resolve(),
        args.start,
        args.end,
        args.daily,
        args.spark_master,
        args.kept_driver,
    )
    args.result.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()

"""Subflow `bronze_to_silver`: new Bronze rows -> every Silver table, then OPTIMIZE and VACUUM.

python -m flows.bronze_to_silver [--full-refresh] [--backend ...]
python -m flows.bronze_to_silver --help
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from blocks.resolve import DEFAULT_BACKEND
from flows.temporary_server import start_temporary_server


@flow(name="bronze_to_silver", log_prints=True)
def bronze_to_silver(
    backend: str = DEFAULT_BACKEND,
    full_refresh: bool = False,
    optimize: bool = False,
    vacuum_retention_hours: float = 168.0,
    run_id: str | None = None,
    window_start: date | None = None,
    window_end: date | None = None,
    downstream: Literal["events", "parent"] = "events",
) -> dict[str, Any]:
    """MERGE the Bronze rows not merged yet into Silver on the chosen backend.

    `full_refresh` rebuilds every Silver table from all of Bronze. Compaction and VACUUM are not part of
    a run (the weekly `lake_maintenance` flow); `optimize` also runs them
    now for the tables this run changed. `run_id` and the window only
    label the `youtube.silver.updated` event (the job itself follows Bronze's change feed);
    `downstream` says who runs Gold next: the `gold` deployment triggered by that event ("events"),
    or the calling parent flow ("parent").
    """
    from tasks.assets import record_silver_assets
    from tasks.compute import run_spark_job
    from tasks.lake_lock import hold_lake
    from tasks.reporting import emit_silver_updated, publish_silver_summary

    logger = get_run_logger()
    run_id = run_id or str(flow_run.get_id())
    with hold_lake(backend):
        built = run_spark_job(backend, "silver_build", {"full_refresh": full_refresh})
        for warning in built["warnings"]:
            logger.warning(warning)
        if optimize:
            run_spark_job(
                backend,
                "silver_maintenance",
                {
                    "vacuum_retention_hours": vacuum_retention_hours,
                    "tables": None if full_refresh else built["changed"],
                },
            )
    publish_silver_summary(run_id, built["tables"], built["warnings"])
    record_silver_assets(backend, built["tables"])
    window = {
        "window_start": window_start.isoformat() if window_start else None,
        "window_end": window_end.isoformat() if window_end else None,
    }
    emit_silver_updated(
        run_id,
        {**window, "backend": backend, "tables_changed": built["changed"], "full_refresh": full_refresh},
        downstream,
    )
    return {"run_id": run_id, **window, **built}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flows.bronze_to_silver",
        description="MERGE the Bronze rows not merged yet into every Silver table.",
    )
    parser.add_argument("--backend", default=DEFAULT_BACKEND, help="compute backend block (default: %(default)s)")
    parser.add_argument("--full-refresh", action="store_true", help="rebuild every Silver table from all of Bronze")
    parser.add_argument("--optimize", action="store_true", help="also OPTIMIZE and VACUUM the changed tables now")
    parser.add_argument(
        "--vacuum-retention-hours",
        type=float,
        default=168.0,
        help="VACUUM keeps files this recent (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    start_temporary_server().ready()
    state = bronze_to_silver(
        backend=args.backend,
        full_refresh=args.full_refresh,
        optimize=args.optimize,
        vacuum_retention_hours=args.vacuum_retention_hours,
        return_state=True,
    )
    print(f"bronze_to_silver finished: {state.name}: {state.message or ''}")
    raise SystemExit(0 if state.is_completed() else 1)


if __name__ == "__main__":
    main()

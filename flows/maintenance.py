"""Flow `lake_maintenance`: compact tables whose small files warrant it and VACUUM every table.

    python -m flows.maintenance [--backend ...] [--vacuum-retention-hours 168] [--layers silver,gold]

Runs on its own schedule (the `maintenance` deployment in prefect.yaml, weekly), not in every
pipeline run. Between its runs, the daily MERGEs rewrite the files they touch (one live file per
day partition); what piles up is appended batches and removed files, which it compacts and VACUUMs.
"""

from __future__ import annotations

import argparse
from typing import Any, Literal

from prefect import flow

from blocks.resolve import DEFAULT_BACKEND
from flows.temporary_server import start_temporary_server

Layer = Literal["bronze", "silver", "gold"]


def report_markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Lake maintenance",
        "",
        f"VACUUM retention {result['vacuum_retention_hours']:g} h; compacted: "
        f"{', '.join(result['compacted']) or 'none'}.",
        "",
        "| table | files before | files after | compacted | vacuum |",
        "|---|---:|---:|---|---|",
    ]
    for name, entry in sorted(result["tables"].items()):
        lines.append(
            f"| {name} | {entry['files_before']:,} | {entry['files_after']:,} | "
            f"{'yes' if entry['compacted'] else 'no'} | {entry.get('vacuum', '-')} |"
        )
    return "\n".join(lines)


@flow(name="lake_maintenance", log_prints=True)
def lake_maintenance(
    backend: str = DEFAULT_BACKEND,
    layers: list[Layer] | None = None,
    vacuum_retention_hours: float = 168.0,
    compact_min_files: int = 8,
    optimize: bool = True,
    vacuum: bool = True,
) -> dict[str, Any]:
    """OPTIMIZE each table of `layers` (default all) with at least `compact_min_files` more files than
    partitions, then VACUUM it, keeping `vacuum_retention_hours` of history for time travel."""
    from prefect.artifacts import create_markdown_artifact

    from tasks.compute import run_spark_job
    from tasks.lake_lock import hold_lake

    if vacuum_retention_hours < 0:
        raise ValueError(f"vacuum_retention_hours must be >= 0, got {vacuum_retention_hours}")
    with hold_lake(backend):
        result = run_spark_job(
            backend,
            "lake_maintenance",
            {
                "layers": list(layers) if layers else None,
                "vacuum_retention_hours": vacuum_retention_hours,
                "compact_min_files": compact_min_files,
                "optimize": optimize,
                "vacuum": vacuum,
            },
        )
    report = report_markdown(result)
    create_markdown_artifact(key="lake-maintenance", markdown=report, description="Compaction and VACUUM per table")
    print(report)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.maintenance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default=DEFAULT_BACKEND, help="compute backend block (default: %(default)s)")
    parser.add_argument("--layers", help="comma-separated layers (default: bronze,silver,gold)")
    parser.add_argument("--vacuum-retention-hours", type=float, default=168.0)
    parser.add_argument("--compact-min-files", type=int, default=8)
    parser.add_argument("--no-vacuum", action="store_true")
    args = parser.parse_args(argv)
    start_temporary_server().ready()
    state = lake_maintenance(
        backend=args.backend,
        layers=args.layers.split(",") if args.layers else None,
        vacuum_retention_hours=args.vacuum_retention_hours,
        compact_min_files=args.compact_min_files,
        vacuum=not args.no_vacuum,
        return_state=True,
    )
    raise SystemExit(0 if state.is_completed() else 1)


if __name__ == "__main__":
    main()

"""Flow `retention`: keep the YouTube API Services rule that stored API data is refreshed or deleted
within 30 days (tasks/jobs/retention.py says what is deleted, what is anonymised and what stays).

    python -m flows.retention [--days 30] [--mode anonymise|delete] [--as-of YYYY-MM-DD]

Runs daily after the pipeline (the `retention` deployment in prefect.yaml). Besides the tables it removes
the report pages and local landing folders older than the cut-off (they hold titles and raw pages); an
S3 landing bucket is left to a lifecycle rule that expires objects after the same number of days.
"""

from __future__ import annotations

import argparse
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from prefect import flow, get_run_logger

from blocks.resolve import DEFAULT_BACKEND, DEFAULT_LANDING
from flows.temporary_server import start_temporary_server


def old_folders(parent: Path, pattern: str, before: datetime) -> list[Path]:
    """Folders under `parent` matching `pattern` whose newest file was written before `before`."""
    if not parent.is_dir():
        return []
    out = []
    for folder in sorted(parent.glob(pattern)):
        times = [f.stat().st_mtime for f in folder.rglob("*") if f.is_file()]
        if folder.is_dir() and times and max(times) < before.timestamp():
            out.append(folder)
    return out


def report_markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Retention",
        "",
        f"API data not refreshed since {result['cutoff_utc']} ({result['days']} days before {result['as_of']}): "
        f"metadata {'anonymised' if result['mode'] == 'anonymise' else 'deleted'}, Bronze rows deleted, "
        f"changed tables VACUUMed ({', '.join(result['vacuumed']) or 'none'}).",
        "",
        "| table or folder | rows / folders affected |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {n:,} |" for name, n in sorted(result["affected"].items())]
    return "\n".join(lines)


@flow(name="retention", log_prints=True)
def retention(
    backend: str = DEFAULT_BACKEND,
    landing: str = DEFAULT_LANDING,
    days: int = 30,
    mode: Literal["anonymise", "delete"] = "anonymise",
    as_of: date | None = None,
    vacuum_retention_hours: float = 0.0,
) -> dict[str, Any]:
    """Delete or anonymise API data not refreshed within `days` of `as_of` (default today, UTC)."""
    from prefect.artifacts import create_markdown_artifact

    from blocks.landing import LocalLanding
    from blocks.resolve import load_backend, load_landing
    from tasks.compute import run_spark_job
    from tasks.lake_lock import hold_lake

    logger = get_run_logger()
    with hold_lake(backend):
        result = run_spark_job(
            backend,
            "retention",
            {
                "days": days,
                "mode": mode,
                "as_of": as_of.isoformat() if as_of else None,
                "vacuum_retention_hours": vacuum_retention_hours,
            },
        )
        cut = datetime.fromisoformat(result["cutoff_utc"])
        lake = Path(load_backend(backend).lake_location())
        reports = old_folders(lake / "reports", "*", cut) if lake.is_dir() else []
        reports = [r for r in reports if r.name != "latest"]
        landing_block = load_landing(landing)
        if isinstance(landing_block, LocalLanding):
            landed = old_folders(Path(landing_block.location()), "run_id=*", cut)
        else:
            landed = []
            logger.info(
                "landing %s is not local: expire its objects after %d days with a lifecycle rule", landing, days
            )
        for folder in reports + landed:
            shutil.rmtree(folder)
    result["affected"]["report pages"] = len(reports)
    result["affected"]["landing run folders"] = len(landed)
    report = report_markdown(result)
    create_markdown_artifact(key="retention-report", markdown=report, description="Rows affected per table")
    print(report)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.retention", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default=DEFAULT_BACKEND, help="compute backend block (default: %(default)s)")
    parser.add_argument("--landing", default=DEFAULT_LANDING, help="landing storage block (default: %(default)s)")
    parser.add_argument("--days", type=int, default=30, help="API data older than this is stale (default: %(default)s)")
    parser.add_argument(
        "--mode",
        choices=["anonymise", "delete"],
        default="anonymise",
        help="stale metadata: set to NULL, or delete its rows (default: %(default)s)",
    )
    parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="judge staleness at this day")
    parser.add_argument(
        "--vacuum-retention-hours",
        type=float,
        default=0.0,
        help="VACUUM keeps files this recent (default: %(default)s: deleted data leaves the disk now)",
    )
    args = parser.parse_args(argv)
    start_temporary_server().ready()
    state = retention(
        backend=args.backend,
        landing=args.landing,
        days=args.days,
        mode=args.mode,
        as_of=args.as_of,
        vacuum_retention_hours=args.vacuum_retention_hours,
        return_state=True,
    )
    print(f"retention finished: {state.name}: {state.message or ''}")
    raise SystemExit(0 if state.is_completed() else 1)


if __name__ == "__main__":
    main()

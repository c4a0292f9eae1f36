"""Flow `smoke_check`: after a deploy, every contract table exists and Gold is fresh; else a readable failure.

python -m flows.smoke_check --max-age-days 2 [--backend ...] [--as-of YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from prefect import flow

from blocks.resolve import DEFAULT_BACKEND
from flows.temporary_server import start_temporary_server


class SmokeCheckFailed(RuntimeError):
    """Tables are missing or Gold is stale; the message is the report."""


def report_markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# Smoke check: {'passed' if result['ok'] else 'FAILED'}",
        "",
        f"Newest Gold day may be at most {result['max_age_days']} days before {result['as_of']}.",
        "",
    ]
    if result["missing"]:
        lines += ["## Missing tables", "", *[f"- `{t}`" for t in result["missing"]], ""]
    if result["stale"]:
        lines += ["## Stale Gold", "", *[f"- {s}" for s in result["stale"]], ""]
    lines += ["## Newest day per Gold model", "", "| model | newest day |", "|---|---|"]
    lines += [f"| {m} | {d or '-'} |" for m, d in sorted(result["newest"].items())]
    return "\n".join(lines)


@flow(name="smoke_check", log_prints=True)
def smoke_check(backend: str = DEFAULT_BACKEND, max_age_days: int = 2, as_of: date | None = None) -> dict[str, Any]:
    """Fail with a report unless every Bronze, Silver and Gold table exists and the newest Gold day is at
    most `max_age_days` before `as_of` (default: today). Runs that died without finalising their
    `bronze.run_context_log` row are finalised first (tasks/run_recovery.py)."""
    from prefect.artifacts import create_markdown_artifact

    from tasks.compute import run_spark_job
    from tasks.run_recovery import finalise_dead_runs

    finalise_dead_runs(backend, run_spark_job(backend, "run_log_open", {})["open_runs"], found_by=None)
    result = run_spark_job(
        backend, "smoke_check", {"max_age_days": max_age_days, "as_of": as_of.isoformat() if as_of else None}
    )
    report = report_markdown(result)
    create_markdown_artifact(key="smoke-check", markdown=report, description="Tables exist and Gold is fresh")
    if not result["ok"]:
        raise SmokeCheckFailed(report)
    print(report)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.smoke_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default=DEFAULT_BACKEND, help="compute backend block (default: %(default)s)")
    parser.add_argument("--max-age-days", type=int, default=2, help="newest Gold day at most this old (default: 2)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="judge freshness at this day")
    args = parser.parse_args(argv)
    start_temporary_server().ready()
    state = smoke_check(backend=args.backend, max_age_days=args.max_age_days, as_of=args.as_of, return_state=True)
    print(f"smoke_check finished: {state.name}")
    raise SystemExit(0 if state.is_completed() else 1)


if __name__ == "__main__":
    main()

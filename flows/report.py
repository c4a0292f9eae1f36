"""Flow `report`: the HTML report of an existing lake's Gold (the `gold` subflow writes one after every build).

python -m flows.report                                  # the 28 days up to the newest Gold day
python -m flows.report --window-start 2026-10-01 --window-end 2026-10-30
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from prefect import flow, get_run_logger

from blocks.resolve import DEFAULT_BACKEND
from flows.temporary_server import start_temporary_server


@flow(name="report", log_prints=True)
def report(
    backend: str = DEFAULT_BACKEND, window_start: date | None = None, window_end: date | None = None
) -> dict[str, Any]:
    """Write `<lake>/reports/latest/index.html` for the window and publish it as a Prefect link artifact."""
    from tasks.report.publish import write_report

    written = write_report(backend, None, window_start, window_end)
    get_run_logger().info(
        "report of %s .. %s: %s (%s bytes)",
        written["window_start"],
        written["window_end"],
        written["path"],
        f"{written['bytes']:,}",
    )
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flows.report", description="Write the HTML report of the lake's Gold."
    )
    parser.add_argument("--backend", default=DEFAULT_BACKEND, help="compute backend block (default: %(default)s)")
    parser.add_argument(
        "--window-start",
        type=date.fromisoformat,
        default=None,
        help="first day shown (default: 27 days before the window's end)",
    )
    parser.add_argument(
        "--window-end", type=date.fromisoformat, default=None, help="last day shown (default: the newest day in Gold)"
    )
    args = parser.parse_args(argv)
    start_temporary_server().ready()
    state = report(backend=args.backend, window_start=args.window_start, window_end=args.window_end, return_state=True)
    if not state.is_completed():
        print(f"report failed: {state.message}")
        raise SystemExit(1)
    written = state.result()
    print(f"report: {written['path']} ({written['bytes']:,} bytes)")


if __name__ == "__main__":
    main()

"""Subflow `gold`: `dbt build` of the Gold models and their tests on the backend's dbt target.

python -m flows.gold --window-start 2026-10-24 --window-end 2026-10-30
python -m flows.gold --help
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from blocks.resolve import DEFAULT_BACKEND
from flows.temporary_server import start_temporary_server

DataKind = Literal["trending", "channel"]
DATA_KINDS: tuple[str, ...] = ("trending", "channel")


def freshness_plan(freshness: list[str] | None, skip_freshness: bool) -> dict[str, Any]:
    """Which freshness tests run: dbt excludes and vars, and the sentence the run summary shows."""
    if skip_freshness:
        freshness = []
    if freshness is None:
        return {
            "exclude": [],
            "vars": {"freshness": None},
            "note": "freshness judged for every Gold model that has rows",
        }
    unknown = sorted(set(freshness) - set(DATA_KINDS))
    if unknown:
        raise ValueError(f"unknown freshness kind(s) {unknown}; expected some of {list(DATA_KINDS)}")
    judged = [k for k in DATA_KINDS if k in freshness]
    skipped = [k for k in DATA_KINDS if k not in freshness]
    note = f"freshness judged for {', '.join(judged) or 'nothing'} (ingested by this run)" + (
        f"; not judged for {', '.join(skipped)} (not ingested by this run)" if skipped else ""
    )
    return {"exclude": [f"tag:fresh_{k}" for k in skipped], "vars": {"freshness": judged}, "note": note}


@flow(name="gold", log_prints=True)
def gold(
    backend: str = DEFAULT_BACKEND,
    run_id: str | None = None,
    window_start: date | None = None,
    window_end: date | None = None,
    full_refresh: bool = False,
    docs: Literal["changed", "always", "never"] = "changed",
    freshness: list[DataKind] | None = None,
    skip_freshness: bool = False,
    report: bool = True,
    api_units: dict[str, int] | None = None,
    interpreted: bool | None = None,
) -> dict[str, Any]:
    """Build Gold. Incremental models rebuild days from `window_start`; freshness is judged at `window_end`.

    `freshness` names the kinds of data the run ingested ("trending", "channel"): only their freshness
    tests run, and their models must have rows. None judges every model that has rows (a trending-only
    lake's channel models are empty, not stale). `skip_freshness` (= `freshness=[]`) is for a run whose
    data is knowingly incomplete (the quota ran out): Gold then shows what was fetched.

    `report` writes the HTML report of the window (`<lake>/reports/<run_id>/index.html`); a report that
    cannot be written is a warning, not a failed build. `api_units` (the run's, per endpoint) go into it.

    `interpreted`: evaluate the local session's queries interpreted, not compiled (`tasks.spark.evaluation`);
    the parent flow passes Silver's choice for the run; None: for an incremental build of at most 14 days.
    """
    from blocks.resolve import load_backend
    from tasks.gold import build, generate_docs, interpret_window
    from tasks.lake_lock import hold_lake
    from tasks.reporting import emit_gold_updated, publish_docs_link
    from tasks.spark.evaluation import interpreted as evaluation
    from tasks.spark.session import own_session

    logger = get_run_logger()
    run_id = run_id or str(flow_run.get_id())
    plan = freshness_plan(freshness, skip_freshness)
    logger.info(plan["note"])
    target = load_backend(backend).dbt_target()
    dbt_vars = {"gold_since": window_start, "as_of_date": window_end, **plan["vars"]}
    interpret = interpret_window(window_start, window_end, full_refresh) if interpreted is None else interpreted
    with hold_lake(backend), evaluation(own_session(), interpret) as interpreting:
        result = build(target, dbt_vars, full_refresh=full_refresh, exclude=plan["exclude"] or None)
        for warning in result["warnings"]:
            logger.warning("dbt warning: %s", warning)
        if docs != "never":
            index, written = generate_docs(target, dbt_vars, when=docs)
            logger.info("dbt docs %s: %s", "generated" if written else "unchanged (project unchanged)", index)
            if index.is_file():
                publish_docs_link(index)
        window = {
            "window_start": window_start.isoformat() if window_start else None,
            "window_end": window_end.isoformat() if window_end else None,
        }
        written = None
        if report:
            from tasks.report.publish import write_report

            try:
                written = write_report(backend, run_id, window_start, window_end, api_units)
                logger.info("report: %s (%s bytes)", written["path"], f"{written['bytes']:,}")
            except Exception as exc:  # the tables are built; a page that failed is reported, not fatal
                logger.error("report not written: %s: %s", type(exc).__name__, exc)
                result["warnings"].append(f"report not written: {type(exc).__name__}: {exc}")
    emit_gold_updated(run_id, {**window, "models": result["models"]})
    return {
        "run_id": run_id,
        **window,
        **result,
        "freshness": plan["note"],
        "report": written,
        "interpreted": interpreting,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flows.gold", description="Build Gold (dbt) from the lake's Silver."
    )
    parser.add_argument("--backend", default=DEFAULT_BACKEND, help="compute backend block (default: %(default)s)")
    parser.add_argument(
        "--window-start",
        type=date.fromisoformat,
        default=None,
        help="incremental models rebuild days from here (default: their last 7 days)",
    )
    parser.add_argument(
        "--window-end", type=date.fromisoformat, default=None, help="judge freshness at this day (default: today)"
    )
    parser.add_argument(
        "--freshness",
        default=None,
        help="comma-separated kinds whose freshness is judged strictly: trending,channel; "
        "'none' for no freshness tests (default: every model that has rows)",
    )
    parser.add_argument("--full-refresh", action="store_true", help="rebuild every Gold model from Silver")
    parser.add_argument("--no-report", action="store_true", help="do not write the HTML report")
    parser.add_argument(
        "--evaluation",
        choices=["auto", "interpreted", "compiled"],
        default="auto",
        help="Spark query evaluation on the local backend; auto: interpreted for an incremental "
        "window of at most 14 days (default: %(default)s)",
    )
    parser.add_argument(
        "--docs",
        choices=["changed", "always", "never"],
        default="changed",
        help="`dbt docs generate`: when the dbt project changed (default), always, or never",
    )
    args = parser.parse_args(argv)
    kinds = (
        None
        if args.freshness is None
        else [k.strip() for k in args.freshness.split(",") if k.strip() and k.strip() != "none"]
    )
    start_temporary_server().ready()
    state = gold(
        backend=args.backend,
        window_start=args.window_start,
        window_end=args.window_end,
        freshness=kinds,
        full_refresh=args.full_refresh,
        docs=args.docs,
        report=not args.no_report,
        interpreted=None if args.evaluation == "auto" else args.evaluation == "interpreted",
        return_state=True,
    )
    print(f"gold finished: {state.name}: {state.message or ''}")
    raise SystemExit(0 if state.is_completed() else 1)


if __name__ == "__main__":
    main()

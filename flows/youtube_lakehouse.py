"""Parent flow `youtube_lakehouse`: ingest -> bronze_to_silver -> gold.

python -m flows.youtube_lakehouse              # the bundled sample, local delta-spark
python -m flows.youtube_lakehouse --help
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from datetime import date
from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from blocks.compute import KEPT_DRIVER_ENV
from blocks.resolve import DEFAULT_BACKEND, DEFAULT_LANDING, DEFAULT_SOURCE
from flows.bronze_to_silver import bronze_to_silver
from flows.gold import gold
from flows.ingest import ingest
from flows.temporary_server import start_temporary_server
from flows.window import gold_since

# What a run imports in its tasks anyway (the YouTube client, Spark and Delta, prefect-dbt for asset keys; dbt's
# runner for Gold: ~4-6 s on 2 cores). An ad-hoc run imports them while Prefect's temporary server starts, when
# this process has nothing else to do.
RUN_IMPORTS: tuple[str, ...] = ("googleapiclient.discovery", "pyspark.sql", "delta", "prefect_dbt")
GOLD_IMPORTS: tuple[str, ...] = ("dbt.cli.main",)


def ingested_kinds(bronze_rows: dict[str, int]) -> list[str]:
    """The kinds of data (for Gold's freshness tests) of which this run loaded Bronze rows."""
    kinds = {
        "trending": ("trending_videos_raw",),
        "channel": tuple(t for t in bronze_rows if t.startswith("analytics_") or t == "reporting_reports_raw"),
    }
    return [kind for kind, tables in kinds.items() if any(bronze_rows.get(t, 0) for t in tables)]


@flow(name="youtube_lakehouse", log_prints=True, persist_result=True)
def youtube_lakehouse(
    backend: str = DEFAULT_BACKEND,
    source: str = DEFAULT_SOURCE,
    landing: str = DEFAULT_LANDING,
    regions: list[str] | None = None,
    channels: list[str] | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    lookback_days: int = 7,
    through: Literal["bronze", "silver", "gold"] = "gold",
    retention_videos: int | None = None,
    report: bool = True,
) -> Any:
    """ingest -> bronze_to_silver -> gold for a window, recorded in `bronze.run_context_log` whatever happens.

    Runs that write the same lake take turns (`tasks.lake_lock`): a run waits while another holds the lake.

    `through` stops after that layer (e.g. "silver" while the SQL warehouse Gold runs on is unavailable).
    `retention_videos`: how many of each channel's most viewed videos get retention curves (default: the
    source block's `retention_top_videos`). `report`: write the window's HTML report after Gold (False: the
    tables only, e.g. for a run nobody reads the page of).
    """
    from prefect.states import Failed

    from blocks.resolve import load_source
    from flows.window import resolve_window
    from tasks.compute import run_spark_job
    from tasks.lake_lock import hold_lake
    from tasks.processes import this_process
    from tasks.reporting import publish_run_summary, run_summary_markdown
    from tasks.run_recovery import finalise_dead_runs

    logger = get_run_logger()
    run_id = str(flow_run.get_id())
    window = resolve_window(load_source(source).default_window(lookback_days), start_date, end_date, lookback_days)
    parameters = {
        "backend": backend,
        "source": source,
        "landing": landing,
        "regions": regions,
        "channels": channels,
        "start_date": start_date,
        "end_date": end_date,
        "lookback_days": lookback_days,
        "through": through,
        "retention_videos": retention_videos,
        "report": report,
    }
    with hold_lake(backend):
        opened = run_spark_job(
            backend,
            "run_log_start",
            {
                "run_id": run_id,
                "flow_name": "youtube_lakehouse",
                "backend": backend,
                "source": source,
                "parameters": parameters,
                **window.as_payload(),
                "flow_process": this_process(),
            },
        )
        finalise_dead_runs(backend, opened.get("open_runs", []), found_by=run_id)
        seconds: dict[str, float] = {}

        def timed(name: str, subflow: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                return subflow(**kwargs)
            finally:
                seconds[name] = time.monotonic() - started

        try:
            summary = timed(
                "ingest",
                ingest,
                backend=backend,
                source=source,
                landing=landing,
                regions=regions,
                channels=channels,
                start_date=window.start,
                end_date=window.end,
                lookback_days=lookback_days,
                run_id=run_id,
                downstream="parent",
                retention_videos=retention_videos,
            )
            silver = built = {"warnings": [], "tables": {}, "changed": [], "models": []}
            if through in ("silver", "gold"):
                silver = timed(
                    "bronze_to_silver",
                    bronze_to_silver,
                    backend=backend,
                    run_id=run_id,
                    window_start=window.start,
                    window_end=window.end,
                    downstream="parent",
                )
            if through == "gold":
                built = timed(
                    "gold",
                    gold,
                    backend=backend,
                    run_id=run_id,
                    window_start=gold_since(window.start, summary.get("restated_days", [])),
                    window_end=window.end,
                    freshness=ingested_kinds(summary["bronze_rows"]),
                    skip_freshness=bool(summary["quota_exhausted"]),
                    api_units={e: u["units"] for e, u in summary["usage"].items()},
                    interpreted=silver.get("interpreted"),
                    report=report,
                )  # a small Silver run: a small Gold one
        except BaseException as exc:
            status = "CANCELLED" if isinstance(exc, (KeyboardInterrupt, SystemExit)) else "FAILED"
            try:
                run_spark_job.fn(
                    backend,
                    "run_log_finish",
                    {"run_id": run_id, "status": status, "message": f"{type(exc).__name__}: {exc}"},
                )
            except Exception as unlogged:  # e.g. the lake is full: the run's own error is the one to tell
                logger.error("run log row not finalised (the next run will): %s", unlogged)
            raise
        status = "QUOTA_EXHAUSTED" if summary["quota_exhausted"] else "COMPLETED"
        warnings = summary["warnings"] + silver["warnings"] + built["warnings"]
        quarantined = summary["quarantined"] + sum(m["quarantined"] for m in silver["tables"].values())
        counts = (built.get("report") or {}).get("table_counts") or run_spark_job(backend, "table_counts", {})
        publish_run_summary(
            run_summary_markdown(
                run_id,
                window.as_payload(),
                counts,
                summary["usage"],
                quarantined,
                warnings,
                seconds,
                status,
                built.get("freshness"),
            )
        )
        run_spark_job(
            backend,
            "run_log_finish",
            {
                "run_id": run_id,
                "status": status,
                "message": summary["quota_exhausted"] or "; ".join(warnings[:20]),
                "api_units": {e: u["units"] for e, u in summary["usage"].items()},
                "rows_written": {
                    **{f"bronze.{t}": n for t, n in summary["bronze_rows"].items()},
                    **{f"silver.{t}": m["inserted"] + m["updated"] for t, m in silver["tables"].items()},
                    **{f"gold.{t}": n for t, n in counts.get("gold", {}).items()},
                },
                "failed_requests": len(summary["failures"]),
                "quarantined_rows": quarantined,
            },
        )
        if summary["quota_exhausted"]:
            return Failed(
                name="QuotaExhausted", message=summary["quota_exhausted"] + " Fetched data was kept in Bronze."
            )
        logger.info(
            "run %s completed in %.0fs: silver tables changed %s, gold models %s",
            run_id,
            sum(seconds.values()),
            silver["changed"],
            built["models"],
        )
        return {"ingest": summary, "silver": silver, "gold": built, "seconds": seconds}


def parse_args(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        prog="python -m flows.youtube_lakehouse", description="Run the YouTube Lakehouse pipeline once, ad hoc."
    )
    parser.add_argument("--backend", default=DEFAULT_BACKEND, help="compute backend block (default: %(default)s)")
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="YouTube source block (default: %(default)s)")
    parser.add_argument("--landing", default=DEFAULT_LANDING, help="landing storage block (default: %(default)s)")
    parser.add_argument("--regions", help="comma-separated trending regions (default: the source's)")
    parser.add_argument("--channels", help="comma-separated 'mine' or channel ids (default: the source's)")
    parser.add_argument("--start-date", type=date.fromisoformat, help="first Analytics day, YYYY-MM-DD")
    parser.add_argument("--end-date", type=date.fromisoformat, help="last Analytics day, YYYY-MM-DD")
    parser.add_argument("--lookback-days", type=int, default=7, help="days before --end-date (default: %(default)s)")
    parser.add_argument(
        "--through",
        choices=["bronze", "silver", "gold"],
        default="gold",
        help="stop after this layer (default: %(default)s)",
    )
    parser.add_argument("--no-report", action="store_true", help="do not write the HTML report after Gold")
    args = parser.parse_args(argv)
    split = lambda v: [x.strip() for x in v.split(",") if x.strip()] if v else None  # noqa: E731
    return {
        "backend": args.backend,
        "source": args.source,
        "landing": args.landing,
        "regions": split(args.regions),
        "channels": split(args.channels),
        "start_date": args.start_date,
        "end_date": args.end_date,
        "lookback_days": args.lookback_days,
        "through": args.through,
        "report": not args.no_report,
    }


def main(argv: list[str] | None = None) -> None:
    parameters = parse_args(argv)
    server = start_temporary_server()  # it starts while this process prepares the run
    if parameters["backend"].startswith("local-delta-spark/") and not os.environ.get(KEPT_DRIVER_ENV):
        from tasks.spark.session import prewarm

        prewarm()  # the JVM warms while Prefect's temporary server starts; a block with other settings rebuilds it
    if server.starting:
        for module in RUN_IMPORTS + (GOLD_IMPORTS if parameters["through"] == "gold" else ()):
            importlib.import_module(module)
    server.ready()
    state = youtube_lakehouse(**parameters, return_state=True)
    print(f"youtube_lakehouse finished: {state.name}: {state.message or ''}")
    if state.is_completed():
        written = (state.result().get("gold") or {}).get("report")
        if written:
            print(f"report: {written['path']}")
    raise SystemExit(0 if state.is_completed() else 1)


if __name__ == "__main__":
    main()

"""Flow `import_file_drops`: trending CSV and category JSON drops -> landing -> Bronze -> Silver -> Gold.

python -m flows.file_drops --folder ../shared/data/kaggle-trending-2017 --layout kaggle --year 2017
"""

from __future__ import annotations

import argparse
from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from blocks.resolve import DEFAULT_BACKEND, DEFAULT_LANDING
from flows.temporary_server import start_temporary_server


class DropFilesRejected(ValueError):
    """Some drop files could not be used at all (the others were loaded); the message says why, per file."""


@flow(name="import_file_drops", log_prints=True)
def import_file_drops(
    folder: str,
    layout: Literal["aws", "kaggle"] = "aws",
    year: int | None = None,
    backend: str = DEFAULT_BACKEND,
    landing: str = DEFAULT_LANDING,
    through: Literal["bronze", "silver", "gold"] = "gold",
    encoding: str | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Land the drop files of `folder` into the same Bronze, Silver and Gold trending/category tables as the API.

    `layout` "aws": `raw_statistics/region=XX/ts=YYYYMMDDHHMM/*.csv` + `raw_statistics_reference_data/`;
    "kaggle": `XXvideos.csv` + `XX_category_id.json`. `year` dates the first Kaggle release's `DD.MM`
    trending dates. `encoding` forces the files' encoding (default: detected, see tasks/text_encoding.py).
    Rows that cannot be trusted go to `bronze.quarantine` with a reason; the rest reach
    `silver.silver_trending_videos`, then `gold.gold_trending_videos` / `gold.gold_trending_category_daily`
    (`through` stops earlier). A file of which nothing can be used fails the run, naming the file, its
    header and the commonest reasons, after every other file was loaded.
    """
    from datetime import date
    from pathlib import Path

    from blocks.resolve import load_landing
    from flows.bronze_to_silver import bronze_to_silver
    from flows.gold import gold
    from tasks.compute import load_landed_run
    from tasks.file_drops import land_drops
    from tasks.lake_lock import hold_lake
    from tasks.landing import Lander, run_prefix
    from tasks.reporting import emit_landing_written

    logger = get_run_logger()
    run_id = run_id or str(flow_run.get_id())
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"drop folder {root} does not exist")
    landing_block = load_landing(landing)
    summary = land_drops(
        Lander(landing_block, run_id, source=f"file_drop:{layout}"), root, layout, year, date.today(), encoding
    )
    if not summary["files"]["trending"]:
        raise ValueError(f"no {layout} trending CSV under {root} (ignored: {summary['ignored'][:10]})")
    for ignored in summary["ignored"]:
        logger.warning("not a %s drop file, ignored: %s", layout, ignored)
    for name, used in summary["encodings"].items():
        logger.info("%s read as %s", name, used)
    with hold_lake(backend):
        loaded = load_landed_run(backend, landing_block, run_id)
        result: dict[str, Any] = {
            "run_id": run_id,
            **summary,
            "bronze_rows": loaded["rows_inserted"],
            "quarantined": loaded["quarantined"],
        }
        if summary["first_day"]:
            window = {
                "window_start": min(summary["first_day"].values()),
                "window_end": max(summary["last_day"].values()),
            }
            result.update(window)
            emit_landing_written(
                run_id,
                {
                    **window,
                    "backend": backend,
                    "landing_block": landing,
                    "landing_location": landing_block.location(run_prefix(run_id)),
                    "files": summary["files"],
                },
                "events" if through == "bronze" else "parent",
            )
            if through in ("silver", "gold"):
                result["silver"] = bronze_to_silver(
                    backend=backend,
                    run_id=run_id,
                    window_start=window["window_start"],
                    window_end=window["window_end"],
                    downstream="parent" if through == "gold" else "events",
                )
            if through == "gold":
                # judged at the drop's own last day: an archive of 2017 is not stale for being from 2017
                result["gold"] = gold(
                    backend=backend,
                    run_id=run_id,
                    window_start=window["window_start"],
                    window_end=window["window_end"],
                    freshness=["trending"],
                )
    if summary["unusable"]:
        problems = "\n".join(f"- {text}" for text in summary["unusable"].values())
        loaded_note = "the other files were loaded" if summary["first_day"] else "no file had a usable row"
        raise DropFilesRejected(
            f"{len(summary['unusable'])} of {summary['files']['trending']} trending files "
            f"could not be used ({loaded_note}):\n{problems}"
        )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.file_drops", description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", required=True, help="the drop folder")
    parser.add_argument("--layout", choices=["aws", "kaggle"], default="aws")
    parser.add_argument("--year", type=int, default=None, help="year of DD.MM trending dates (Kaggle first release)")
    parser.add_argument(
        "--encoding",
        default=None,
        help="force the files' encoding (default: detect: byte-order mark, UTF-8, cp1252, latin-1)",
    )
    parser.add_argument(
        "--through",
        choices=["bronze", "silver", "gold"],
        default="gold",
        help="stop after this layer (default: %(default)s)",
    )
    parser.add_argument("--backend", default=DEFAULT_BACKEND, help="compute backend block (default: %(default)s)")
    parser.add_argument("--landing", default=DEFAULT_LANDING, help="landing storage block (default: %(default)s)")
    args = parser.parse_args(argv)
    start_temporary_server().ready()
    state = import_file_drops(
        folder=args.folder,
        layout=args.layout,
        year=args.year,
        backend=args.backend,
        landing=args.landing,
        through=args.through,
        encoding=args.encoding,
        return_state=True,
    )
    print(f"import_file_drops finished: {state.name}: {state.message or ''}")
    raise SystemExit(0 if state.is_completed() else 1)


if __name__ == "__main__":
    main()

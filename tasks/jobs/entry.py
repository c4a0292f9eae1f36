"""Run one Spark job by name: the file both backends execute.

    python -m tasks.jobs.entry bronze_load --params '{"run_id": "...", "lake_root": "..."}'
    spark-submit tasks/jobs/entry.py bronze_load --params '...' --platform databricks

Locally `LocalDeltaSpark` calls the job function in-process; Databricks runs this file as a
`spark_python_task` with the same arguments (`--platform databricks`: use the cluster's
SparkSession as it is, register tables in the Unity Catalog named by the `catalog` param).
Metrics are printed as one JSON line prefixed with `JOB_METRICS ` and, with `--metrics-out`,
written to that path.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file (spark_python_task): make `tasks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tasks.jobs import JOBS, resolve_job  # noqa: E402

METRICS_PREFIX = "JOB_METRICS "
PLATFORMS = ("local", "databricks")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tasks.jobs.entry", description=__doc__.split("\n\n")[0])
    parser.add_argument("job", choices=sorted(JOBS), help="the job to run")
    parser.add_argument("--params", default="{}", help="job parameters as a JSON object")
    parser.add_argument("--metrics-out", default=None, help="also write the metrics JSON here")
    parser.add_argument("--master", default=None, help="Spark master when no session exists yet (local)")
    parser.add_argument(
        "--platform",
        choices=PLATFORMS,
        default="local",
        help="local: build a Delta session; databricks: use the cluster's session (default: %(default)s)",
    )
    return parser.parse_args(argv)


def session_for(platform: str, master: str | None, params: dict) -> object:
    """The SparkSession the job runs on, with the catalog the tables are registered in."""
    from tasks.spark.lake import use_catalog

    use_catalog(params.get("catalog"))
    if platform == "databricks":
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        return spark
    from tasks.spark.session import get_spark

    return get_spark(master=master or "local[*]", lake_root=params.get("lake_root"))


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    params = json.loads(args.params)
    if not isinstance(params, dict):
        raise SystemExit("--params must be a JSON object")
    spark = session_for(args.platform, args.master, params)
    metrics = resolve_job(args.job)(spark, params)
    line = json.dumps(metrics, default=str, sort_keys=True)
    print(METRICS_PREFIX + line, flush=True)
    if args.metrics_out:
        Path(args.metrics_out).write_text(line)
    return metrics


if __name__ == "__main__":
    main()

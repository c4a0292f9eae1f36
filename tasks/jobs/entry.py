"""Run one Spark job by name: the file both backends execute.

    python -m tasks.jobs.entry bronze_load --params '{"run_id": "...", "lake_root": "..."}'

Locally `LocalDeltaSpark` calls the job function in-process; Databricks runs this file as a
`spark_python_task` with the same arguments. Metrics are printed as one JSON line prefixed
with `JOB_METRICS ` and, with `--metrics-out`, written to that path.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tasks.jobs import JOBS, resolve_job

METRICS_PREFIX = "JOB_METRICS "


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tasks.jobs.entry", description=__doc__.split("\n\n")[0])
    parser.add_argument("job", choices=sorted(JOBS), help="the job to run")
    parser.add_argument("--params", default="{}", help="job parameters as a JSON object")
    parser.add_argument("--metrics-out", default=None, help="also write the metrics JSON here")
    parser.add_argument("--master", default=None, help="Spark master when no session exists yet")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    params = json.loads(args.params)
    if not isinstance(params, dict):
        raise SystemExit("--params must be a JSON object")
    from tasks.spark.session import get_spark

    spark = get_spark(master=args.master or "local[*]", lake_root=params.get("lake_root"))
    metrics = resolve_job(args.job)(spark, params)
    line = json.dumps(metrics, default=str, sort_keys=True)
    print(METRICS_PREFIX + line, flush=True)
    if args.metrics_out:
        Path(args.metrics_out).write_text(line)
    return metrics


if __name__ == "__main__":
    main()

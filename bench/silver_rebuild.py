"""Rebuild Silver from all of a lake's Bronze in this process (`silver_build` with `full_refresh`) on a
copy of the lake, and print its wall time, steps, threads and peak memory (the process tree, and each kind of
process in it: the Spark JVM, this Python).

    python -m bench.silver_rebuild --lake bench/.work/medium/lake-long            # threads as the job decides
    python -m bench.silver_rebuild --lake bench/.work/medium/lake-long --steps 3  # force 3 steps at once

The copy goes to `--work` (default a temporary folder) and is removed afterwards; the lake is not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.silver_rebuild", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lake", type=Path, required=True, help="a lake whose Bronze is loaded")
    parser.add_argument("--steps", type=int, default=None, help="parallel_steps (default: the job's own choice)")
    parser.add_argument("--work", type=Path, default=None, help="where the copy goes (default: a temporary folder)")
    args = parser.parse_args(argv)
    from bench.rss import TreeSampler
    from tasks.jobs import silver_build
    from tasks.spark.session import get_spark

    work = Path(tempfile.mkdtemp(prefix="silver-rebuild-", dir=args.work))
    try:
        lake = work / "lake"
        shutil.copytree(args.lake, lake)
        spark = get_spark(lake_root=str(lake))
        with TreeSampler(os.getpid(), interval_s=0.5) as sampler:
            started = time.monotonic()
            params = {
                "lake_root": str(lake),
                "full_refresh": True,
                **({"parallel_steps": args.steps} if args.steps is not None else {}),
            }
            result = silver_build.run(spark, params)
            seconds = time.monotonic() - started
        print(
            json.dumps(
                {
                    "seconds": round(seconds, 1),
                    "parallel_steps": result["parallel_steps"],
                    "bronze_mib_read": round(result["bronze_bytes_read"] / 2**20, 1),
                    "peak_rss_mib": round(sampler.peak() / 2**20),
                    "peak_rss_mib_by_process_kind": {
                        k: round(v / 2**20) for k, v in sampler.kind_peaks().items() if v >= 2**20
                    },
                    "step_seconds": result["step_seconds"],
                    "rows_changed": sum(m["inserted"] + m["updated"] for m in result["tables"].values()),
                },
                indent=1,
            )
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The floor of any pipeline run on this machine: a process that starts Prefect's temporary server,
runs a flow that starts a SparkSession with Delta and writes one small Delta table, and exits.

    python -m bench.floor --lake /tmp/floor-lake

`bench.run` times this process from start to exit and prints every figure as a ratio to it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow

from flows.temporary_server import start_temporary_server


@flow(name="bench_floor")
def floor(lake: str) -> int:
    from tasks.spark.session import get_spark

    spark = get_spark()
    spark.createDataFrame([(1, "one")], "id int, value string").write.format("delta").mode("overwrite").save(lake)
    return spark.read.format("delta").load(lake).count()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("--lake", type=Path, required=True)
    args = parser.parse_args(argv)
    start_temporary_server().ready()
    rows = floor(str(args.lake.resolve() / "floor"))
    raise SystemExit(0 if rows == 1 else 1)


if __name__ == "__main__":
    main()

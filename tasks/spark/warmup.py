"""Start and stop a Delta SparkSession once, so Spark fetches the Delta jars (first run only)."""

from __future__ import annotations

import time


def main() -> None:
    from tasks.spark.session import get_spark, stop_spark

    started = time.monotonic()
    spark = get_spark(master="local[1]")
    print(f"Spark {spark.version} with Delta ready in {time.monotonic() - started:.1f}s")
    stop_spark()


if __name__ == "__main__":
    main()

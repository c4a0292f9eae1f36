"""Prepare this environment's Spark: fetch the Delta jars (first run only) and write the class archive
(`tasks.spark.class_archive`) from a small Delta job, so later JVMs start faster.

    python -m tasks.spark.warmup              # what `make jars` runs; quick when both are there
    python -m tasks.spark.warmup --rebuild    # write the archive again
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from tasks.spark.exercise import exercise


def write_archive(target: Path) -> float:
    """Run `exercise` in a fresh JVM that writes the classes it loaded to `target`; seconds it took."""
    from tasks.spark.class_archive import dump_options
    from tasks.spark.evaluation import interpreted
    from tasks.spark.session import get_spark, stop_spark

    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    spark = get_spark(master="local[1]", conf={"spark.driver.extraJavaOptions": dump_options(partial)})
    for interpret in (False, True):  # the classes of both evaluations (tasks.spark.evaluation)
        with tempfile.TemporaryDirectory(prefix="yt-lakehouse-warmup-") as folder, interpreted(spark, interpret):
            exercise(spark, folder)
    code = stop_spark(stop_jvm=True)  # the JVM writes the archive as it exits
    if code != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"the JVM wrote no class archive (exit code {code})")
    partial.replace(target)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> None:
    from tasks.spark.class_archive import archive_path
    from tasks.spark.session import get_spark, stop_spark

    parser = argparse.ArgumentParser(prog="python -m tasks.spark.warmup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="write the class archive even if it exists")
    args = parser.parse_args(argv)
    target = archive_path()
    if target.is_file() and not args.rebuild:
        started = time.monotonic()
        spark = get_spark(master="local[1]")
        print(f"Spark {spark.version} with Delta ready in {time.monotonic() - started:.1f}s; class archive {target}")
        stop_spark()
        return
    seconds = write_archive(target)
    print(
        f"Delta jars ready; class archive written in {seconds:.1f}s: {target} ({target.stat().st_size / 2**20:.0f} MiB)"
    )


if __name__ == "__main__":
    main()

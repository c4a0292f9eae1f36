"""The state of one Silver build: each Bronze table's new rows read once, rejects gathered for quarantine,
what each batch held (for the dimensions), and seconds per step."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tasks.jobs.bronze_tables import REWRITTEN_GROUPS
from tasks.silver.increments import new_rows


class SilverRun:
    """Reads each Bronze table's new rows once and remembers the versions read."""

    def __init__(self, spark: Any, lake_root: str, marks: dict[str, int]):
        self.spark, self.lake_root, self.marks = spark, lake_root, marks
        self.versions: dict[str, int] = {}
        self.read_modes: dict[str, str] = {}
        self.bad: list[Any] = []
        self.held: list[Any] = []  # cached rejects, unpersisted once written
        self.observed: dict[str, dict[str, Any]] = {}  # per table: the batch's distinct values, date range
        self.seconds: dict[str, float] = {}  # wall time per step, for the run's figures

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        from tasks.spark.profile import spark_step

        started = time.monotonic()
        try:
            with spark_step(self.spark, f"silver {step}"):
                yield
        finally:
            self.seconds[step] = round(self.seconds.get(step, 0.0) + time.monotonic() - started, 2)

    def bronze(self, table: str) -> Any:
        rows, version, how = new_rows(
            self.spark, self.lake_root, table, self.marks.get(table), REWRITTEN_GROUPS.get(table, ())
        )
        self.versions[table], self.read_modes[table] = version, how
        return rows

    def reject(self, bad: Any, target: str, record_col: str = "item_json", now: bool = False) -> None:
        """Quarantine `bad`'s rows (written after every step). `now`: compute them at once, while the
        frame they come from is cached, and keep them until then."""
        from pyspark.sql import functions as F

        rows = bad.select(
            "run_id",
            F.lit("silver").alias("stage"),
            F.lit(target).alias("target_table"),
            "reason",
            F.col("request_id" if "request_id" in bad.columns else "source_request_id").alias("source_request_id"),
            "request",
            "landing_path",
            F.substring(F.col(record_col).cast("string"), 1, 2000).alias("record"),
        )
        if now:
            rows = rows.persist()
            rows.count()
            self.held.append(rows)
        self.bad.append(rows)


def lineage() -> list[Any]:
    """Where a Silver row came from (see merge.LINEAGE_COLUMNS)."""
    from pyspark.sql import functions as F

    return ["ingest_ts_utc", "run_id", F.col("request_id").alias("source_request_id")]

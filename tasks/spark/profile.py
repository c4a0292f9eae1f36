"""How many Spark jobs and stages a step ran, and its wall time: the profile of a run's Spark work.

Each step's Spark jobs run under a job group named for it; Spark's status tracker then counts
them. Steps are kept per process in `STEPS` (label -> seconds, jobs, stages), in the order run,
and logged at INFO by `tasks.spark.profile`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

logger = logging.getLogger(__name__)
STEPS: list[dict[str, Any]] = []


@contextmanager
def spark_step(spark: Any, label: str) -> Iterator[dict[str, Any]]:
    """Run the block's Spark jobs under job group `label`; record its wall time, jobs and stages."""
    sc = spark.sparkContext
    group = f"{label}#{len(STEPS)}"
    previous = sc.getLocalProperty("spark.jobGroup.id")
    sc.setJobGroup(group, label)
    entry: dict[str, Any] = {"step": label, "seconds": 0.0, "jobs": 0, "stages": 0}
    started = time.monotonic()
    try:
        yield entry
    finally:
        entry["seconds"] = round(time.monotonic() - started, 2)
        tracker = sc.statusTracker()
        ids = tracker.getJobIdsForGroup(group)
        entry["jobs"] = len(ids)
        entry["stages"] = sum(len(info.stageIds) for info in map(tracker.getJobInfo, ids) if info is not None)
        if previous:
            sc.setLocalProperty("spark.jobGroup.id", previous)
        else:
            sc.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
        STEPS.append(entry)
        logger.info(
            "spark step %s: %.2f s, %d jobs, %d stages", label, entry["seconds"], entry["jobs"], entry["stages"]
        )


def profile_table(steps: list[dict[str, Any]] | None = None) -> str:
    """The steps as a markdown table."""
    rows = ["| step | wall s | Spark jobs | stages |", "|---|---:|---:|---:|"]
    for s in steps if steps is not None else STEPS:
        rows.append(f"| {s['step']} | {s['seconds']:.2f} | {s['jobs']} | {s['stages']} |")
    return "\n".join(rows)

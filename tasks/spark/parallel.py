"""Independent steps of one Spark job on threads of the one SparkSession.

A small step is mostly driver round trips (planning, Delta log reads, commits), not executor work, so a
few steps at once overlap their waits. Each step must write only its own tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PARALLEL_STEPS = 3
# Above this much input a step is CPU- and memory-bound, not waiting on the driver: steps at once then only
# contend for 2 cores and the driver's heap. Jobs pass their own limit (bench/README.md has the figures).
PARALLEL_MAX_BYTES = 256 * 2**20


def steps_for(params: dict[str, Any], input_bytes: int, max_bytes: int = PARALLEL_MAX_BYTES) -> int:
    """How many steps run at once: the job's `parallel_steps` when given, else `PARALLEL_STEPS` for an
    input of at most `max_bytes` and 1 above."""
    if params.get("parallel_steps") is not None:
        return max(1, int(params["parallel_steps"]))
    return PARALLEL_STEPS if input_bytes <= max_bytes else 1


def in_parallel(steps: list[Callable[[], Any]], workers: int = PARALLEL_STEPS) -> list[Any]:
    """Run the steps, at most `workers` at once; their results in order. On threads, every step runs to
    its end before the first error (in the steps' order) is raised, so none is left running in the
    background; with one worker they run in order and the first error stops them."""
    if workers <= 1 or len(steps) <= 1:
        return [step() for step in steps]
    from concurrent.futures import ThreadPoolExecutor, wait

    with ThreadPoolExecutor(max_workers=min(workers, len(steps)), thread_name_prefix="spark-step") as pool:
        futures = [pool.submit(step) for step in steps]
        wait(futures)
    return [future.result() for future in futures]

"""Independent steps on threads: results in order, every step ends before an error is raised."""

from __future__ import annotations

import threading
import time

import pytest

from tasks.spark.parallel import in_parallel


def test_results_come_back_in_the_steps_order_and_steps_overlap():
    seen: set[str] = set()

    def step(n: int, seconds: float):
        def run() -> int:
            seen.add(threading.current_thread().name)
            time.sleep(seconds)
            return n

        return run

    started = time.monotonic()
    assert in_parallel([step(1, 0.3), step(2, 0.1), step(3, 0.2)], workers=3) == [1, 2, 3]
    assert time.monotonic() - started < 0.55 and len(seen) == 3


def test_an_error_is_raised_only_after_every_step_ended():
    ended: list[str] = []

    def fails() -> None:
        raise ValueError("bad step")

    def slow() -> None:
        time.sleep(0.2)
        ended.append("slow")

    with pytest.raises(ValueError, match="bad step"):
        in_parallel([fails, slow], workers=2)
    assert ended == ["slow"]


def test_one_worker_runs_them_in_order_on_this_thread():
    order: list[str] = []
    steps = [lambda: order.append(threading.current_thread().name) or 1, lambda: order.append("second") or 2]
    assert in_parallel(steps, workers=1) == [1, 2]
    assert order == [threading.current_thread().name, "second"]


def test_steps_run_at_once_only_for_small_inputs_unless_the_job_says():
    from tasks.spark.parallel import PARALLEL_MAX_BYTES, PARALLEL_STEPS, steps_for

    assert steps_for({}, 0) == PARALLEL_STEPS
    assert steps_for({}, PARALLEL_MAX_BYTES) == PARALLEL_STEPS
    assert steps_for({}, PARALLEL_MAX_BYTES + 1) == 1
    assert steps_for({"parallel_steps": 2}, 10 * PARALLEL_MAX_BYTES) == 2
    assert steps_for({"parallel_steps": 0}, 0) == 1
    assert steps_for({"parallel_steps": None}, 0) == PARALLEL_STEPS
    assert steps_for({}, 5 * 2**20, max_bytes=2 * 2**20) == 1
    assert steps_for({}, 2**20, max_bytes=2 * 2**20) == PARALLEL_STEPS

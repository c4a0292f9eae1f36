"""Runs that write one lake take turns (a Prefect global concurrency limit per lake), on a real server."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
import uuid

import pytest

pytestmark = pytest.mark.prefect_server
SPANS: dict[str, list[tuple[float, float]]] = {}  # per test: when each holder held the slot


def _holding_flow():
    from prefect import flow

    from tasks.lake_lock import lake_lock

    @flow(name="holds_a_lake")
    def holds(key: str, seconds: float, spans: str, poll: float = 0.5) -> str:
        with lake_lock(key, wait_seconds=60, poll_seconds=poll) as name:
            began = time.monotonic()
            time.sleep(seconds)
            SPANS.setdefault(spans, []).append((began, time.monotonic()))
            return name

    return holds


def _in_threads(*calls):
    threads = []
    for delay, target in calls:
        threads.append(threading.Thread(target=target))
        threads[-1].start()
        time.sleep(delay)
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)


def test_two_runs_on_one_lake_take_turns_and_other_lakes_do_not_wait(prefect_server):
    holds = _holding_flow()
    lake = f"/lakes/{uuid.uuid4()}"
    _in_threads((0.5, lambda: holds(lake, 3.0, "same")), (0, lambda: holds(lake, 0.5, "same")))
    (a_start, a_end), (b_start, b_end) = sorted(SPANS["same"])
    assert b_start >= a_end  # the second began only after the first let go

    _in_threads(
        (0.5, lambda: holds(f"/lakes/{uuid.uuid4()}", 3.0, "two")),
        (0, lambda: holds(f"/lakes/{uuid.uuid4()}", 3.0, "two")),
    )
    (c_start, c_end), (d_start, _) = sorted(SPANS["two"])
    assert d_start < c_end  # two lakes: no waiting


def test_a_subflow_of_the_holder_passes_through(prefect_server):
    from prefect import flow

    from tasks.lake_lock import lake_lock

    lake = f"/lakes/{uuid.uuid4()}"

    @flow
    def child() -> str:
        with lake_lock(lake, wait_seconds=5, poll_seconds=1) as name:
            return name

    @flow
    def parent() -> tuple[str, str]:
        with lake_lock(lake, wait_seconds=5, poll_seconds=1) as name:
            return name, child()

    started = time.monotonic()
    outer, inner = parent()
    assert outer == inner and time.monotonic() - started < 30


def _occupy_as(name: str, process: dict | None, flow_run_id: str | None = None) -> None:
    """The slot taken and never given back, as by a holder that was SIGKILLed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate
    from prefect.variables import Variable

    from tasks.lake_lock import _holder_variable, ensure_limit

    ensure_limit(name)
    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=1))
    if process is not None:
        Variable.set(
            _holder_variable(name), {"flow_run_id": flow_run_id, "process": process, "since": "then"}, overwrite=True
        )


def test_the_slot_of_a_killed_holder_is_freed_by_the_next_run(prefect_server):
    from tasks.lake_lock import holder, lock_name
    from tasks.processes import _start_ticks, this_process

    dead = subprocess.Popen(["sleep", "60"])
    process = {**this_process(), "pid": dead.pid, "start_ticks": _start_ticks(dead.pid)}
    dead.kill()
    dead.wait()
    lake = f"/lakes/{uuid.uuid4()}"
    _occupy_as(lock_name(lake), process, flow_run_id=str(uuid.uuid4()))
    started = time.monotonic()
    _holding_flow()(lake, 0.1, "freed", poll=1.0)
    assert len(SPANS["freed"]) == 1 and time.monotonic() - started < 30
    assert holder(lock_name(lake)) is None  # released cleanly afterwards


def test_a_slot_held_with_no_holder_recorded_is_freed_after_the_orphan_time(prefect_server):
    """A lost acquisition (the server granted a try the client had given up on) holds the slot with nobody
    recorded: the next run waits `orphan_seconds`, frees it with a warning, and takes it."""
    from prefect import flow

    from tasks.lake_lock import holder, lake_lock, lock_name

    lake = f"/lakes/{uuid.uuid4()}"
    _occupy_as(lock_name(lake), None)  # taken, no record

    @flow
    def patient() -> float:
        started = time.monotonic()
        with lake_lock(lake, wait_seconds=60, poll_seconds=0.5, orphan_seconds=3):
            return time.monotonic() - started

    waited = patient()
    assert 3 <= waited < 30
    assert holder(lock_name(lake)) is None  # released cleanly afterwards


def test_a_live_or_unknown_holder_is_waited_for_then_the_run_fails_clearly(prefect_server):
    from prefect import flow

    from tasks.lake_lock import LakeBusyError, lake_lock, lock_name
    from tasks.processes import this_process

    lake = f"/lakes/{uuid.uuid4()}"
    _occupy_as(lock_name(lake), this_process())  # alive: this very process

    @flow
    def impatient() -> None:
        with lake_lock(lake, wait_seconds=2, poll_seconds=1):
            raise AssertionError("must not get the slot")

    errors = _ErrorRecords()
    service_log = logging.getLogger("prefect._internal.concurrency")  # Prefect's slot acquisition service
    service_log.addHandler(errors)
    try:
        state = impatient(return_state=True)
    finally:
        service_log.removeHandler(errors)
    assert state.is_failed()
    with pytest.raises(LakeBusyError, match=f"lake {lake} is busy: another run has held its slot"):
        state.result()
    # waiting is not an error: a poll that finds the slot taken does not try (and time out) to take it
    assert errors.messages == []


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

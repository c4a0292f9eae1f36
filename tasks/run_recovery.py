"""Runs that died without finalising their `bronze.run_context_log` row.

A run killed with SIGKILL, by the OOM killer or a machine restart leaves its row `RUNNING`. The next
run (and the smoke check) looks at every other `RUNNING` row:

- Prefect knows a terminal state of that flow run (a worker's crash detection marks a flow whose
  process died `Crashed`; a flow that ended after its row was written has its own state): the row
  gets that state.
- Prefect still shows it running (an ad-hoc run has no worker to notice), or does not know it: the
  process recorded in the row is checked. On the same host, a process that no longer exists (or a
  pid now used by another process, or a host that restarted since) means the run is dead: the row
  becomes `CRASHED`, and the Prefect flow run too, so both tell the same story.
- Otherwise (the process is alive, or runs on another host) the row is left alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tasks.processes import process_alive

TERMINAL_PREFECT = {"COMPLETED": "COMPLETED", "FAILED": "FAILED", "CRASHED": "CRASHED", "CANCELLED": "CANCELLED"}


@dataclass(frozen=True)
class Verdict:
    status: str | None  # the terminal status to write; None: leave the row alone
    reason: str
    crash_in_prefect: bool = False


def judge(prefect_state: str | None, alive: bool | None) -> Verdict:
    """What to do with a `RUNNING` row, from its flow run's state type in Prefect (None: unknown to it)
    and whether its process is alive (None: cannot tell from here)."""
    if prefect_state in TERMINAL_PREFECT:
        return Verdict(TERMINAL_PREFECT[prefect_state], f"Prefect flow run state {prefect_state}")
    seen = f"Prefect flow run state {prefect_state}" if prefect_state else "flow run unknown to Prefect"
    if alive is False:
        return Verdict("CRASHED", f"{seen}, but its process is gone", crash_in_prefect=prefect_state is not None)
    if alive is None:
        return Verdict(None, f"{seen}; its process is not on this host: left alone")
    return Verdict(None, f"{seen}; its process is alive: left alone")


def _prefect_state(run_id: str) -> tuple[str | None, Any]:
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        flow_run_id = UUID(run_id)
    except ValueError:
        return None, None
    with get_client(sync_client=True) as client:
        try:
            state = client.read_flow_run(flow_run_id).state
        except ObjectNotFound:
            return None, None
    return (state.type.value if state else None), flow_run_id


def _mark_crashed_in_prefect(flow_run_id: Any, message: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.states import Crashed

    with get_client(sync_client=True) as client:
        client.set_flow_run_state(flow_run_id, Crashed(message=message), force=True)


def finalise_dead_runs(backend: str, open_runs: list[dict[str, Any]], found_by: str | None) -> list[dict[str, Any]]:
    """Finalise the dead runs among `open_runs` (rows from the `run_log_start` / `run_log_open` jobs);
    what was decided for every row. Call inside a flow."""
    from prefect import get_run_logger

    from tasks.compute import run_spark_job

    logger = get_run_logger()
    decisions: list[dict[str, Any]] = []
    for row in open_runs:
        state, flow_run_id = _prefect_state(row["run_id"])
        process = json.loads(row["flow_process"]) if row.get("flow_process") else None
        verdict = judge(state, None if state in TERMINAL_PREFECT else process_alive(process))
        where = f"pid {process['pid']} on {process['host']}" if process else "no process recorded"
        message = (
            f"found RUNNING at {datetime.now(UTC).isoformat(timespec='seconds')} by "
            f"{f'run {found_by}' if found_by else 'a check'}: {verdict.reason} ({where}; "
            f"started {row.get('started_at_utc')})"
        )
        decisions.append({"run_id": row["run_id"], "status": verdict.status, "message": message})
        if verdict.status is None:
            logger.info("run %s still RUNNING: %s", row["run_id"], message)
            continue
        logger.warning("run %s did not finish: marked %s; %s", row["run_id"], verdict.status, message)
        if verdict.crash_in_prefect:
            _mark_crashed_in_prefect(flow_run_id, f"process gone without finishing ({message})")
    finished = [d for d in decisions if d["status"]]
    if finished:
        run_spark_job(backend, "run_log_finalise", {"runs": finished})
    return decisions

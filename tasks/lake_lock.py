"""Runs that write one lake take turns: a Prefect global concurrency limit of one slot per lake.

The parent flow takes the lake's slot for its whole run, and so does each subflow run on its own (an
event-triggered deployment, an ad-hoc `python -m flows.gold`); a subflow called by a parent that holds
the slot does not take it again. The slot is held with a lease Prefect renews while the run lives.

A run killed with SIGKILL cannot give its slot back. A Prefect server with its services (`prefect server
start`, Prefect Cloud) frees it when the lease expires; a temporary server (ad-hoc runs, the test
harness) dies with the run and runs no such service. So the holder is also recorded in a Prefect
variable, and a waiting run frees the slot when that holder is over: its flow run is in a terminal state,
or its process is gone from this host; or when the slot has been held with no holder recorded for
`ORPHAN_SECONDS` (an acquisition the server granted after the client's try had timed out).

A waiting run asks the server whether the slot is free before it tries to take it, and otherwise sleeps
between polls: Prefect's acquisition logs an ERROR ("Service ... failed to process item") each time a try
times out, which would otherwise be one misleading line per poll for as long as the run waits.

Delta's optimistic concurrency stays the last line: two writers that somehow overlap get a conflict
error (a failed run to re-run), never a corrupt table.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

LEASE_SECONDS = 120.0
POLL_SECONDS = 15.0
FIRST_TRY_SECONDS = 10.0
# A slot held with no holder recorded for this long is a lost acquisition: a try that timed out on the client
# while the server granted it (seen on a loaded 2-core machine with a 1 s try), or a holder killed between
# taking the slot and recording itself. A full server's lease expiry would have freed it by then.
ORPHAN_SECONDS = 2 * LEASE_SECONDS
DEFAULT_WAIT_SECONDS = 6 * 3600.0
_HELD: ContextVar[frozenset[str]] = ContextVar("lake_locks_held", default=frozenset())


class LakeBusyError(TimeoutError):
    """Another run held the lake's slot for longer than this run would wait."""


def lock_name(lake_key: str) -> str:
    """The global concurrency limit's name for a lake (its location, and the catalog on Databricks)."""
    return "lake-" + hashlib.sha256(lake_key.encode()).hexdigest()[:16]


def _holder_variable(name: str) -> str:
    return name.replace("-", "_") + "_holder"


def ensure_limit(name: str) -> None:
    """Create the one-slot limit if it does not exist (`concurrency()` does not create limits)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
            except ObjectAlreadyExists:
                pass


def _record_holder(name: str, flow_run_id: str | None) -> None:
    from prefect.variables import Variable

    from tasks.processes import this_process

    Variable.set(
        _holder_variable(name),
        {
            "flow_run_id": flow_run_id,
            "process": this_process(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        overwrite=True,
    )


def _clear_holder(name: str) -> None:
    from prefect.variables import Variable

    Variable.unset(_holder_variable(name))


def holder(name: str) -> dict[str, Any] | None:
    """Who holds (or last held) the lake's slot, as its holder recorded it."""
    from prefect.variables import Variable

    return Variable.get(_holder_variable(name))


def holder_is_over(record: dict[str, Any] | None) -> bool:
    """Whether the recorded holder can no longer give the slot back: its flow run ended, or its process
    is gone from this host. Unknown holders (another host, nothing recorded) are waited for."""
    from tasks.processes import process_alive
    from tasks.run_recovery import TERMINAL_PREFECT, _prefect_state

    if not record:
        return False
    state, _ = _prefect_state(str(record.get("flow_run_id") or ""))
    return state in TERMINAL_PREFECT or process_alive(record.get("process")) is False


def slot_taken(name: str) -> bool:
    """Whether the lake's slot is held now (a limit that is missing or switched off holds nothing)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            return False
    return bool(limit.active) and limit.active_slots >= limit.limit


def _free_if_orphaned(
    name: str,
    logger: Any,
    record: dict[str, Any] | None,
    unrecorded_for: float = 0.0,
    orphan_seconds: float = ORPHAN_SECONDS,
) -> bool:
    """Free the slot of a holder (`record`) that is over, or of nobody recorded for `orphan_seconds`
    (`unrecorded_for`: how long this waiter has seen no record); whether it was freed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    if record is None and unrecorded_for >= orphan_seconds:
        logger.warning(
            "lake slot %s: held for %.0f s with no holder recorded (a lost acquisition); freeing it",
            name,
            unrecorded_for,
        )
    elif not holder_is_over(record):
        return False
    else:
        logger.warning("lake slot %s: holder %s is over without giving it back; freeing it", name, record)
    _record_holder(name, None)  # claimed first, so a second waiter sees a live record
    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=0))
    return True


def _flow_run_id() -> str | None:
    from prefect.runtime import flow_run

    return flow_run.get_id()


def hold_lake(backend: str, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> Any:
    """`lake_lock` for the lake of a compute backend block reference. Call inside a flow."""
    from blocks.resolve import load_backend

    return lake_lock(load_backend(backend).lake_key(), wait_seconds)


@contextmanager
def lake_lock(
    lake_key: str,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    poll_seconds: float = POLL_SECONDS,
    orphan_seconds: float = ORPHAN_SECONDS,
) -> Iterator[str]:
    """Hold the lake's slot for the block; re-entrant within a run (subflows of a holder pass through)."""
    from uuid import UUID

    from prefect import get_run_logger
    from prefect.client.schemas.objects import ConcurrencyLeaseHolder
    from prefect.concurrency.sync import concurrency

    name = lock_name(lake_key)
    if name in _HELD.get():
        yield name
        return
    logger = get_run_logger()
    ensure_limit(name)
    run_id = _flow_run_id()
    lease_holder = ConcurrencyLeaseHolder(type="flow_run", id=UUID(run_id)) if run_id else None
    started = time.monotonic()
    unrecorded_since: float | None = None  # since when the slot has looked taken with no holder recorded
    # A try is short: the slot looked free, so a try that times out most likely lost it to another run.
    try_seconds = min(poll_seconds, FIRST_TRY_SECONDS)
    with ExitStack() as stack:
        while True:
            if not slot_taken(name):
                try:
                    stack.enter_context(
                        concurrency(
                            name,
                            occupy=1,
                            timeout_seconds=try_seconds,
                            strict=True,
                            lease_duration=LEASE_SECONDS,
                            holder=lease_holder,
                            raise_on_lease_renewal_failure=False,
                        )
                    )
                    break
                except TimeoutError:
                    pass
            record, now = holder(name), time.monotonic()
            unrecorded_since = (unrecorded_since or now) if record is None else None
            if _free_if_orphaned(name, logger, record, now - (unrecorded_since or now), orphan_seconds):
                unrecorded_since = None
                continue
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                raise LakeBusyError(
                    f"lake {lake_key} is busy: another run has held its slot {name} for "
                    f"{waited:.0f} s ({holder(name)}); not starting"
                )
            logger.info("lake %s is busy (slot %s held by %s); waited %.0f s", lake_key, name, holder(name), waited)
            time.sleep(min(poll_seconds, max(wait_seconds - waited, 0.0)))
        _record_holder(name, run_id)
        waited = time.monotonic() - started
        if waited > poll_seconds:
            logger.info("lake slot %s taken after waiting %.0f s", name, waited)
        token = _HELD.set(_HELD.get() | {name})
        try:
            yield name
        finally:
            _HELD.reset(token)
            _clear_holder(name)  # before the slot goes back: a record names a live holder only

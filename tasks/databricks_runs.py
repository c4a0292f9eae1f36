"""Databricks one-time runs through prefect-databricks' REST client: submit, wait, cancel, read output.

prefect-databricks' own `jobs_runs_submit_and_wait_for_completion` neither cancels the run when the
wait is abandoned nor survives one transient error while polling, so the loop lives here. Every call
goes through `prefect_databricks.rest.execute_endpoint`, i.e. the credentials block's HTTP client.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect_databricks import DatabricksCredentials

TERMINAL_STATES = frozenset({"TERMINATED", "SKIPPED", "INTERNAL_ERROR"})
METRICS_PREFIX = "JOB_METRICS "  # printed by tasks/jobs/entry.py
ERROR_TRACE_CHARS = 4000


class DatabricksApiError(RuntimeError):
    """An HTTP call to the Jobs API that failed; `transient` ones are worth retrying."""

    def __init__(self, message: str, status: int | None = None, transient: bool = False):
        super().__init__(message)
        self.status = status
        self.transient = transient


class DatabricksRunError(RuntimeError):
    """A submitted run that did not succeed."""

    def __init__(self, message: str, run_id: int | None = None, run_page_url: str | None = None):
        super().__init__(message)
        self.run_id = run_id
        self.run_page_url = run_page_url


class DatabricksRunFailed(DatabricksRunError):
    """The run ended FAILED, TIMEDOUT, CANCELED, SKIPPED or INTERNAL_ERROR."""


class DatabricksRunTimeout(DatabricksRunError):
    """The run did not end within the wait limit; it has been cancelled."""


@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    run_page_url: str | None
    state: dict[str, Any]
    logs: str
    metrics: dict[str, Any]


@dataclass
class RetryPolicy:
    """Transient errors (5xx, 429, timeouts, connection errors) are retried this many times in a row."""

    attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * 2**attempt) * (0.5 + random.random() / 2)


def call(
    credentials: DatabricksCredentials,
    method: str,
    endpoint: str,
    params: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One Jobs API call; the JSON answer, or DatabricksApiError saying what went wrong."""
    import httpx
    from prefect.utilities.asyncutils import run_coro_as_sync
    from prefect_databricks.rest import HTTPMethod, execute_endpoint

    try:
        response = run_coro_as_sync(
            execute_endpoint.fn(endpoint, credentials, http_method=HTTPMethod(method), params=params, json=body)
        )
    except httpx.TransportError as exc:  # timeouts, refused or reset connections
        raise DatabricksApiError(f"{method.upper()} {endpoint}: {type(exc).__name__}: {exc}", transient=True) from exc
    if response.status_code >= 400:
        try:
            detail = response.json()
            text = f"{detail.get('error_code', '')}: {detail.get('message', '')}".strip(": ")
        except ValueError:
            text = response.text[:500]
        raise DatabricksApiError(
            f"{method.upper()} {endpoint}: HTTP {response.status_code} {text}",
            status=response.status_code,
            transient=response.status_code == 429 or response.status_code >= 500,
        )
    return response.json() if response.content else {}


def call_with_retries(
    credentials: DatabricksCredentials,
    method: str,
    endpoint: str,
    retry: RetryPolicy,
    params: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    for attempt in range(retry.attempts + 1):
        try:
            return call(credentials, method, endpoint, params=params, body=body)
        except DatabricksApiError as exc:
            if not exc.transient or attempt == retry.attempts:
                raise
            if on_retry:
                on_retry(f"{exc} (retry {attempt + 1}/{retry.attempts})")
            retry.sleep(retry.delay(attempt))
    raise AssertionError("unreachable")


def parse_metrics(logs: str) -> dict[str, Any] | None:
    """The metrics JSON the job entry printed last, if any."""
    for line in reversed(logs.splitlines()):
        if line.startswith(METRICS_PREFIX):
            return json.loads(line[len(METRICS_PREFIX) :])
    return None


@dataclass
class RunWaiter:
    """Submit one run and wait for it; cancel it if the wait ends any other way than its end."""

    credentials: DatabricksCredentials
    poll_interval: float = 10.0
    timeout: float = 3600.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    log: Callable[[str], None] = print
    clock: Callable[[], float] = time.monotonic

    def run(self, payload: dict[str, Any], on_submitted: Callable[[int, str | None], None] | None = None) -> RunOutcome:
        submitted = call_with_retries(
            self.credentials, "post", "/2.1/jobs/runs/submit", self.retry, body=payload, on_retry=self.log
        )
        run_id = int(submitted["run_id"])
        run: dict[str, Any] = {}
        try:
            run = self._get(run_id)
            if on_submitted:
                on_submitted(run_id, run.get("run_page_url"))
            deadline = self.clock() + self.timeout
            while run.get("state", {}).get("life_cycle_state") not in TERMINAL_STATES:
                if self.clock() >= deadline:
                    raise DatabricksRunTimeout(
                        f"Databricks run {run_id} did not finish within {self.timeout:.0f}s; it was cancelled",
                        run_id,
                        run.get("run_page_url"),
                    )
                self._sleep(min(self.poll_interval, max(0.0, deadline - self.clock())))
                run = self._get(run_id)
        except BaseException:  # our timeout, a Prefect timeout or cancellation, Ctrl-C
            self._cancel_despite_interrupts(run_id)
            raise
        return self._outcome(run_id, run)

    def _cancel_despite_interrupts(self, run_id: int, attempts: int = 3) -> None:
        """Cancel even when a second Ctrl-C (or SIGTERM) arrives while cancelling."""
        for _ in range(attempts):
            try:
                self.cancel(run_id)
                return
            except KeyboardInterrupt:
                continue

    def cancel(self, run_id: int) -> None:
        try:
            call_with_retries(
                self.credentials,
                "post",
                "/2.1/jobs/runs/cancel",
                RetryPolicy(attempts=3, base_delay=0.5, sleep=self.retry.sleep),
                body={"run_id": run_id},
            )
            self.log(f"cancelled Databricks run {run_id}")
        except Exception as exc:  # best effort: the original error matters more
            self.log(f"could not cancel Databricks run {run_id}: {exc}")

    def _get(self, run_id: int) -> dict[str, Any]:
        return call_with_retries(
            self.credentials, "get", "/2.1/jobs/runs/get", self.retry, params={"run_id": run_id}, on_retry=self.log
        )

    def _sleep(self, seconds: float) -> None:
        # short slices: a Prefect timeout in a worker thread is delivered between Python calls
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))

    def _outcome(self, run_id: int, run: dict[str, Any]) -> RunOutcome:
        state = run.get("state", {})
        url = run.get("run_page_url")
        tasks = run.get("tasks") or []
        output: dict[str, Any] = {}
        task_run_id = tasks[0].get("run_id") if tasks else run_id
        if state.get("life_cycle_state") != "INTERNAL_ERROR" or tasks:
            try:
                output = call_with_retries(
                    self.credentials,
                    "get",
                    "/2.1/jobs/runs/get-output",
                    self.retry,
                    params={"run_id": task_run_id},
                    on_retry=self.log,
                )
            except DatabricksApiError as exc:
                output = {"error": f"(no output: {exc})"}
        logs = output.get("logs") or ""
        if state.get("life_cycle_state") != "TERMINATED" or state.get("result_state") != "SUCCESS":
            parts = [
                f"Databricks run {run_id} ended {state.get('life_cycle_state')}"
                f"/{state.get('result_state') or '-'}: {state.get('state_message') or 'no state message'}"
            ]
            if output.get("error"):
                parts.append(f"error: {output['error']}")
            if output.get("error_trace"):
                parts.append(f"error trace (end):\n{output['error_trace'][-ERROR_TRACE_CHARS:]}")
            if url:
                parts.append(f"run page: {url}")
            raise DatabricksRunFailed("\n".join(parts), run_id, url)
        metrics = parse_metrics(logs)
        if metrics is None:
            raise DatabricksRunFailed(
                f"Databricks run {run_id} succeeded but printed no {METRICS_PREFIX.strip()} line "
                f"(logs truncated: {bool(output.get('logs_truncated'))}); run page: {url}",
                run_id,
                url,
            )
        return RunOutcome(run_id, url, state, logs, metrics)

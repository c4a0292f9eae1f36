"""Execute API requests under the retry policy and count what they cost."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tasks.youtube.errors import (
    Action,
    AuthenticationError,
    QuotaExhaustedError,
    Verdict,
    classify_exception,
)

logger = logging.getLogger(__name__)

# Data API list calls cost 1 unit a page; Analytics reports.query counts 1 against its own quota.
DEFAULT_UNIT_COSTS: dict[str, int] = {
    "youtube.videos.list": 1,
    "youtube.videoCategories.list": 1,
    "youtube.channels.list": 1,
    "youtube.playlistItems.list": 1,
    "youtubeAnalytics.reports.query": 1,
    # the Reporting API has no unit quota: its calls are counted, at no unit cost
    "youtubereporting.reportTypes.list": 0,
    "youtubereporting.jobs.list": 0,
    "youtubereporting.jobs.create": 0,
    "youtubereporting.jobs.reports.list": 0,
    "youtubereporting.media.download": 0,
}


@dataclass
class EndpointUsage:
    requests: int = 0  # HTTP attempts answered by the API (each costs units, errors too)
    units: int = 0
    retries: int = 0
    failed: int = 0


@dataclass
class FailedRequest:
    endpoint: str
    params: dict[str, Any]
    status: int | None
    reason: str
    message: str

    def as_row(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "params": self.params,
            "status": self.status,
            "reason": self.reason,
            "message": self.message[:300],
        }


@dataclass
class ApiExecutor:
    """Runs `HttpRequest`s with jittered exponential backoff for transient errors only."""

    max_retries: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 64.0
    unit_costs: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_UNIT_COSTS))
    sleep: Callable[[float], None] = time.sleep
    rng: Callable[[], float] = random.random
    usage: dict[str, EndpointUsage] = field(default_factory=dict)
    failures: list[FailedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # workers share the counts

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry `attempt` (1-based): full jitter, capped."""
        return min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)) * (0.5 + self.rng() / 2)

    def execute(self, endpoint: str, request: Any, params: dict[str, Any]) -> bytes | None:
        """Raw response body, or None when the request failed for good (recorded in `failures`).

        Raises QuotaExhaustedError and AuthenticationError: those end fetching.
        """
        with self._lock:
            usage = self.usage.setdefault(endpoint, EndpointUsage())
        attempt = 0
        while True:
            try:
                body = request.execute(num_retries=0)
                self._count(endpoint, usage)
                return body if isinstance(body, bytes) else str(body).encode("utf-8")
            except Exception as exc:  # noqa: BLE001 - classified below, unknown kinds re-raised
                verdict = classify_exception(exc)
                if verdict.status is not None:
                    self._count(endpoint, usage)
            if verdict.action is Action.QUOTA:
                self._fail(endpoint, params, usage, verdict)
                raise QuotaExhaustedError(endpoint, verdict.reason, verdict.message)
            if verdict.action is Action.AUTH:
                self._fail(endpoint, params, usage, verdict)
                raise AuthenticationError(f"{endpoint}: {verdict.message}")
            if verdict.action is Action.RETRY and attempt < self.max_retries:
                attempt += 1
                with self._lock:
                    usage.retries += 1
                delay = self.backoff(attempt)
                logger.warning(
                    "%s: %s (%s), retry %d/%d in %.1fs",
                    endpoint,
                    verdict.reason,
                    verdict.status,
                    attempt,
                    self.max_retries,
                    delay,
                )
                self.sleep(delay)
                continue
            self._fail(endpoint, params, usage, verdict)
            return None

    def record(self, endpoint: str) -> None:
        """Count one request made outside `execute` (e.g. a chunk of a media download)."""
        with self._lock:
            usage = self.usage.setdefault(endpoint, EndpointUsage())
        self._count(endpoint, usage)

    def retry_wait(self, endpoint: str, verdict: Verdict, attempt: int) -> None:
        """Count and wait out retry `attempt` of a request made outside `execute`."""
        with self._lock:
            self.usage.setdefault(endpoint, EndpointUsage()).retries += 1
        delay = self.backoff(attempt)
        logger.warning(
            "%s: %s (%s), retry %d/%d in %.1fs",
            endpoint,
            verdict.reason,
            verdict.status,
            attempt,
            self.max_retries,
            delay,
        )
        self.sleep(delay)

    def record_failure(self, endpoint: str, params: dict[str, Any], verdict: Verdict) -> None:
        """Record a request made outside `execute` that failed for good."""
        with self._lock:
            usage = self.usage.setdefault(endpoint, EndpointUsage())
        self._fail(endpoint, params, usage, verdict)

    def _count(self, endpoint: str, usage: EndpointUsage) -> None:
        with self._lock:
            usage.requests += 1
            usage.units += self.unit_costs.get(endpoint, 1)

    def _fail(self, endpoint: str, params: dict[str, Any], usage: EndpointUsage, verdict: Verdict) -> None:
        with self._lock:
            usage.failed += 1
            self.failures.append(FailedRequest(endpoint, params, verdict.status, verdict.reason, verdict.message))
        logger.warning("%s failed (%s %s): %s", endpoint, verdict.status, verdict.reason, verdict.message[:200])

    def usage_rows(self) -> list[dict[str, Any]]:
        return [{"endpoint": name, **vars(u)} for name, u in sorted(self.usage.items())]

"""Transient faults in front of any `http` (replay or live), as the network and Google's front ends make
them: 500 and 503, 429, 403 `rateLimitExceeded`, a read timeout, a reset connection, and a body cut short
(fewer bytes than its Content-Length). Seeded, so a probe is repeatable.

`LengthCheckedHttp` is the defence against the last one: a body shorter than its Content-Length raises
`http.client.IncompleteRead`, which the retry policy treats as transient, instead of landing half a page.
"""

from __future__ import annotations

import http.client
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httplib2

from tasks.youtube.replay import HttpLike, error_body, request_key, split_request

FAULT_KINDS: tuple[str, ...] = ("http_500", "http_503", "http_429", "rate_limit_403", "timeout", "reset", "cut_short")


def _status(code: int) -> httplib2.Response:
    return httplib2.Response({"status": str(code), "content-type": "application/json; charset=UTF-8"})


@dataclass
class FaultyHttp:
    """Answers a share `rate` of requests with a fault of one of `kinds` instead of the inner answer.

    A request is never faulted more than `max_in_a_row` times in a row, so a policy with that many
    retries always gets through; `attempts` counts every request per key (what the policy made)."""

    inner: HttpLike
    rate: float = 0.2
    seed: int = 0
    kinds: tuple[str, ...] = FAULT_KINDS
    max_in_a_row: int = 2
    injected: Counter = field(default_factory=Counter)
    attempts: Counter = field(default_factory=Counter)
    _in_a_row: Counter = field(default_factory=Counter, repr=False)
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown or not 0 <= self.rate <= 1:
            raise ValueError(
                f"fault kinds must be among {FAULT_KINDS} and rate in [0, 1]; got {sorted(unknown)}, {self.rate}"
            )
        self._rng = random.Random(self.seed)

    def _draw(self, key: str) -> str | None:
        with self._lock:
            self.attempts[key] += 1
            if self._in_a_row[key] < self.max_in_a_row and self._rng.random() < self.rate:
                kind = self._rng.choice(self.kinds)
                self._in_a_row[key] += 1
                self.injected[kind] += 1
                return kind
            self._in_a_row[key] = 0
            return None

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        kind = self._draw(request_key(*split_request(uri, method, body, headers)))
        if kind == "http_500":
            return _status(500), error_body(500, "backendError", "Backend Error")
        if kind == "http_503":
            return _status(503), error_body(503, "backendError", "The service is currently unavailable.")
        if kind == "http_429":
            return _status(429), error_body(429, "rateLimitExceeded", "Too many requests, please slow down.")
        if kind == "rate_limit_403":
            return _status(403), error_body(
                403, "rateLimitExceeded", "The request rate is too high.", domain="usageLimits"
            )
        if kind == "timeout":
            raise TimeoutError("timed out")
        if kind == "reset":
            raise ConnectionResetError(104, "Connection reset by peer")
        response, content = self.inner.request(uri, method, body=body, headers=headers)
        if kind == "cut_short" and len(content) > 1:
            response = httplib2.Response({**response, "content-length": str(len(content))})
            return response, content[: len(content) // 2]
        return response, content


@dataclass
class LengthCheckedHttp:
    """Raises IncompleteRead for a body shorter than the Content-Length its response declares."""

    inner: HttpLike

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        response, content = self.inner.request(uri, method, body=body, headers=headers)
        declared = response.get("content-length")
        if (
            declared is not None
            and declared.isdigit()
            and len(content) < int(declared)
            and "content-encoding" not in response
        ):
            raise http.client.IncompleteRead(content, int(declared) - len(content))
        return response, content

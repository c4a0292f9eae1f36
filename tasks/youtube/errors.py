"""How a failed YouTube API call is handled (the table in YOUTUBE_API.md)."""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from enum import StrEnum

RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
REFRESH_TOKEN_HELP = (
    "Renew the refresh token with `python -m tasks.youtube.oauth --client-secrets <client_secret.json>` "
    "and save it into the YouTube credentials block. Refresh tokens of an OAuth app in 'Testing' "
    "publishing status expire after 7 days; publish the app to keep them."
)


class Action(StrEnum):
    RETRY = "retry"  # transient: back off and try again
    SKIP = "skip"  # this request is bad: record it and go on with the rest
    QUOTA = "quota"  # daily quota gone: stop fetching, keep what was fetched
    AUTH = "auth"  # credentials rejected: stop, tell the user how to renew


@dataclass(frozen=True)
class Verdict:
    action: Action
    status: int | None
    reason: str
    message: str


class QuotaExhaustedError(RuntimeError):
    """The API's daily quota is spent; fetching must stop."""

    def __init__(self, endpoint: str, reason: str, message: str):
        super().__init__(f"YouTube API quota exhausted at {endpoint} ({reason}): {message}")
        self.endpoint, self.reason, self.api_message = endpoint, reason, message


class AuthenticationError(RuntimeError):
    """The API rejected the credentials; retrying cannot help."""


def error_details(status: int | None, content: bytes | str | None) -> tuple[str, str]:
    """(first reason, message) of a Google API error body; tolerant of non-JSON bodies."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else (content or "")
    try:
        error = json.loads(text).get("error", {})
    except (ValueError, AttributeError):
        return (f"http{status}" if status else "unknown", text[:200])
    if not isinstance(error, dict):
        return ("unknown", str(error)[:200])
    errors = error.get("errors") or [{}]
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    reason = first.get("reason") or error.get("status") or (f"http{status}" if status else "unknown")
    return str(reason), str(error.get("message") or first.get("message") or "")


def classify_http(status: int, content: bytes | str | None) -> Verdict:
    """The action for an HTTP error response."""
    reason, message = error_details(status, content)
    if status == 401 or reason in {"invalid_grant", "authError", "unauthorized"}:
        return Verdict(Action.AUTH, status, reason, f"{message} {REFRESH_TOKEN_HELP}".strip())
    if reason in QUOTA_REASONS:
        return Verdict(Action.QUOTA, status, reason, message)
    if status == 429:
        if "per day" in message.lower() or "daily" in message.lower():
            return Verdict(Action.QUOTA, status, reason, message)
        return Verdict(Action.RETRY, status, reason, message)
    if status >= 500:
        return Verdict(Action.RETRY, status, reason, message)
    if status == 403 and reason in RATE_LIMIT_REASONS:
        return Verdict(Action.RETRY, status, reason, message)
    return Verdict(Action.SKIP, status, reason, message)


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    socket.timeout,
    TimeoutError,
    ConnectionError,
    http.client.HTTPException,
)


def classify_exception(exc: BaseException) -> Verdict:
    """The action for any exception raised while executing a request."""
    from google.auth.exceptions import RefreshError, TransportError
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        return classify_http(exc.resp.status, exc.content)
    if isinstance(exc, RefreshError):
        return Verdict(Action.AUTH, None, "invalid_grant", f"OAuth token refresh failed: {exc}. {REFRESH_TOKEN_HELP}")
    if isinstance(exc, (TransportError, *TRANSIENT_ERRORS)):
        return Verdict(Action.RETRY, None, type(exc).__name__, str(exc))
    try:
        import httplib2

        if isinstance(exc, httplib2.HttpLib2Error):
            return Verdict(Action.RETRY, None, type(exc).__name__, str(exc))
    except ImportError:  # pragma: no cover - httplib2 ships with the client library
        pass
    raise exc

"""Build google-api-python-client resources for the two APIs (static discovery, raw bodies)."""

from __future__ import annotations

import logging
import re
from typing import Any

SCOPES = (
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/yt-analytics.readonly",
)
TOKEN_URI = "https://oauth2.googleapis.com/token"

_KEY_IN_URL = re.compile(r"((?:key|access_token|refresh_token|client_secret)=)[^&\s]+")


class _RedactSecrets(logging.Filter):
    """googleapiclient logs request URLs at DEBUG; the API key rides in the query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _KEY_IN_URL.search(message):
            record.msg, record.args = _KEY_IN_URL.sub(r"\1<redacted>", message), None
        return True


def _install_redaction() -> None:
    for name in ("googleapiclient.discovery", "googleapiclient.http", "googleapiclient.model"):
        lg = logging.getLogger(name)
        if not any(isinstance(f, _RedactSecrets) for f in lg.filters):
            lg.addFilter(_RedactSecrets())


def build_data_api(http: Any = None, credentials: Any = None, developer_key: str | None = None) -> Any:
    """A `youtube` v3 resource whose calls return raw response bytes."""
    return _build("youtube", "v3", http, credentials, developer_key)


def build_analytics_api(http: Any = None, credentials: Any = None) -> Any:
    """A `youtubeAnalytics` v2 resource whose calls return raw response bytes."""
    return _build("youtubeAnalytics", "v2", http, credentials, None)


def build_reporting_api(http: Any = None, credentials: Any = None) -> Any:
    """A `youtubereporting` v1 resource whose calls return raw response bytes (media downloads too)."""
    return _build("youtubereporting", "v1", http, credentials, None)


def _build(name: str, version: str, http: Any, credentials: Any, developer_key: str | None) -> Any:
    from googleapiclient.discovery import build
    from googleapiclient.model import RawModel

    _install_redaction()
    return build(
        name,
        version,
        http=http,
        credentials=credentials if http is None else None,
        developerKey=developer_key,
        static_discovery=True,
        cache_discovery=False,
        model=RawModel(),
    )


def oauth_credentials(client_id: str, client_secret: str, refresh_token: str) -> Any:
    """User credentials that refresh themselves from the refresh token."""
    from google.oauth2.credentials import Credentials

    return Credentials(
        token=None,
        refresh_token=refresh_token,
        client_id=client_id,
        client_secret=client_secret,
        token_uri=TOKEN_URI,
        scopes=list(SCOPES),
    )


def authorized_http(credentials: Any, timeout_s: float = 60.0) -> Any:
    """An httplib2 `http` that signs requests with `credentials` (None: unsigned, key-only)."""
    import httplib2

    base = httplib2.Http(timeout=timeout_s)
    if credentials is None:
        return base
    from google_auth_httplib2 import AuthorizedHttp

    return AuthorizedHttp(credentials, http=base)

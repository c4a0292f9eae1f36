"""Recorded API responses, served to google-api-python-client as its `http` object.

A recording is a folder with `manifest.json` (what it covers) and `responses.jsonl.gz`
(one recorded response a line). Requests are matched on method, host, path and query,
ignoring the API key and transport parameters; Data API responses are also keyed by the
snapshot day they were recorded on, because the same request answers differently each day.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httplib2

from tasks.youtube.recorded import RecordedResponse
from tasks.youtube.shapes import analytics_shape_error, data_api_request_error

IGNORED_QUERY_PARAMS = frozenset({"key", "alt", "prettyPrint", "quotaUser", "access_token"})
RESPONSES_FILE = "responses.jsonl.gz"
MANIFEST_FILE = "manifest.json"


def split_request(
    uri: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
) -> tuple[str, str, str, dict[str, str]]:
    """(method, host, path, query params) of a request, undoing the library's long-URI POST."""
    parsed = urllib.parse.urlsplit(uri)
    query = parsed.query
    if method == "POST" and (headers or {}).get("x-http-method-override") == "GET":
        method, query = "GET", body.decode() if isinstance(body, bytes) else str(body or "")
    params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    return method, parsed.netloc, parsed.path, params


def request_key(method: str, host: str, path: str, params: dict[str, str]) -> str:
    """Canonical text of a request: what a recording is matched on."""
    kept = sorted((k, v) for k, v in params.items() if k not in IGNORED_QUERY_PARAMS)
    return f"{method} {host}{path}?{urllib.parse.urlencode(kept)}"


def is_data_api(path: str) -> bool:
    return path.startswith("/youtube/v3/")


def is_media(path: str) -> bool:
    """A Reporting API media download (a bulk report), answered by byte range."""
    return path.startswith("/v1/media/")


def error_body(code: int, reason: str, message: str, domain: str = "global") -> bytes:
    return json.dumps(
        {
            "error": {
                "code": code,
                "message": message,
                "errors": [{"message": message, "domain": domain, "reason": reason}],
            }
        }
    ).encode()


def rule_violation(path: str, params: dict[str, str]) -> bytes | None:
    """The 400 body the real API answers for a rejected request shape, or None."""
    if is_data_api(path):
        message = data_api_request_error(path, params)
    elif path == "/v2/reports":
        message = analytics_shape_error(params)
    else:
        message = None
    return error_body(400, "badRequest", message) if message else None


@dataclass
class Recording:
    """A loaded recording: its manifest and responses by (as_of, key), indexed on disk (not in memory)."""

    path: Path
    manifest: dict[str, Any]
    responses: Mapping[tuple[str | None, str], RecordedResponse]

    @classmethod
    def load(cls, path: str | Path) -> Recording:
        from tasks.youtube.replay_index import ResponseIndex

        folder = Path(path)
        manifest_path = folder / MANIFEST_FILE
        if not manifest_path.is_file():
            raise FileNotFoundError(f"no recording at {folder}: {MANIFEST_FILE} is missing")
        manifest = json.loads(manifest_path.read_text())
        return cls(folder, manifest, ResponseIndex.for_file(folder / RESPONSES_FILE))

    def find(self, key: str, as_of: str | None) -> RecordedResponse | None:
        return self.responses.get((as_of, key)) or self.responses.get((None, key))


def write_recording(path: str | Path, manifest: dict[str, Any], responses: Iterable[RecordedResponse]) -> Path:
    """Write a recording folder deterministically (sorted, fixed gzip mtime)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    ordered = sorted(responses, key=lambda r: (r.as_of or "", r.key))
    with open(folder / RESPONSES_FILE, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            for rec in ordered:
                gz.write((rec.to_json() + "\n").encode("utf-8"))
    return folder


def _response(status: int, content_type: str = "application/json; charset=UTF-8") -> httplib2.Response:
    return httplib2.Response({"status": str(status), "content-type": content_type})


def serve_range(body: bytes, headers: Mapping[str, str] | None) -> tuple[httplib2.Response, bytes]:
    """A media response for the request's `range` header (206 with content-range), or the whole body."""
    wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", (headers or {}).get("range", ""))
    media = "application/octet-stream"
    if not wanted:
        return httplib2.Response({"status": "200", "content-type": media, "content-length": str(len(body))}), body
    start = int(wanted.group(1))
    end = min(int(wanted.group(2)) if wanted.group(2) else len(body) - 1, len(body) - 1)
    if start >= len(body):
        return httplib2.Response({"status": "416", "content-type": media, "content-range": f"bytes */{len(body)}"}), b""
    headers_out = {"status": "206", "content-type": media, "content-range": f"bytes {start}-{end}/{len(body)}"}
    return httplib2.Response(headers_out), body[start : end + 1]


class HttpLike(Protocol):
    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]: ...


@dataclass
class ReplayHttp:
    """An httplib2-compatible `http` answering from a recording, as of one snapshot day."""

    recording: Recording
    as_of: str | None = None
    quota_requests: int | None = None  # simulate the daily quota: quotaExceeded after this many
    oauth: bool = True  # False: answer as to an API key only (401 for user data)
    keep_served: bool = True  # False: count requests only (a long replay asks ~750,000)
    served: list[str] = field(default_factory=list)
    served_count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        method, host, path, params = split_request(uri, method, body, headers)
        key = request_key(method, host, path, params)
        with self._lock:
            self.served_count += 1
            if self.keep_served:
                self.served.append(key)
            over_quota = self.quota_requests is not None and self.served_count > self.quota_requests
        if over_quota:
            return _response(403), error_body(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your quota.",
                domain="youtube.quota",
            )
        rejected = rule_violation(path, params)
        if rejected is not None:
            return _response(400), rejected
        if not self.oauth and (not is_data_api(path) or params.get("mine") == "true"):
            return _response(401), error_body(401, "required", "Login Required.")
        found = self.recording.find(key, self.as_of if is_data_api(path) else None)
        if found is None:
            return _response(404), error_body(
                404, "notInRecording", f"no recorded response for {key} as of {self.as_of}"
            )
        if is_media(path) and found.status in (200, 206):
            return serve_range(found.body, headers)  # chunked downloads ask for byte ranges
        return _response(found.status, found.content_type), found.body


@dataclass
class RecordingHttp:
    """Wraps another `http` (live or synthetic) and keeps every response it returns."""

    inner: HttpLike
    as_of: str | None = None
    kept: list[RecordedResponse] = field(default_factory=list)

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        resp, content = self.inner.request(uri, method, body=body, headers=headers)
        m, host, path, params = split_request(uri, method, body, headers)
        self.kept.append(
            RecordedResponse(
                request_key(m, host, path, params),
                resp.status,
                content,
                resp.get("content-type", "application/json"),
                self.as_of if is_data_api(path) else None,
            )
        )
        return resp, content

"""Write each API response page as-is, with a sidecar describing its request."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable

from blocks.landing import LandingStorage

SCHEMA_VERSION = 1
META_SUFFIX = ".meta.json"
BODY_SUFFIX = ".body"


def request_id(endpoint: str, params: dict[str, Any]) -> str:
    """Stable hash of a request: the endpoint and its parameters (never credentials)."""
    canonical = json.dumps({"endpoint": endpoint, "params": params}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def run_prefix(run_id: str) -> str:
    return f"run_id={run_id}"


@dataclass
class Lander:
    """Lands pages of one run under `run_id=<run>/<bronze table>/snapshot_date=<day>/`."""

    storage: LandingStorage
    run_id: str
    source: str
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    pages: dict[str, int] = field(default_factory=dict)

    def land(self, table: str, endpoint: str, params: dict[str, Any], body: bytes, snapshot_date: date,
             region: str | None = None, channel_id: str | None = None, page_offset: int | None = None) -> str:
        """Write the body byte for byte, then its metadata; return the body's relative path."""
        rid = request_id(endpoint, params)
        folder = f"{run_prefix(self.run_id)}/{table}/snapshot_date={snapshot_date.isoformat()}"
        body_path = f"{folder}/{rid}{BODY_SUFFIX}"
        self.storage.write_bytes(body_path, body)
        meta = {
            "run_id": self.run_id,
            "snapshot_date": snapshot_date.isoformat(),
            "fetched_at_utc": self.clock().isoformat(),
            "source_system": endpoint.split(".")[0],
            "source": self.source,
            "endpoint": endpoint,
            "table": table,
            "request_id": rid,
            "request": json.dumps(params, sort_keys=True, default=str),
            "schema_version": SCHEMA_VERSION,
            "region": region,
            "channel_id": channel_id,
            "page_offset": page_offset,
            "body_file": f"{rid}{BODY_SUFFIX}",
            "body_bytes": len(body),
        }
        self.storage.write_bytes(f"{folder}/{rid}{META_SUFFIX}", json.dumps(meta, sort_keys=True).encode())
        self.pages[table] = self.pages.get(table, 0) + 1
        return body_path

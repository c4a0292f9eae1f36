"""Where each reporting job was read up to: the latest report create time a loaded run saw.

Kept in landing storage (`_state/reporting_watermarks.json`, beside the runs' folders), so it lives
where the reports land, on a laptop folder or S3. Written only after the run's reports are in
Bronze: a run that dies before that leaves the watermark behind, and the next run asks again.
"""

from __future__ import annotations

import json
from typing import Any

from tasks.youtube.reporting_api import instant

STATE_FILE = "_state/reporting_watermarks.json"


def read_watermarks(storage: Any) -> dict[str, str]:
    """Job id -> the latest createTime loaded (RFC 3339); empty when no run has loaded reports yet."""
    if STATE_FILE not in storage.list_files("_state"):
        return {}
    data = json.loads(storage.read_bytes(STATE_FILE))
    if not isinstance(data, dict):
        raise ValueError(f"{storage.location(STATE_FILE)}: expected a JSON object of job id -> time, got {data!r:.200}")
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def merged(current: dict[str, str], seen: dict[str, str]) -> dict[str, str]:
    """Per job the later of the two times (an overlapping run never moves a watermark back)."""
    out = dict(current)
    for job_id, moment in seen.items():
        if job_id not in out or instant(moment) > instant(out[job_id]):
            out[job_id] = moment
    return out


def write_watermarks(storage: Any, seen: dict[str, str]) -> dict[str, str]:
    """Merge `seen` into the stored watermarks; return what is stored."""
    if not seen:
        return read_watermarks(storage)
    stored = merged(read_watermarks(storage), seen)
    storage.write_bytes(STATE_FILE, (json.dumps(stored, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return stored

"""Which videos' content type is known: asked once per video, not every day (a video's type does not change).

Kept in landing storage (`_state/content_types.json`, beside the pages that told each type), written only
after the run's pages are in Bronze, like the reporting watermarks. A video whose page had no views (not
watched in its window) is asked again once `RECHECK_DAYS` have passed. To have every video asked again
(e.g. for a lake rebuilt without its landing), delete the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

STATE_FILE = "_state/content_types.json"
RECHECK_DAYS = 7


def read_content_types(storage: Any) -> dict[str, dict[str, str | None]]:
    """Video id -> {"type": the content type or None, "asked": the as-of day it was last asked}."""
    if STATE_FILE not in storage.list_files("_state"):
        return {}
    data = json.loads(storage.read_bytes(STATE_FILE))
    if not isinstance(data, dict):
        raise ValueError(
            f"{storage.location(STATE_FILE)}: expected a JSON object of video id -> entry, got {data!r:.200}"
        )
    return {
        str(video): {"type": entry.get("type"), "asked": entry.get("asked")}
        for video, entry in data.items()
        if isinstance(entry, dict)
    }


def typed_videos(state: dict[str, dict[str, str | None]], videos: Iterable[str], as_of: date) -> set[str]:
    """The videos not to ask about: type known, or asked without views less than RECHECK_DAYS ago."""
    skip = set()
    for video in videos:
        entry = state.get(video)
        if entry is None:
            continue
        if entry["type"] is not None:
            skip.add(video)
        elif entry["asked"] and date.fromisoformat(entry["asked"]) > as_of - timedelta(days=RECHECK_DAYS):
            skip.add(video)
    return skip


def write_content_types(storage: Any, found: dict[str, str | None], as_of: date) -> dict[str, dict[str, str | None]]:
    """Merge what a run found into the stored state (a known type is never forgotten); return what is stored."""
    stored = read_content_types(storage)
    if not found:
        return stored
    for video, kind in found.items():
        before = stored.get(video, {}).get("type")
        stored[video] = {"type": kind or before, "asked": as_of.isoformat()}
    storage.write_bytes(STATE_FILE, (json.dumps(stored, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return stored

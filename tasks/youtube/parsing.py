"""Reading just enough of a raw page to page on; the rest is Silver's job."""

from __future__ import annotations

import json
from typing import Any


def as_json_object(body: bytes) -> dict[str, Any] | None:
    """The page as a dict, or None when it is not a JSON object (it is landed all the same)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def item_list(doc: dict[str, Any]) -> list[dict[str, Any]]:
    items = doc.get("items")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

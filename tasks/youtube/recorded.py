"""One recorded API response, as a recording stores it (one JSON line each)."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass
class RecordedResponse:
    key: str
    status: int
    body: bytes
    content_type: str = "application/json; charset=UTF-8"
    as_of: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "as_of": self.as_of,
                "key": self.key,
                "status": self.status,
                "content_type": self.content_type,
                "body": self.body.decode("utf-8"),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str) -> RecordedResponse:
        doc = json.loads(line)
        return cls(
            doc["key"],
            int(doc["status"]),
            doc["body"].encode("utf-8"),
            doc.get("content_type", "application/json"),
            doc.get("as_of"),
        )

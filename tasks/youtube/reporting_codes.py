"""The Reporting API's integer codes for dimensions that `reports.query` gives as names.

The table is data (`reporting_codes.csv`), so a new code is a one-line change with its test. A code
the table does not know maps to `<DIMENSION>_CODE_<n>`: it passes through, and the dimension tables
flag it `is_known = false`.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

CODES_FILE = Path(__file__).resolve().parent / "reporting_codes.csv"
CODED_DIMENSIONS = ("traffic_source_type", "device_type", "operating_system", "playback_location_type")


@lru_cache(maxsize=1)
def code_table() -> dict[str, dict[str, tuple[str, str]]]:
    """dimension -> code -> (key, name)."""
    table: dict[str, dict[str, tuple[str, str]]] = {d: {} for d in CODED_DIMENSIONS}
    with open(CODES_FILE, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            table.setdefault(row["dimension"], {})[row["code"].strip()] = (row["key"].strip(), row["name"].strip())
    return table


def unknown_key(dimension: str, code: str) -> str:
    return f"{dimension.upper()}_CODE_{code.strip()}"


def key_of(dimension: str, code: str | None) -> str | None:
    """The reports.query key of a code (None for an empty code; a flagged pass-through key if unknown)."""
    if code is None or not code.strip():
        return None
    found = code_table()[dimension].get(code.strip())
    return found[0] if found else unknown_key(dimension, code)


def code_of(dimension: str, key: str) -> str | None:
    """The code of a reports.query key (None when no code maps to it)."""
    return next((code for code, (k, _) in code_table()[dimension].items() if k == key), None)


def mapping_rows() -> list[tuple[str, str, str, str]]:
    """(dimension, code, key, name) rows, for Spark and for docs."""
    return [
        (d, c, k, n)
        for d, codes in code_table().items()
        for c, (k, n) in sorted(codes.items(), key=lambda i: int(i[0]))
    ]

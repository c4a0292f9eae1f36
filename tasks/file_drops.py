"""Find trending CSV and category JSON drops in a folder and land them as-is (one landing file per drop file).

Layouts:
- `aws`: the older AWS pipeline's bucket, `raw_statistics/region=XX/ts=YYYYMMDDHHMM/*.csv` (one chart snapshot
  per folder) and `raw_statistics_reference_data/XX_category_id.json`;
- `kaggle`: "Trending YouTube Video Statistics", `XXvideos.csv` (many trending days per file, dates in the
  rows) and `XX_category_id.json`.
A category file is dated by the first trending day of its region in the same drop, so trending rows join
the categories valid that day.

Each file is decoded once (`tasks.text_encoding`: byte-order mark, strict UTF-8, cp1252, latin-1, or a
forced `encoding`) and landed as that text in UTF-8, its request recording the `encoding` used and whether
the file had a `bom`: the original bytes are `text.encode(encoding)`, with the mark put back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from tasks.landing import Lander
from tasks.silver.file_drops import CATEGORIES_JSON, TRENDING_CSV, check_trending_csv
from tasks.text_encoding import decode_text

Layout = Literal["aws", "kaggle"]
AWS_CSV = re.compile(r"raw_statistics/region=([A-Za-z]{2})/ts=(\d{12})/[^/]+\.csv$")
AWS_JSON = re.compile(r"raw_statistics_reference_data/([A-Za-z]{2})_category_id\.json$")
KAGGLE_CSV = re.compile(r"(?:^|/)([A-Za-z]{2})videos\.csv$")
KAGGLE_JSON = re.compile(r"(?:^|/)([A-Za-z]{2})_category_id\.json$")


@dataclass(frozen=True)
class DropFile:
    path: Path
    relative: str
    kind: Literal["trending", "categories"]
    region: str
    snapshot: datetime | None = None  # AWS: the ts= folder
    problem: str | None = None  # why nothing of the file can be used (it is not landed)


def _snapshot_time(ts: str) -> datetime | None:
    """An AWS `ts=` folder's YYYYMMDDHHMM as a UTC time; None when it is no such time (e.g. month 13)."""
    try:
        return datetime.strptime(ts, "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None


def find_drops(root: Path, layout: Layout) -> tuple[list[DropFile], list[str]]:
    """(recognised files, relative paths of files that match no pattern of the layout)."""
    found, ignored = [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if layout == "aws" and (m := AWS_CSV.search(relative)):
            ts = _snapshot_time(m.group(2))
            problem = None if ts else f"{relative}: its folder ts={m.group(2)} is not a YYYYMMDDHHMM time"
            found.append(DropFile(path, relative, "trending", m.group(1).upper(), ts, problem))
        elif layout == "aws" and (m := AWS_JSON.search(relative)):
            found.append(DropFile(path, relative, "categories", m.group(1).upper()))
        elif layout == "kaggle" and (m := KAGGLE_CSV.search(relative)):
            found.append(DropFile(path, relative, "trending", m.group(1).upper()))
        elif layout == "kaggle" and (m := KAGGLE_JSON.search(relative)):
            found.append(DropFile(path, relative, "categories", m.group(1).upper()))
        else:
            ignored.append(relative)
    return found, ignored


def land_drops(
    lander: Lander, root: Path, layout: Layout, year: int | None, today: date, encoding: str | None = None
) -> dict[str, object]:
    """Land every drop file of `root`. The summary: files per kind, ignored files, first and last good
    trending day per region, the encoding of each file, and `unusable` trending files (no good row, a
    header without the required columns, or an AWS `ts=` folder that is no time: not landed) with the reason,
    the header found and the commonest row problems."""
    files, ignored = find_drops(root, layout)
    unusable: dict[str, str] = {f.relative: f.problem for f in files if f.problem}
    files = [f for f in files if not f.problem]
    texts = {drop.relative: decode_text(drop.path.read_bytes(), encoding, drop.relative) for drop in files}
    first_day: dict[str, date] = {}
    last_day: dict[str, date] = {}
    for drop in (f for f in files if f.kind == "trending"):
        snapshot = drop.snapshot.date() if drop.snapshot else None
        check = check_trending_csv(texts[drop.relative].text, year, snapshot)
        if not check.usable:
            unusable[drop.relative] = check.problem(drop.relative)
            continue
        days = check.days
        first_day[drop.region] = min(days[0], first_day.get(drop.region, days[0]))
        last_day[drop.region] = max(days[-1], last_day.get(drop.region, days[-1]))
    landed = {"trending": 0, "categories": 0}
    for drop in files:
        decoded = texts[drop.relative]
        params = {
            "file": drop.relative,
            "layout": layout,
            "year": year,
            "snapshot": drop.snapshot.date().isoformat() if drop.snapshot else None,
            "snapshot_ts": drop.snapshot.isoformat() if drop.snapshot else None,
            "encoding": decoded.encoding,
            "bom": decoded.bom,
        }
        body = decoded.text.encode("utf-8")
        if drop.kind == "trending":
            snapshot_date = drop.snapshot.date() if drop.snapshot else first_day.get(drop.region, today)
            lander.land("trending_videos_raw", TRENDING_CSV, params, body, snapshot_date, region=drop.region)
        else:
            lander.land(
                "video_categories_raw",
                CATEGORIES_JSON,
                params,
                body,
                first_day.get(drop.region, today),
                region=drop.region,
            )
        landed[drop.kind] += 1
    lander.flush()
    return {
        "files": landed,
        "ignored": ignored,
        "encodings": {
            name: ("utf-8-bom" if t.bom and t.encoding == "utf-8" else t.encoding) for name, t in sorted(texts.items())
        },
        "unusable": unusable,
        "first_day": {r: d.isoformat() for r, d in sorted(first_day.items())},
        "last_day": {r: d.isoformat() for r, d in sorted(last_day.items())},
    }

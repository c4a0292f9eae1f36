"""Trending CSV file drops (Kaggle "Trending YouTube Video Statistics" and the AWS pipeline's CSVs) as typed rows.

The CSV text is in Bronze as dropped; rows are parsed here with Python's csv module (quoted fields may
hold commas and newlines) and every row that cannot be trusted gets a quarantine reason.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

TRENDING_CSV = "file_drop.trending_csv"
CATEGORIES_JSON = "file_drop.categories_json"
VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
FIRST_TRENDING_DAY = date(2005, 4, 23)  # YouTube's first video: no chart is older
REQUIRED = ("video_id", "title", "channel_title", "category_id", "views")
ROW_FIELDS = (
    "row_number",
    "video_id",
    "title",
    "channel_title",
    "category_id",
    "tags",
    "published_at_text",
    "view_count",
    "like_count",
    "comment_count",
    "trending_date",
    "reason",
    "record",
)


def trending_day(text: str, year: int | None) -> date | None:
    """A trending date as the dataset writes it: `YY.DD.MM` (later releases) or `DD.MM` of `year` (first
    release), where a spreadsheet turned `13.10` into the number 13.1 (a one-digit month is tens)."""
    text = text.strip()
    match = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{2})", text)
    try:
        if match:
            yy, dd, mm = (int(g) for g in match.groups())
            return date(2000 + yy, mm, dd)
        match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})", text)
        if match and year is not None:
            dd, mm = match.groups()
            return date(year, int(mm) * 10 if len(mm) == 1 else int(mm), int(dd))
    except ValueError:
        return None
    return None


def _count(value: str | None) -> tuple[int | None, str | None]:
    """(a non-negative count or None when empty, a reason when it is not one)."""
    if value is None or value.strip() == "":
        return None, None
    if not value.strip().isdigit():
        return None, f"not a non-negative integer: {value[:40]!r}"
    return int(value.strip()), None


NEVER_CLOSED = "a quoted field opens in this row and never closes (the lines after it are read as rows)"


def _records(text: str) -> Iterator[tuple[list[str] | None, str, str | None]]:
    """(cells, raw text, None) per CSV record of `text`, the header first; (None, raw line, why) for a row
    that cannot be read as such: a field past the csv module's size limit, or a quote that never
    closes and swallows every line after it (the csv module reads them as one cell to the end of the text).
    Such a row is its first line alone, and reading starts again on the next line: it costs that row only."""
    lines = text.splitlines(keepends=True)
    start, width = 0, None  # first line of the current reader; the header's cell count
    while start < len(lines):
        reader = csv.reader(lines[start:])
        restart = None
        while restart is None:
            before = reader.line_num
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield None, lines[start + before], f"unreadable CSV row: {exc}"
                restart = start + before + 1
                continue
            swallowed = (
                width is not None
                and len(cells) != width
                and reader.line_num - before > 1
                and start + reader.line_num == len(lines)
            )
            if swallowed:
                yield None, lines[start + before], NEVER_CLOSED
                restart = start + before + 1
                continue
            width = len(cells) if width is None else width
            yield cells, "".join(lines[start + before : start + reader.line_num]), None
        start = restart


def parse_trending_csv(text: str, year: int | None = None, snapshot: date | None = None) -> Iterator[dict[str, Any]]:
    """One dict per data row (fields ROW_FIELDS); `reason` is set on rows to quarantine.

    `snapshot` (the AWS layout's `ts=` folder) dates every row; otherwise each row's own trending date is used.
    """
    records = _records(text.removeprefix("\ufeff"))
    first = next(records, None)
    header = [name.strip() for name in (first[0] or [])] if first else []
    date_column = "trending_date" if "trending_date" in header else "date"
    comments_column = "comment_count" if "comment_count" in header else "comment_total"
    latest = date.today() + timedelta(days=1)
    rows = (r for r in records if r[0] != [])  # blank lines are no rows (as csv.DictReader has it)
    for number, (cells, raw, unreadable) in enumerate(rows, start=1):
        if cells is None:
            yield {**dict.fromkeys(ROW_FIELDS), "row_number": number, "reason": unreadable, "record": raw[:2000]}
            continue
        padded: list[str | None] = [*cells, *[None] * (len(header) - len(cells))]  # as csv.DictReader fills
        row: dict[str | None, Any] = dict(zip(header, padded, strict=False))  # extra cells: dropped
        if len(cells) > len(header):
            row[None] = cells[len(header) :]
        record = json.dumps(row, ensure_ascii=False)[:2000]
        reasons: list[str] = []
        if len(cells) > len(header):
            reasons.append(f"row has more fields than the header's {len(header)}")
        elif len(cells) < len(header):
            reasons.append(f"row has fewer fields than the header's {len(header)}")
        missing = [c for c in REQUIRED if not (row.get(c) or "").strip()]
        if missing:
            reasons.append(f"missing {', '.join(missing)}")
        video_id = (row.get("video_id") or "").strip()
        if video_id and not VIDEO_ID.match(video_id):
            reasons.append(f"video_id is not an 11-character YouTube id: {video_id[:40]!r}")
        counts = {}
        for target, column in (("view_count", "views"), ("like_count", "likes"), ("comment_count", comments_column)):
            counts[target], problem = _count(row.get(column))
            if problem:
                reasons.append(f"{column} {problem}")
        category = (row.get("category_id") or "").strip()
        if category and not category.isdigit():
            reasons.append(f"category_id is not a number: {category[:40]!r}")
        day = snapshot or trending_day(row.get(date_column) or "", year)
        if day is None:
            reasons.append(
                f"{date_column} is not a trending date: {(row.get(date_column) or '')[:40]!r}"
                + ("" if year or date_column == "trending_date" else " (no year configured for DD.MM)")
            )
        elif not FIRST_TRENDING_DAY <= day <= latest:
            reasons.append(
                f"{'snapshot' if snapshot else date_column} out of range: {day.isoformat()} "
                f"(before {FIRST_TRENDING_DAY.isoformat()}, YouTube's first video, or in the future)"
            )
        yield {
            "row_number": number,
            "video_id": video_id or None,
            "title": row.get("title"),
            "channel_title": row.get("channel_title"),
            "category_id": category or None,
            "tags": row.get("tags"),
            "published_at_text": row.get("publish_time"),
            **counts,
            "trending_date": day,
            "reason": "; ".join(reasons) or None,
            "record": record,
        }


def csv_header(text: str) -> list[str]:
    """The header row of a CSV text, names stripped (and a leading byte-order mark, if one was kept)."""
    first = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")), [])
    return [name.strip() for name in first]


@dataclass
class TrendingFileCheck:
    """What one trending CSV holds: its header, its good rows' days, and why the other rows are bad."""

    header: list[str]
    missing_columns: list[str]
    rows: int = 0
    good_rows: int = 0
    days: list[date] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)  # kind of problem -> rows
    examples: dict[str, str] = field(default_factory=dict)  # kind of problem -> its first value seen

    @property
    def usable(self) -> bool:
        return self.good_rows > 0

    def problem(self, name: str, top: int = 3) -> str:
        """Why nothing of the file can be loaded: the file, the header found, the most common reasons."""
        if self.missing_columns:
            why = f"its header lacks the required column(s) {', '.join(self.missing_columns)}"
        elif not self.rows:
            why = "it has no data rows"
        else:
            why = f"all {self.rows} rows were rejected"
        common = "; ".join(
            f"{kind} ({n} rows" + (f", e.g. {self.examples[kind]})" if self.examples.get(kind) else ")")
            for kind, n in self.reasons.most_common(top)
        )
        return f"{name}: {why}; header found: {self.header[:20]}" + (
            f"; most common quarantine reasons: {common}" if common else ""
        )


def check_trending_csv(text: str, year: int | None = None, snapshot: date | None = None) -> TrendingFileCheck:
    """Parse a whole trending CSV once: its header, required columns missing, good rows and their days."""
    header = csv_header(text)
    needed = list(REQUIRED) + ([] if snapshot else ["trending_date" if "trending_date" in header else "date"])
    check = TrendingFileCheck(header, [c for c in needed if c not in header])
    days: set[date] = set()
    for row in parse_trending_csv(text, year, snapshot):
        check.rows += 1
        if row["reason"]:
            for part in row["reason"].split("; "):
                kind, _, example = part.partition(": ")
                check.reasons[kind] += 1
                check.examples.setdefault(kind, example)
        else:
            check.good_rows += 1
            days.add(row["trending_date"])
    check.days = sorted(days)
    return check


def trending_days(text: str, year: int | None = None) -> list[date]:
    """The trending days of a CSV's good rows (to date the category file dropped beside it)."""
    return check_trending_csv(text, year).days


def trending_rows(pages: Any) -> tuple[Any, Any]:
    """(Silver trending rows, quarantined rows with a reason) from Bronze CSV pages."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType, IntegerType, LongType, StringType, StructField, StructType

    from tasks.silver.data_api import parse_timestamp
    from tasks.silver.merge import latest_per_key

    schema = StructType(
        [
            StructField("request_id", StringType()),
            *[
                StructField(n, t)
                for n, t in (
                    ("row_number", IntegerType()),
                    ("video_id", StringType()),
                    ("title", StringType()),
                    ("channel_title", StringType()),
                    ("category_id", StringType()),
                    ("tags", StringType()),
                    ("published_at_text", StringType()),
                    ("view_count", LongType()),
                    ("like_count", LongType()),
                    ("comment_count", LongType()),
                    ("trending_date", DateType()),
                    ("reason", StringType()),
                    ("record", StringType()),
                )
            ],
        ]
    )

    def rows(page: Any) -> Iterator[tuple]:
        request = json.loads(page["request"] or "{}")
        snapshot = date.fromisoformat(request["snapshot"]) if request.get("snapshot") else None
        for row in parse_trending_csv(page["payload"] or "", request.get("year"), snapshot):
            yield (page["request_id"], *(row[f] for f in ROW_FIELDS))

    # the same file (same request id) loaded by several runs: its latest load only, so request_id is a key
    pages = latest_per_key(pages, ["request_id"])
    meta = pages.select("request_id", "run_id", "region", "ingest_ts_utc", "request", "landing_path")
    parsed = pages.sparkSession.createDataFrame(
        pages.select("request_id", "request", "payload").rdd.flatMap(rows), schema
    )
    parsed = parsed.join(meta, "request_id")
    by_day = Window.partitionBy("request_id", "region", "trending_date", "video_id").orderBy("row_number")
    checked = parsed.withColumn("_n", F.when(F.col("reason").isNull(), F.row_number().over(by_day))).withColumn(
        "reason",
        F.coalesce(
            "reason",
            F.when(
                F.col("_n") > 1,
                F.lit("duplicate: the video already trends earlier in this file for this region and day"),
            ),
        ),
    )
    good = checked.filter(F.col("reason").isNull())
    rank = Window.partitionBy("region", "trending_date", "request_id").orderBy("row_number")
    trending = good.select(
        "region",
        F.col("trending_date").alias("snapshot_date"),
        F.coalesce(
            F.try_to_timestamp(F.get_json_object("request", "$.snapshot_ts")), F.col("trending_date").cast("timestamp")
        ).alias("snapshot_ts"),
        F.row_number().over(rank).cast("int").alias("rank"),
        "video_id",
        F.lit(None).cast("string").alias("channel_id"),
        "channel_title",
        "title",
        F.col("category_id").cast("int").alias("category_id"),
        parse_timestamp(F.col("published_at_text")).alias("published_at"),
        "view_count",
        "like_count",
        "comment_count",
        "ingest_ts_utc",
        "run_id",
        F.col("request_id").alias("source_request_id"),
    )
    bad = checked.filter(F.col("reason").isNotNull()).select(
        "run_id",
        "reason",
        "request_id",
        "request",
        "landing_path",
        F.concat(F.lit("row "), F.col("row_number").cast("string"), F.lit(": "), F.col("record")).alias("record"),
    )
    return trending, bad

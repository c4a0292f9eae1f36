"""Reference dimensions: known API enum values with readable names, ISO countries, the calendar."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

SEEDS = Path(__file__).resolve().parent / "seeds"

TRAFFIC_SOURCES: dict[str, str] = {
    "ADVERTISING": "Advertising",
    "ANNOTATION": "Annotations",
    "CAMPAIGN_CARD": "Campaign cards",
    "END_SCREEN": "End screens",
    "EXT_URL": "External",
    "HASHTAGS": "Hashtag pages",
    "LIVE_REDIRECT": "Live redirects",
    "NO_LINK_EMBEDDED": "Embedded players",
    "NO_LINK_OTHER": "Direct or unknown",
    "NOTIFICATION": "Notifications",
    "PLAYLIST": "Playlists",
    "PRODUCT_PAGE": "Product pages",
    "PROMOTED": "YouTube promotion",
    "RELATED_VIDEO": "Suggested videos",
    "SHORTS": "Shorts feed",
    "SOUND_PAGE": "Sound pages",
    "STORIES": "Stories",
    "SUBSCRIBER": "Browse features",
    "VIDEO_REMIXES": "Video remixes",
    "YT_CHANNEL": "Channel pages",
    "YT_OTHER_PAGE": "Other YouTube features",
    "YT_PLAYLIST_PAGE": "Playlist pages",
    "YT_SEARCH": "YouTube search",
}
DEVICES: dict[str, str] = {
    "DESKTOP": "Computer",
    "MOBILE": "Mobile phone",
    "TABLET": "Tablet",
    "TV": "TV",
    "GAME_CONSOLE": "Game console",
    "UNKNOWN_PLATFORM": "Unknown platform",
}

CONTENT_TYPES: dict[str, str] = {  # the Analytics API's creatorContentType values
    "LIVE_STREAM": "Live streams",
    "SHORTS": "Shorts",
    "STORY": "Stories",
    "VIDEO_ON_DEMAND": "Videos",
    "UNSPECIFIED": "Unspecified",
}


def readable(code: str) -> str:
    return code.replace("_", " ").capitalize()


def enum_dimension(
    spark: Any, known: dict[str, str], seen: list[str], id_col: str, name_col: str
) -> tuple[Any, list[str]]:
    """The known values plus any value seen in data but not known (flagged is_known = false)."""
    unknown = sorted({s for s in seen if s and s not in known})
    rows = [(k, v, True) for k, v in sorted(known.items())] + [(u, readable(u), False) for u in unknown]
    return spark.createDataFrame(rows, f"{id_col} string, {name_col} string, is_known boolean"), unknown


def countries(spark: Any, seen: list[str]) -> tuple[Any, list[str]]:
    """Every ISO 3166-1 country, plus codes seen in data that are not ISO (e.g. ZZ), flagged."""
    with open(SEEDS / "iso3166_countries.csv", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]
    known = {r["country_code"]: r for r in rows}
    unknown = sorted({s for s in seen if s and s not in known})
    data = [(r["country_code"], r["country_name"], r["alpha_3"], r["numeric"], True) for r in rows]
    data += [(u, "Unknown region" if u == "ZZ" else u, None, None, False) for u in unknown]
    schema = "country_code string, country_name string, alpha_3 string, numeric_code string, is_known boolean"
    return spark.createDataFrame(data, schema), unknown


def calendar(spark: Any, start: date | None, end: date | None) -> Any:
    """One row per day from start to end (no rows without a range)."""
    from pyspark.sql import functions as F

    if start is None or end is None:
        days = spark.sql("SELECT CAST(NULL AS DATE) AS date WHERE false")
    else:
        days = spark.sql(
            f"SELECT explode(sequence(DATE'{start.isoformat()}', DATE'{end.isoformat()}', INTERVAL 1 DAY)) AS date"
        )
    return days.select(
        "date",
        F.year("date").alias("year"),
        F.quarter("date").alias("quarter"),
        F.month("date").alias("month"),
        F.date_format("date", "MMMM").alias("month_name"),
        F.dayofmonth("date").alias("day_of_month"),
        ((F.dayofweek("date") + 5) % 7 + 1).alias("iso_day_of_week"),
        F.date_format("date", "EEEE").alias("day_name"),
        F.weekofyear("date").alias("iso_week"),
        F.dayofweek("date").isin(1, 7).alias("is_weekend"),
    )

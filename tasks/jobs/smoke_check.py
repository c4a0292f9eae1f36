"""After a deploy: every table of the contract exists, and the newest Gold day is recent enough."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tasks.jobs.bronze_tables import ALL_TABLES
from tasks.spark.lake import qualified_name, table_path

# Gold models and the day column their freshness is judged by (DESIGN.md's Gold contract)
GOLD_DAY_COLUMNS: dict[str, str] = {
    "gold_channel_daily_summary": "date",
    "gold_video_daily_summary": "date",
    "gold_video_country_daily_summary": "date",
    "gold_video_device_daily_summary": "date",
    "gold_video_traffic_source_daily_summary": "date",
    "gold_trending_videos": "snapshot_date",
    "gold_trending_category_daily": "snapshot_date",
}


def _reader(spark: Any, params: dict[str, Any]) -> Any:
    """layer, table -> DataFrame or None: by catalog name on Unity Catalog (Gold is dbt-managed there),
    by path under the lake root otherwise."""
    from delta.tables import DeltaTable

    def read(layer: str, table: str) -> Any:
        if params.get("catalog"):
            name = qualified_name(layer, table, params["catalog"])
            return spark.table(name) if spark.catalog.tableExists(name) else None
        path = table_path(params["lake_root"], layer, table)
        return spark.read.format("delta").load(path) if DeltaTable.isDeltaTable(spark, path) else None

    return read


def run(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: lake_root, catalog (optional), max_age_days (default 2), as_of (ISO date, default today UTC).

    Returns {"ok", "missing": [layer.table], "stale": [...], "newest": {model: day}, "as_of", "max_age_days"}.
    """
    from pyspark.sql import functions as F

    from tasks.jobs.silver_build import SILVER_TABLES

    read = _reader(spark, params)
    as_of = date.fromisoformat(params["as_of"]) if params.get("as_of") else date.today()
    max_age = int(params.get("max_age_days", 2))
    expected = (
        [("bronze", t) for t in ALL_TABLES]
        + [("silver", t) for t in SILVER_TABLES]
        + [("gold", t) for t in GOLD_DAY_COLUMNS]
    )
    frames = {(layer, t): read(layer, t) for layer, t in expected}
    missing = [f"{layer}.{t}" for (layer, t), df in frames.items() if df is None]
    newest: dict[str, str | None] = {}
    stale: list[str] = []
    for model, column in GOLD_DAY_COLUMNS.items():
        df = frames[("gold", model)]
        if df is None:
            continue
        day = df.agg(F.max(column)).first()[0]
        newest[model] = day.isoformat() if day else None
        if day is None or day < as_of - timedelta(days=max_age):
            stale.append(
                f"gold.{model}: newest {column} {day or 'none (empty)'}, older than {max_age} days before {as_of}"
            )
    return {
        "ok": not missing and not stale,
        "missing": missing,
        "stale": stale,
        "newest": newest,
        "as_of": as_of.isoformat(),
        "max_age_days": max_age,
    }

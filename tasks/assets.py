"""Bronze and Silver tables as Prefect assets, so the asset graph reads YouTube endpoint -> landing ->
Bronze -> Silver -> Gold without gaps (prefect-dbt makes the Gold models and names their Silver sources).

Keys are the ones prefect-dbt gives a relation (`prefect_dbt.utilities.format_resource_id`): on the local
backend `spark://silver/silver_videos`, on Databricks `databricks://<catalog>/silver/silver_videos`.
Each run records one materialization per table it wrote, with the rows inserted/updated/quarantined,
from a task of the subflow that wrote it (the events Prefect's own `@materialize` tasks emit).
"""

from __future__ import annotations

from typing import Any

from prefect import task

from tasks.jobs.bronze_tables import QUARANTINE, RAW_TABLES, REPORTS_RAW, RUN_LOG

OWNER = "youtube-lakehouse"
DATA_API = "youtube://data-api/v3"
ENDPOINTS: dict[str, str] = {
    "trending_videos_raw": f"{DATA_API}/videos/chart-mostPopular",
    "video_categories_raw": f"{DATA_API}/videoCategories",
    "channels_raw": f"{DATA_API}/channels",
    "playlist_items_raw": f"{DATA_API}/playlistItems",
    "videos_raw": f"{DATA_API}/videos",
    **{t: "youtube://analytics-api/v2/reports" for t in RAW_TABLES if t.startswith("analytics_")},
    REPORTS_RAW: "youtube://reporting-api/v1/reports",
}
_REPORTS = (REPORTS_RAW,)
SILVER_UPSTREAM: dict[str, tuple[tuple[str, str], ...]] = {
    "silver_channels": (("bronze", "channels_raw"),),
    "silver_videos": (("bronze", "videos_raw"), ("bronze", "trending_videos_raw")),
    "silver_video_stats_snapshot": (("bronze", "videos_raw"), ("bronze", "trending_videos_raw")),
    "silver_video_metadata_scd2": (("bronze", "videos_raw"), ("bronze", "trending_videos_raw")),
    "silver_trending_videos": (("bronze", "trending_videos_raw"),),
    "dim_category": (("bronze", "video_categories_raw"),),
    "fact_channel_daily_metrics": (("bronze", "analytics_channel_daily_raw"), ("bronze", REPORTS_RAW)),
    "fact_video_daily_metrics": (("bronze", "analytics_video_daily_raw"), ("bronze", REPORTS_RAW)),
    "fact_video_traffic_source_metrics": (
        ("bronze", "analytics_video_traffic_source_daily_raw"),
        ("bronze", REPORTS_RAW),
    ),
    "fact_video_country_metrics": (("bronze", "analytics_video_country_daily_raw"), ("bronze", REPORTS_RAW)),
    "fact_video_device_metrics": (("bronze", "analytics_video_device_daily_raw"), ("bronze", REPORTS_RAW)),
    "fact_channel_content_type_daily": (("bronze", "analytics_channel_content_type_daily_raw"),),
    "fact_video_content_type_daily": (("bronze", "analytics_video_content_type_daily_raw"),),
    "fact_video_audience_retention": (("bronze", "analytics_video_audience_retention_raw"),),
    "dim_content_type": (("silver", "fact_channel_content_type_daily"), ("silver", "fact_video_content_type_daily")),
    "dim_date": (
        ("silver", "fact_channel_daily_metrics"),
        ("silver", "fact_video_daily_metrics"),
        ("silver", "silver_trending_videos"),
    ),
    "dim_traffic_source": (("silver", "fact_video_traffic_source_metrics"),),
    "dim_country": (("silver", "fact_video_country_metrics"),),
    "dim_device": (("silver", "fact_video_device_metrics"),),
}
DESCRIPTIONS = {
    "bronze": "Raw YouTube API pages as landed (one row per page or report row), with their request and lineage.",
    "silver": "Typed, deduplicated YouTube data MERGEd on its grain (latest ingest wins).",
    "landing": "API response pages exactly as received, one JSON line per page.",
}


def silver_upstream(table: str) -> tuple[tuple[str, str], ...]:
    """(layer, table) a Silver table is built from; the bulk-report tables come from the reports."""
    return SILVER_UPSTREAM.get(table, (("bronze", REPORTS_RAW),))


def table_asset_key(backend: Any, layer: str, table: str) -> str:
    """The key prefect-dbt would give this table as a dbt relation on the backend's adapter."""
    from prefect_dbt.utilities import format_resource_id

    catalog = getattr(backend, "catalog", None)
    if catalog:
        return format_resource_id("databricks", f"{catalog}.{layer}.{table}")
    return format_resource_id("spark", f"{layer}.{table}")


def landing_asset_key(landing_root: str, table: str) -> str:
    root = landing_root.rstrip("/")
    return f"{root}/{table}" if "://" in root else f"file://{root}/{table}"


def _asset(key: str, name: str, description: str, url: str | None = None) -> Any:
    from prefect.assets import Asset, AssetProperties

    return Asset(key=key, properties=AssetProperties(name=name, description=description, owners=[OWNER], url=url))


def _emit(asset: Any, upstream: list[Any], metadata: dict[str, Any], by: str) -> None:
    """The events a `@materialize` task emits: each upstream referenced, then the asset materialized."""
    from prefect.context import AssetContext
    from prefect.events import emit_event

    for parent in upstream:
        emit_event(event="prefect.asset.referenced", resource=AssetContext.asset_as_resource(parent), related=[])
    emit_event(
        event="prefect.asset.materialization.succeeded",
        resource=AssetContext.asset_as_resource(asset),
        related=[AssetContext.asset_as_related(p) for p in upstream] + [AssetContext.related_materialized_by(by)],
        payload=metadata,
    )


@task(name="record-bronze-assets")
def record_bronze_assets(backend_ref: str, landing_root: str, rows_inserted: dict[str, int], quarantined: int) -> int:
    """Endpoint -> landing -> Bronze for every Bronze table; the number of assets recorded."""
    from blocks.resolve import load_backend

    backend = load_backend(backend_ref)
    lake = backend.lake_location()
    bronze = {
        t: _asset(table_asset_key(backend, "bronze", t), f"bronze.{t}", DESCRIPTIONS["bronze"], f"{lake}/bronze/{t}")
        for t in (*RAW_TABLES, REPORTS_RAW, RUN_LOG, QUARANTINE)
    }
    count = 0
    for table, endpoint in ENDPOINTS.items():
        source = _asset(endpoint, endpoint.split("://", 1)[1], "YouTube API endpoint")
        landed = _asset(landing_asset_key(landing_root, table), f"landing/{table}", DESCRIPTIONS["landing"])
        _emit(landed, [source], {"pages_landed_for": table}, "youtube-lakehouse")
        _emit(bronze[table], [landed], {"rows_inserted": int(rows_inserted.get(table, 0))}, "spark")
        count += 2
    raw = [bronze[t] for t in ENDPOINTS]
    _emit(bronze[QUARANTINE], raw, {"rows_quarantined": int(quarantined)}, "spark")
    _emit(bronze[RUN_LOG], raw, {"run_recorded": True}, "spark")
    return count + 2


@task(name="record-silver-assets")
def record_silver_assets(backend_ref: str, tables: dict[str, dict[str, int]]) -> int:
    """Bronze -> Silver for every Silver table the job reported; the number of assets recorded."""
    from blocks.resolve import load_backend

    backend = load_backend(backend_ref)
    lake = backend.lake_location()
    for table, metrics in tables.items():
        asset = _asset(
            table_asset_key(backend, "silver", table),
            f"silver.{table}",
            DESCRIPTIONS["silver"],
            f"{lake}/silver/{table}",
        )
        upstream = [
            _asset(table_asset_key(backend, layer, t), f"{layer}.{t}", DESCRIPTIONS[layer], f"{lake}/{layer}/{t}")
            for layer, t in silver_upstream(table)
        ]
        _emit(
            asset,
            upstream,
            {k: int(metrics.get(k, 0)) for k in ("inserted", "updated", "deleted", "quarantined")},
            "spark",
        )
    return len(tables)

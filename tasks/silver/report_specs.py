"""The bulk report families this project models: each one's full-grain Silver table, dimensions, metrics,
coded columns and value bounds (tasks/silver/reporting.py reads reports with them)."""

from __future__ import annotations

from dataclasses import dataclass, field

BASE_DIMENSIONS = ("video_id", "live_or_on_demand", "subscribed_status", "country_code")
WATCH = {
    "views": "bigint",
    "watch_time_minutes": "double",
    "average_view_duration_seconds": "double",
    "average_view_duration_percentage": "double",
    "red_views": "bigint",
    "red_watch_time_minutes": "double",
}
# Reach reports (channel_reach_basic_a1, channel_reach_combined_a1): thumbnail impressions and their
# click-through rate, a fraction of the impressions (README, "Reach")
REACH = {"video_thumbnail_impressions": "bigint", "video_thumbnail_impressions_ctr": "double"}
REACH_FRACTIONS = ("video_thumbnail_impressions_ctr",)
REACH_CODES = {
    "traffic_source_type": "traffic_source",
    "device_type": "device",
    "operating_system": "operating_system_name",
}
# columns no report carries as a dimension or metric of its own: the report's identity and the row's date
FRAME_COLUMNS = ("date", "channel_id")
# dimensions of reports this project does not model (for the generic table: the rest are metrics)
KNOWN_DIMENSIONS = frozenset(
    BASE_DIMENSIONS
    + FRAME_COLUMNS
    + (
        "traffic_source_type",
        "traffic_source_detail",
        "device_type",
        "operating_system",
        "playback_location_type",
        "playback_location_detail",
        "age_group",
        "gender",
        "sharing_service",
        "province_code",
        "subtitle_language",
        "subtitle_language_autotranslated",
        "annotation_type",
        "annotation_id",
        "card_type",
        "card_id",
        "playlist_id",
        "uploader_type",
        "claimed_status",
        "asset_id",
        "is_latest_version",
        "content_type",
    )
)


@dataclass(frozen=True)
class ReportSpec:
    family: str
    table: str
    dimensions: tuple[str, ...]  # besides date and channel_id
    metrics: dict[str, str]  # column -> Spark type
    codes: dict[str, str] = field(default_factory=dict)  # coded column -> column of its reports.query key
    fractions: tuple[str, ...] = ()  # metrics served as a fraction: a value above 1 is a reason
    required: tuple[str, ...] = ()  # metrics a row is worthless without: missing (column or value) is a reason

    @property
    def grain(self) -> list[str]:
        return ["channel_id", "date", *self.dimensions]


SPECS: dict[str, ReportSpec] = {
    s.family: s
    for s in (
        ReportSpec(
            "channel_basic",
            "silver_report_channel_basic",
            BASE_DIMENSIONS,
            {
                "views": "bigint",
                "comments": "bigint",
                "likes": "bigint",
                "dislikes": "bigint",
                "shares": "bigint",
                "watch_time_minutes": "double",
                "average_view_duration_seconds": "double",
                "average_view_duration_percentage": "double",
                "subscribers_gained": "bigint",
                "subscribers_lost": "bigint",
                "engaged_views": "bigint",
                "red_views": "bigint",
                "red_watch_time_minutes": "double",
            },
        ),
        ReportSpec(
            "channel_traffic_source",
            "silver_report_traffic_source",
            BASE_DIMENSIONS + ("traffic_source_type", "traffic_source_detail"),
            WATCH,
            {"traffic_source_type": "traffic_source"},
        ),
        ReportSpec(
            "channel_device_os",
            "silver_report_device_os",
            BASE_DIMENSIONS + ("device_type", "operating_system"),
            WATCH,
            {"device_type": "device", "operating_system": "operating_system_name"},
        ),
        ReportSpec(
            "channel_playback_location",
            "silver_report_playback_location",
            BASE_DIMENSIONS + ("playback_location_type", "playback_location_detail"),
            WATCH,
            {"playback_location_type": "playback_location"},
        ),
        ReportSpec(
            "channel_reach_basic",
            "silver_report_reach_basic",
            ("video_id",),
            REACH,
            fractions=REACH_FRACTIONS,
            required=tuple(REACH),
        ),
        ReportSpec(
            "channel_reach_combined",
            "silver_report_reach_combined",
            ("video_id", "traffic_source_type", "traffic_source_detail", "operating_system", "device_type"),
            REACH,
            REACH_CODES,
            fractions=REACH_FRACTIONS,
            required=tuple(REACH),
        ),
        ReportSpec(
            "channel_demographics",
            "silver_report_demographics",
            BASE_DIMENSIONS + ("age_group", "gender"),
            {"views_percentage": "double"},
        ),
    )
}
GENERIC_TABLE = "silver_report_rows_generic"
GENERIC_GRAIN = ["report_family", "channel_id", "date", "dimension_key"]
REPORT_TABLES: tuple[str, ...] = tuple(s.table for s in SPECS.values()) + (GENERIC_TABLE,)
GRAINS: dict[str, list[str]] = {**{s.table: s.grain for s in SPECS.values()}, GENERIC_TABLE: GENERIC_GRAIN}

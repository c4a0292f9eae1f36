"""The YouTube API Services data policy in the lake: API data not refreshed within N days is deleted or
anonymised; the metrics the policy lets us keep stay.

- Data API metadata (titles, descriptions, tags, custom URLs) in Silver and Gold whose last refresh is
  older than the cut-off is set to NULL (`mode="anonymise"`) or its rows deleted (`mode="delete"`).
  A refresh is the row's `ingest_ts_utc` (latest ingest wins, so a video fetched yesterday is fresh); a
  closed SCD2 version was last true at its `valid_to`; a trending row describes its `snapshot_date`.
  Counts, views, ranks and every Analytics metric stay.
- Bronze rows (raw payloads, any API) and quarantined records older than the cut-off are deleted.
- Then every table changed is VACUUMed with `vacuum_retention_hours` (default 0: the deleted data leaves
  the disk now; runs that write the lake take turns, so no writer still needs the old files).

Idempotent: a second pass over the same cut-off changes no row (only rows that still hold metadata match).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tasks.jobs.bronze_tables import QUARANTINE, RAW_TABLES, REPORTS_RAW
from tasks.jobs.maintenance import retention, vacuum
from tasks.spark.lake import table_path


@dataclass(frozen=True)
class MetadataRule:
    layer: str
    table: str
    columns: tuple[str, ...]
    stale: str  # SQL predicate on the table's rows; {ts} and {day} are the cut-off


METADATA_RULES = (
    MetadataRule(
        "silver", "silver_videos", ("title", "description", "tags", "channel_title"), "ingest_ts_utc < TIMESTAMP '{ts}'"
    ),
    MetadataRule(
        "silver", "silver_channels", ("title", "description", "custom_url"), "ingest_ts_utc < TIMESTAMP '{ts}'"
    ),
    MetadataRule("silver", "silver_trending_videos", ("title", "channel_title"), "ingest_ts_utc < TIMESTAMP '{ts}'"),
    MetadataRule("gold", "gold_trending_videos", ("title", "channel_title"), "snapshot_date < DATE '{day}'"),
)
SCD2 = MetadataRule(
    "silver",
    "silver_video_metadata_scd2",
    ("title", "description", "tags"),
    "NOT is_current AND valid_to < DATE '{day}'",
)
BRONZE_AGE = {**{t: "ingest_ts_utc" for t in RAW_TABLES + (REPORTS_RAW,)}, QUARANTINE: "detected_ts_utc"}
MODES = ("anonymise", "delete")


def cutoff(as_of: date, days: int) -> datetime:
    """Rows last refreshed before this instant are stale (midnight UTC, `days` before `as_of`)."""
    return datetime.combine(as_of - timedelta(days=days), datetime.min.time(), tzinfo=UTC)


def _table(spark: Any, lake_root: str, layer: str, table: str) -> str | None:
    """The table as SQL names it by path (the catalog may point elsewhere), or None when it does not exist."""
    from delta.tables import DeltaTable

    path = table_path(lake_root, layer, table)
    return f"delta.`{path}`" if DeltaTable.isDeltaTable(spark, path) else None


def _still_holds(columns: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f"`{c}` IS NOT NULL" for c in columns) + ")"


def _affected(result: Any) -> int:
    row = result.first() if result is not None else None
    if row is None:
        return 0
    fields = row.asDict()
    return int(fields.get("num_affected_rows") or fields.get("num_updated_rows") or fields.get("num_deleted_rows") or 0)


def _metadata(spark: Any, rule: MetadataRule, name: str, stale: str, mode: str) -> int:
    where = f"{stale} AND {_still_holds(rule.columns)}"
    if mode == "delete":
        return _affected(spark.sql(f"DELETE FROM {name} WHERE {where}"))
    nulls = ", ".join(f"`{c}` = NULL" for c in rule.columns)
    return _affected(spark.sql(f"UPDATE {name} SET {nulls} WHERE {where}"))


def _scd2(spark: Any, name: str, videos: str | None, cut: datetime, mode: str) -> int:
    """Closed versions older than the cut-off, and current versions of videos not refreshed since it.
    An anonymised version keeps a hash of its own (not its old attributes'), so a later refresh of the
    video opens a new version with the metadata again instead of merging into the empty one."""
    day, ts = cut.date().isoformat(), cut.strftime("%Y-%m-%d %H:%M:%S")
    stale_current = (
        f"is_current AND video_id IN (SELECT video_id FROM {videos} WHERE ingest_ts_utc < TIMESTAMP '{ts}')"
        if videos
        else "false"
    )
    condition = f"(({SCD2.stale.format(day=day)}) OR ({stale_current})) AND {_still_holds(SCD2.columns)}"
    source = spark.sql(f"SELECT video_sk FROM {name} WHERE {condition}")
    from delta.tables import DeltaTable

    target = (
        DeltaTable.forPath(spark, name[len("delta.`") : -1])
        .alias("t")
        .merge(source.alias("s"), "t.video_sk = s.video_sk")
    )
    if mode == "delete":
        return _affected(target.whenMatchedDelete().execute())
    nulls = {c: "NULL" for c in SCD2.columns}
    return _affected(
        target.whenMatchedUpdate(set={**nulls, "attr_hash": "concat('anonymised:', t.video_sk)"}).execute()
    )


def _purge_bronze(spark: Any, lake_root: str, ts: str, names: dict[str, str], affected: dict[str, int]) -> set[str]:
    """DELETE old Bronze rows. Silver reads Bronze's change feed from its watermark: where it had read
    everything, the DELETE's own commit (deletes, which Silver ignores) is marked read too, so VACUUM may
    remove its change files; a table Silver has not caught up with is left for the next VACUUM (returned)."""
    from tasks.silver.increments import current_version, read_watermarks, write_watermarks

    marks = read_watermarks(spark, lake_root)
    advanced: dict[str, int] = {}
    behind: set[str] = set()
    for table, column in BRONZE_AGE.items():
        name = _table(spark, lake_root, "bronze", table)
        if not name:
            continue
        path = name[len("delta.`") : -1]
        before = current_version(spark, path)
        names[f"bronze.{table}"] = name
        affected[f"bronze.{table}"] = _affected(spark.sql(f"DELETE FROM {name} WHERE {column} < TIMESTAMP '{ts}'"))
        if table in marks and affected[f"bronze.{table}"]:
            if marks[table] >= before:
                advanced[table] = current_version(spark, path)
            else:
                behind.add(f"bronze.{table}")
    if advanced:
        write_watermarks(spark, lake_root, advanced)
    return behind


def run(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: days (default 30), as_of (YYYY-MM-DD, default today UTC), mode (anonymise|delete),
    vacuum_retention_hours (default 0). Returns rows affected per table and the cut-off."""
    days = int(params.get("days", 30))
    mode = params.get("mode", "anonymise")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    as_of = date.fromisoformat(params["as_of"]) if params.get("as_of") else datetime.now(UTC).date()
    cut = cutoff(as_of, days)
    day, ts = cut.date().isoformat(), cut.strftime("%Y-%m-%d %H:%M:%S")
    lake_root = params["lake_root"]
    affected: dict[str, int] = {}
    names: dict[str, str] = {}
    for rule in METADATA_RULES:
        name = _table(spark, lake_root, rule.layer, rule.table)
        if name:
            names[f"{rule.layer}.{rule.table}"] = name
            affected[f"{rule.layer}.{rule.table}"] = _metadata(
                spark, rule, name, rule.stale.format(ts=ts, day=day), mode
            )
    scd2 = _table(spark, lake_root, "silver", SCD2.table)
    if scd2:
        names[f"silver.{SCD2.table}"] = scd2
        affected[f"silver.{SCD2.table}"] = _scd2(
            spark, scd2, _table(spark, lake_root, "silver", "silver_videos"), cut, mode
        )
    behind = _purge_bronze(spark, lake_root, ts, names, affected)
    hours = float(params.get("vacuum_retention_hours", 0))
    vacuumed = []
    with retention(spark, hours):
        for table, rows in affected.items():
            if rows and table not in behind:
                vacuum(spark, names[table], hours)
                vacuumed.append(table)
    return {
        "as_of": as_of.isoformat(),
        "days": days,
        "mode": mode,
        "cutoff_utc": cut.isoformat(),
        "affected": affected,
        "vacuumed": vacuumed,
        "vacuum_later": sorted(behind),
    }

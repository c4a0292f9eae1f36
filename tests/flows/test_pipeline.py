"""The parent flow on the bundled sample: Bronze contract, run log, artifact, event, secrets."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tasks.jobs.bronze_tables import ALL_TABLES, RAW_TABLES, REPORTS_RAW
from tests.flows.conftest import SECRETS, read_delta

pytestmark = [pytest.mark.spark, pytest.mark.prefect_server]
CONTRACT = {
    "run_id",
    "snapshot_date",
    "ingest_ts_utc",
    "source_system",
    "request_id",
    "request",
    "schema_version",
    "payload",
    "region",
    "channel_id",
}


def bronze_rows(lake, table, run_id):
    return [r for r in read_delta(lake / "bronze" / table).to_pylist() if r["run_id"] == run_id]


def run_log_row(lake, run_id):
    rows = [r for r in read_delta(lake / "bronze" / "run_context_log").to_pylist() if r["run_id"] == run_id]
    assert len(rows) == 1
    return rows[0]


def test_run_completes(sample_run):
    assert sample_run["state"].is_completed(), sample_run["state"].message


# content types: 2 channels + 56 videos; retention: 2 top-videos lists, 10 + 4 curves
INSIGHTS = 2 + 56 + 2 + 14
# reports.query with `auto`: the bulk reports cover the own channel's (52 videos) days 10-09..10-28, so queries ask
# for its 8 days before and 2 after (two windows), and for the other channel's (4 videos) 30 days (one window):
# countries one request per video and day, video daily/device/traffic source one per video and window, the
# channel's days one per window
QUERY_UNITS = (56 * 30 - 52 * 20) + 3 * (52 * 2 + 4) + (2 + 1)


def test_a_small_run_is_evaluated_interpreted_from_silver_through_gold(sample_run):
    """The sample is a few thousand rows over a 30-day window: Silver decides by what it reads, Gold follows."""
    result = sample_run["state"].result()
    assert result["silver"]["interpreted"] is True and result["silver"]["bronze_bytes_read"] < 16 * 2**20
    assert result["gold"]["interpreted"] is True


def test_every_bronze_table_is_readable_by_delta_rs_with_the_contract(sample_run):
    for table in ALL_TABLES:
        data = read_delta(sample_run["lake"] / "bronze" / table)
        if table == REPORTS_RAW:  # a report's rows: one per CSV line, not an API page
            assert CONTRACT - {"payload", "region"} | {"record", "report_id"} <= set(data.column_names)
            assert bronze_rows(sample_run["lake"], table, sample_run["run_id"]), table
            continue
        assert data.num_rows > 0, table
        if table in RAW_TABLES:
            assert CONTRACT <= set(data.column_names), table
            assert bronze_rows(sample_run["lake"], table, sample_run["run_id"]), table


def test_bronze_holds_every_page_of_the_recording(sample_run, sample_recording):
    rows = {t: len(bronze_rows(sample_run["lake"], t, sample_run["run_id"])) for t in RAW_TABLES}
    data_api = [k for (as_of, k) in sample_recording.responses if as_of]
    assert rows["trending_videos_raw"] == 3 * 3 * 4  # 3 days x 3 charted regions x 4 pages
    assert rows["video_categories_raw"] == 3 * 4 - 1  # one HTML page went to quarantine
    # reports.query's country pages: one per video and day, but not for the days the bulk reports cover (`auto`)
    reporting = sample_recording.manifest["reporting"]
    mine_videos = sample_recording.manifest["generator"]["videos_per_channel"][0]
    report_days = (date.fromisoformat(reporting["last_day"]) - date.fromisoformat(reporting["first_day"])).days + 1
    assert rows["analytics_video_country_daily_raw"] == 56 * 30 - mine_videos * report_days == 56 * 30 - 52 * 20
    assert sum(rows[t] for t in RAW_TABLES if not t.startswith("analytics")) == len(data_api) - 3 - 1
    snapshot_days = {
        r["snapshot_date"].isoformat()
        for r in bronze_rows(sample_run["lake"], "trending_videos_raw", sample_run["run_id"])
    }
    assert snapshot_days == set(sample_recording.manifest["snapshot_dates"])


def test_run_context_log_is_finalised_completed(sample_run):
    row = run_log_row(sample_run["lake"], sample_run["run_id"])
    assert row["status"] == "COMPLETED" and row["flow_name"] == "youtube_lakehouse"
    assert row["finished_at_utc"] >= row["started_at_utc"]
    assert row["window_start"] == date(2026, 10, 1) and row["window_end"] == date(2026, 10, 30)
    assert json.loads(row["parameters"])["source"] == sample_run["source"]
    units = json.loads(row["api_units"])
    assert units["youtube.videos.list"] == 3 * (12 + 1 + 3)
    assert units["youtubeAnalytics.reports.query"] == QUERY_UNITS + INSIGHTS
    assert row["failed_requests"] == 3 and row["quarantined_rows"] == 1  # the sample's bad page
    assert "IMMERSIVE_FEED" in row["message"]  # Silver's warning reaches the run log
    assert json.loads(row["rows_written"])["bronze.trending_videos_raw"] == 36


def test_reloading_the_runs_landing_files_adds_nothing(sample_run):
    from blocks.resolve import load_backend
    from tasks.landing import run_prefix

    location = str(sample_run["landing"] / run_prefix(sample_run["run_id"]))
    before = {t: read_delta(sample_run["lake"] / "bronze" / t).num_rows for t in RAW_TABLES}
    again = load_backend(sample_run["backend"]).run_job("bronze_load", {"landing_location": location})
    assert set(again["rows_inserted"].values()) == {0} and again["quarantined"] == 0
    assert {t: read_delta(sample_run["lake"] / "bronze" / t).num_rows for t in RAW_TABLES} == before


async def _artifacts_and_events():
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-summary"]))
        )
        response = await client._client.post(
            "/events/filter",
            json={
                "filter": {
                    "event": {"name": ["youtube.landing.written"]},
                    "occurred": {"since": "2020-01-01T00:00:00Z"},
                },
                "limit": 50,
            },
        )
        response.raise_for_status()
        return artifacts, response.json()["events"]


def test_summary_artifact_and_landing_event(sample_run):
    from prefect.utilities.asyncutils import run_coro_as_sync

    artifacts, events = run_coro_as_sync(_artifacts_and_events())
    (mine,) = [a for a in artifacts if sample_run["run_id"] in (a.description or "")]
    table = json.loads(mine.data)
    bronze = {r["item"]: r["count"] for r in table if r["section"] == "bronze rows inserted"}
    assert bronze["bronze.trending_videos_raw"] == 36 and bronze["bronze.quarantine"] == 1
    units = {r["item"]: r["count"] for r in table if r["section"] == "api units"}
    assert units["youtube.videoCategories.list"] == 12
    assert [r["detail"] for r in table if r["section"] == "failed request"][0].startswith("videoChartNotFound")
    mine = [e for e in events if e["payload"]["run_id"] == sample_run["run_id"]]
    assert len(mine) == 1
    payload = mine[0]["payload"]
    assert (payload["window_start"], payload["window_end"]) == ("2026-10-01", "2026-10-30")
    assert payload["landing_location"].endswith(f"run_id={sample_run['run_id']}")


def test_secrets_never_reach_logs_artifacts_parameters_events_tables_or_landing(sample_run):
    from prefect.logging.handlers import APILogHandler
    from prefect.settings import PREFECT_API_URL

    from reliability.lake import delta_tables
    from reliability.secrets import prefect_texts

    APILogHandler().flush()
    texts = {where: "\n".join(found) for where, found in prefect_texts(PREFECT_API_URL.value()).items()}
    assert all(texts.values()), [where for where, text in texts.items() if not text]
    stored = [p.read_bytes().decode("utf-8", "replace") for p in sample_run["root"].rglob("*") if p.is_file()]
    values = [json.dumps(read_delta(t).to_pylist(), default=str) for t in delta_tables(sample_run["lake"])]
    texts["landing and lake files"] = "\n".join(stored)
    texts["table values (Parquet is compressed: read, not grepped)"] = "\n".join(values)
    for where, text in texts.items():
        for name, secret in SECRETS.items():
            assert secret not in text, f"{name} leaked into {where}"

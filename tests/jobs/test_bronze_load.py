"""The Bronze load job on local delta-spark: contract, idempotency, quarantine."""

from __future__ import annotations

import json
from datetime import date

import pytest

from blocks.compute import LocalDeltaSpark
from blocks.landing import LocalLanding
from tasks.jobs.bronze_tables import ALL_TABLES, RAW_TABLES
from tasks.landing import Lander, run_prefix
from tasks.youtube.clients import build_data_api
from tasks.youtube.executor import ApiExecutor
from tasks.youtube.ingest_plan import fetch_data_api_snapshot
from tasks.youtube.replay import ReplayHttp

pytestmark = pytest.mark.spark
DAY = date(2026, 10, 29)  # the sample's day with a non-JSON categories page (GB)


@pytest.fixture(scope="module")
def loaded(spark, sample_recording, tmp_path_factory):
    root = tmp_path_factory.mktemp("bronze")
    backend = LocalDeltaSpark(lake_root=str(root / "lake"))
    landing = LocalLanding(root=str(root / "landing"))
    lander = Lander(landing, run_id="run-1", source="youtube-replay-source")
    fetch_data_api_snapshot(
        build_data_api(http=ReplayHttp(sample_recording, as_of=DAY.isoformat())),
        lander,
        DAY,
        ["US", "GB"],
        ["mine"],
        ApiExecutor(sleep=lambda s: None),
    )
    params = {"landing_location": landing.location(run_prefix("run-1"))}
    first = backend.run_job("bronze_load", params)
    return backend, landing, lander, params, first


def count(spark, backend, table):
    return spark.read.format("delta").load(f"{backend.lake_location()}/bronze/{table}").count()


def test_every_table_exists_and_pages_load(spark, loaded):
    backend, _, lander, _, first = loaded
    for table in ALL_TABLES:
        assert spark.sql(f"SELECT * FROM bronze.{table}").columns
    expected = dict(lander.pages)
    expected["video_categories_raw"] -= 1  # the HTML page is quarantined instead
    assert {t: n for t, n in first["rows_inserted"].items() if n} == expected
    assert first["quarantined"] == 1


def test_row_contract(spark, loaded):
    backend = loaded[0]
    row = (
        spark.read.format("delta")
        .load(f"{backend.lake_location()}/bronze/trending_videos_raw")
        .filter("region = 'US'")
        .orderBy("request_id")
        .first()
    )
    assert row.run_id == "run-1" and row.snapshot_date == DAY and row.source_system == "youtube"
    assert row.region == "US" and row.schema_version == 1 and len(row.request_id) == 32
    assert json.loads(row.request)["chart"] == "mostPopular"
    assert json.loads(row.payload)["kind"] == "youtube#videoListResponse"
    assert row.ingest_ts_utc is not None and ".pages.jsonl#" in row.landing_path


def test_quarantine_row_names_reason_and_landing_path(spark, loaded):
    backend = loaded[0]
    (row,) = spark.read.format("delta").load(f"{backend.lake_location()}/bronze/quarantine").collect()
    assert row.target_table == "video_categories_raw" and row.stage == "bronze_load"
    assert "not a JSON object" in row.reason
    assert row.record.startswith("<html>") and ".pages.jsonl#" in row.landing_path
    assert json.loads(row.request)["regionCode"] == "GB"


def test_loading_the_same_files_again_adds_nothing(spark, loaded):
    backend, _, _, params, _ = loaded
    before = {t: count(spark, backend, t) for t in RAW_TABLES + ("quarantine",)}
    again = backend.run_job("bronze_load", params)
    assert set(again["rows_inserted"].values()) == {0} and again["quarantined"] == 0
    assert {t: count(spark, backend, t) for t in before} == before


def test_a_cut_short_landing_line_is_quarantined_and_the_rest_loads(spark, loaded, tmp_path):
    backend, landing, _, _, _ = loaded
    lander = Lander(LocalLanding(root=str(tmp_path)), run_id="run-2", source="test")
    lander.land("channels_raw", "youtube.channels.list", {"part": "id", "mine": True}, b'{"items": []}', DAY)
    lander.land("channels_raw", "youtube.channels.list", {"part": "id", "id": "UCx"}, b'{"items": []}', DAY)
    (bundle,) = lander.flush()
    text = (tmp_path / bundle).read_text()
    (tmp_path / bundle).write_text(text[: len(text) - 40])  # the process died while writing the last line
    result = backend.run_job("bronze_load", {"landing_location": str(tmp_path / run_prefix("run-2"))})
    assert result["rows_inserted"]["channels_raw"] == 1 and result["quarantined"] == 1
    (row,) = (
        spark.read.format("delta")
        .load(f"{backend.lake_location()}/bronze/quarantine")
        .filter("reason LIKE 'landing line%'")
        .collect()
    )
    assert "not a JSON record" in row.reason and row.record.startswith('{"body"') and bundle in row.landing_path


def test_a_run_with_nothing_landed_loads_nothing(loaded, tmp_path):
    result = loaded[0].run_job("bronze_load", {"landing_location": str(tmp_path / "nothing-here")})
    assert result["pages"] == 0 and set(result["rows_inserted"].values()) == {0}


def test_loading_a_run_never_reads_other_runs_files(spark, tmp_path):
    backend = LocalDeltaSpark(lake_root=str(tmp_path / "lake"))
    for run_id in ("run-x", "run-y"):
        lander = Lander(LocalLanding(root=str(tmp_path / "landing")), run_id=run_id, source="test")
        lander.land("channels_raw", "youtube.channels.list", {"part": "id", "mine": True}, b'{"items": []}', DAY)
        lander.flush()
        result = backend.run_job("bronze_load", {"landing_location": str(tmp_path / "landing" / run_prefix(run_id))})
        assert result["rows_inserted"]["channels_raw"] == 1
        for parquet in (tmp_path / "lake" / "bronze" / "channels_raw").glob("*.parquet"):
            parquet.unlink()  # this run's files vanish: the next run's MERGE must not open them

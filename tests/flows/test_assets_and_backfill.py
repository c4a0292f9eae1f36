"""Prefect-native operations on the sample: the asset graph read back from the Prefect API (endpoint ->
landing -> Bronze -> Silver -> Gold, no orphans), and a backfill that shows its progress and resumes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from tests.flows.conftest import GOLD_COLUMNS

pytestmark = [pytest.mark.spark, pytest.mark.prefect_server]


def _asset_graph() -> tuple[dict[str, set[str]], dict[str, dict]]:
    """asset key -> its upstream asset keys, and asset key -> the newest materialization's payload, from the
    `prefect.asset.materialization.succeeded` events the server kept."""
    from prefect.client.orchestration import get_client

    upstream: dict[str, set[str]] = defaultdict(set)
    payloads: dict[str, dict] = {}
    with get_client(sync_client=True) as client:
        page = client.request(
            "POST",
            "/events/filter",
            json={"filter": {"event": {"prefix": ["prefect.asset.materialization.succeeded"]}}, "limit": 50},
        ).json()
        while True:
            for event in page["events"]:
                key = event["resource"]["prefect.resource.id"]
                upstream[key] |= {
                    r["prefect.resource.id"]
                    for r in event.get("related", [])
                    if r.get("prefect.resource.role") == "asset"
                }
                payloads.setdefault(key, event.get("payload") or {})
            if not page.get("next_page"):
                break
            page = client._client.get(page["next_page"]).json()
    return upstream, payloads


def test_the_asset_graph_runs_from_the_api_to_gold_without_gaps(sample_run):
    from tasks.jobs.bronze_tables import ALL_TABLES
    from tasks.jobs.silver_build import SILVER_TABLES

    upstream, payloads = _asset_graph()
    nodes = set(upstream) | {u for ups in upstream.values() for u in ups}
    tables = (
        [f"spark://bronze/{t}" for t in ALL_TABLES]
        + [f"spark://silver/{t}" for t in SILVER_TABLES]
        + [f"spark://gold/{t}" for t in GOLD_COLUMNS]
    )
    missing = [t for t in tables if t not in upstream]
    assert not missing, f"tables never materialized as assets: {missing}"
    assert all(upstream[t] for t in tables), [t for t in tables if not upstream[t]]
    downstream = {u for ups in upstream.values() for u in ups}
    orphans = [n for n in nodes if not upstream.get(n) and n not in downstream]
    assert not orphans, orphans
    roots = {n for n in nodes if not upstream.get(n)}
    assert roots and all(r.startswith("youtube://") or "/seed" in r for r in roots), roots  # chains start at the API
    assert upstream["spark://bronze/videos_raw"] == {f"file://{sample_run['landing']}/videos_raw"}
    assert upstream[f"file://{sample_run['landing']}/videos_raw"] == {"youtube://data-api/v3/videos"}
    assert "spark://silver/silver_videos" in upstream["spark://gold/gold_trending_videos"] or any(
        "spark://silver/" in u for u in upstream["spark://gold/gold_trending_videos"]
    )
    assert payloads["spark://silver/silver_videos"].keys() >= {"inserted", "updated", "quarantined"}
    assert payloads["spark://bronze/videos_raw"]["rows_inserted"] >= 0


def test_a_backfill_shows_progress_and_resumes_without_refetching(saved_blocks):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    from flows.backfill import backfill
    from tests.flows.conftest import read_delta

    refs = {
        "backend": saved_blocks["backend"],
        "source": saved_blocks["source"],
        "landing": saved_blocks["landing_ref"],
        "through": "bronze",
        "chunk_days": 5,
    }
    first = backfill(start_date=date(2026, 10, 21), end_date=date(2026, 10, 25), **refs)
    second = backfill(start_date=date(2026, 10, 21), end_date=date(2026, 10, 30), **refs)
    assert [w["cached"] for w in second] == [True, False]
    assert second[0]["run_id"] == first[0]["run_id"]  # the finished window was not run again
    log = read_delta(saved_blocks["lake"] / "bronze" / "run_context_log").to_pylist()
    assert sum(1 for r in log if str(r["window_start"]) == "2026-10-21" and str(r["window_end"]) == "2026-10-25") == 1
    with get_client(sync_client=True) as client:
        (progress,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["backfill-progress"])),
            limit=1,
            sort=ArtifactSort.CREATED_DESC,
        )
    assert progress.type == "progress" and float(progress.data) == 100.0
    assert progress.description.startswith("2/2 windows, 10/10 days, ")
    assert "1 window(s) finished by an earlier run, skipped" in progress.description

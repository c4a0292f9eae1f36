"""The report the sample run wrote: under the lake, published to Prefect, every chart drawn in headless
Chromium, and its headline numbers equal to Gold's."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tasks.report.browser import check_page, find_chromium
from tests.flows.conftest import read_delta

pytestmark = [pytest.mark.spark, pytest.mark.prefect_server]


def artifact(key: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def read():
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))

    return run_coro_as_sync(read())


def test_the_run_wrote_its_report_under_the_lake_and_published_it(sample_run):
    page = sample_run["lake"] / "reports" / sample_run["run_id"] / "index.html"
    assert page.is_file() and (sample_run["lake"] / "reports" / "latest" / "index.html").is_file()
    assert 100_000 < page.stat().st_size < 3_000_000
    links = [a for a in artifact("run-report") if f"(file://{page})" in a.data]  # a markdown link
    assert links, [a.data for a in artifact("run-report")]
    (headline,) = [a.data for a in artifact("run-report-headline") if sample_run["run_id"] in a.data]
    start, end = map(date.fromisoformat, re.search(r"# Report (\S+) \.\. (\S+)", headline).groups())
    gold = [
        r
        for r in read_delta(sample_run["lake"] / "gold" / "gold_channel_daily_summary").to_pylist()
        if start <= r["date"] <= end
    ]
    assert gold
    assert f"| Channel views | {sum(r['views'] for r in gold):,} |" in headline
    assert f"| Net subscribers | {sum(r['net_subscribers'] for r in gold):+,} |" in headline
    reach = [
        r
        for r in read_delta(sample_run["lake"] / "gold" / "gold_channel_reach_daily").to_pylist()
        if start <= r["date"] <= end
    ]
    impressions = sum(r["impressions"] for r in reach)
    ctr = sum(r["impressions"] * float(r["impressions_ctr"]) for r in reach) / impressions
    assert f"| Impressions | {impressions:,} |" in headline
    assert f"| Impressions CTR | {ctr * 100:.1f}% |" in headline


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on PATH (make browser installs it)")
def test_every_chart_of_the_sample_report_renders_in_chromium(sample_run, tmp_path):
    page = sample_run["lake"] / "reports" / sample_run["run_id"] / "index.html"
    result = check_page(page, tmp_path / "report.png")
    assert result["problems"] == []
    names = {c["name"] for c in result["charts"]}
    assert {
        "trending-views-by-category",
        "channel-daily",
        "traffic-sources",
        "devices",
        "countries",
        "quarantine",
        "reach-daily",
        "reach-top-videos",
        "content-type-daily",
        "retention-curves",
    } <= names
    assert (tmp_path / "report.png").stat().st_size > 50_000


def test_the_report_flow_on_an_existing_lake(sample_run):
    from flows.report import report

    written = report(backend=sample_run["backend"], window_start=date(2026, 10, 1), window_end=date(2026, 10, 30))
    assert written["path"] == str(sample_run["lake"] / "reports" / "latest" / "index.html")
    assert (written["window_start"], written["window_end"]) == ("2026-10-01", "2026-10-30")
    text = (sample_run["lake"] / "reports" / "latest" / "index.html").read_text()
    assert "1 Oct 2026 – 30 Oct 2026" in text and "no run (an existing lake)" in text
    assert written["table_counts"]["gold"]["gold_channel_daily_summary"] == 60

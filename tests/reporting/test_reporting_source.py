"""The Reporting API source through google-api-python-client against the synthetic Reporting API:
jobs, listing, restatement, streamed downloads, codes and the per-day source plan. No Spark."""

from __future__ import annotations

import gzip
import hashlib
import json
import tracemalloc
from datetime import date, timedelta

import httplib2
import pytest

from tasks.youtube.analytics_sources import contiguous, covered_days, plan_sources
from tasks.youtube.clients import build_reporting_api
from tasks.youtube.executor import ApiExecutor
from tasks.youtube.replay import serve_range
from tasks.youtube.reporting_api import (
    DEFAULT_REPORT_TYPES,
    ReportingContext,
    download_report,
    ensure_jobs,
    latest_per_day,
    list_reports,
    report_day,
)
from tasks.youtube.reporting_codes import code_of, code_table, key_of
from youtube_sim.synth import SynthHttp, World, WorldConfig

END = date(2026, 10, 30)


def context(world: World) -> ReportingContext:
    return ReportingContext(build_reporting_api(http=SynthHttp(world, END)), ApiExecutor(sleep=lambda s: None))


def requests(ctx: ReportingContext, endpoint: str) -> int:
    return next((r["requests"] for r in ctx.executor.usage_rows() if r["endpoint"] == endpoint), 0)


def test_job_creation_is_opt_in_and_idempotent():
    world = World(WorldConfig(reporting_history_days=0))  # a channel without reporting jobs
    ctx = context(world)
    assert ensure_jobs(ctx, list(DEFAULT_REPORT_TYPES), create=False) == {}
    assert "create_jobs=False" in ctx.warnings[0] and requests(ctx, "youtubereporting.jobs.create") == 0

    first = ensure_jobs(ctx, list(DEFAULT_REPORT_TYPES) + ["channel_no_such_report_a9"], create=True)
    assert sorted(first) == sorted(DEFAULT_REPORT_TYPES)
    assert requests(ctx, "youtubereporting.jobs.create") == len(DEFAULT_REPORT_TYPES)
    assert any("channel_no_such_report_a9 is not offered" in w for w in ctx.warnings)
    again = ensure_jobs(ctx, list(DEFAULT_REPORT_TYPES), create=True)
    assert again == first and requests(ctx, "youtubereporting.jobs.create") == len(DEFAULT_REPORT_TYPES)
    assert len(world.reporting.jobs) == len(DEFAULT_REPORT_TYPES)
    # the stand-in refuses a second job for a report type, as the API does
    raw = build_reporting_api(http=SynthHttp(world, END))
    with pytest.raises(Exception, match="409"):
        raw.jobs().create(body={"reportTypeId": "channel_basic_a3", "name": "again"}).execute()


def test_a_restated_day_keeps_only_its_latest_report():
    world = World(WorldConfig())
    ctx = context(world)
    job = ensure_jobs(ctx, ["channel_basic_a3"], create=False)["channel_basic_a3"]
    listed = list_reports(ctx, job)  # pages of 10: every page followed
    restated = (END - timedelta(days=world.config.restated_day_offset)).isoformat()
    assert len(listed) == world.config.reporting_history_days + 1
    assert [report_day(r) for r in listed].count(restated) == 2
    kept = latest_per_day(listed)
    assert len(kept) == world.config.reporting_history_days
    day_reports = sorted((r for r in listed if report_day(r) == restated), key=lambda r: r["createTime"])
    assert next(r for r in kept if report_day(r) == restated)["id"] == day_reports[-1]["id"]


def test_reports_list_by_start_time_window():
    ctx = context(World(WorldConfig()))
    job = ensure_jobs(ctx, ["channel_device_os_a3"], create=False)["channel_device_os_a3"]
    listed = list_reports(
        ctx, job, start_time_at_or_after="2026-10-20T00:00:00Z", start_time_before="2026-10-23T00:00:00Z"
    )
    assert sorted({report_day(r) for r in listed}) == ["2026-10-20", "2026-10-21", "2026-10-22"]


class GeneratedReportHttp:
    """A report of `size` bytes made on the fly from fixed-width rows: any byte range can be served
    without the report ever existing whole, in memory or on disk."""

    ROW = 64

    def __init__(self, size: int, gzip_body: bytes | None = None):
        self.size, self.gzip_body, self.requests = size, gzip_body, 0

    def row(self, i: int) -> bytes:
        if i == 0:
            return b"date,channel_id,video_id,views".ljust(self.ROW - 1) + b"\n"
        return f"20261020,UCchannel,v{i:010d},{i % 997}".encode().ljust(self.ROW - 1) + b"\n"

    def body(self, start: int, end: int) -> bytes:
        first, last = start // self.ROW, end // self.ROW
        data = b"".join(self.row(i) for i in range(first, last + 1))
        return data[start - first * self.ROW : end - first * self.ROW + 1]

    def request(self, uri, method="GET", body=None, headers=None, **kwargs):
        self.requests += 1
        if self.gzip_body is not None:
            return serve_range(self.gzip_body, headers)
        start, end = (int(x) for x in headers["range"].split("=")[1].split("-"))
        end = min(end, self.size - 1)
        return httplib2.Response({"status": "206", "content-range": f"bytes {start}-{end}/{self.size}"}), self.body(
            start, end
        )


REPORT = {
    "id": "r1",
    "jobId": "j1",
    "startTime": "2026-10-20T07:00:00Z",
    "createTime": "2026-10-22T10:00:00Z",
    "downloadUrl": "https://youtubereporting.googleapis.com/v1/media/CHANNEL/UCx/jobs/j1/reports/r1?alt=media",
}


def test_a_multi_hundred_mb_report_downloads_in_chunks_with_flat_memory(tmp_path):
    size = 320 * 1024 * 1024
    chunk = 8 * 1024 * 1024
    http = GeneratedReportHttp(size)
    ctx = ReportingContext(build_reporting_api(http=http), ApiExecutor(sleep=lambda s: None))
    tracemalloc.start()
    try:
        got = download_report(ctx, REPORT, tmp_path / "report.csv", chunk_bytes=chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got is not None and got.size == size and not got.gzip
    assert got.chunks == size // chunk == requests(ctx, "youtubereporting.media.download")
    expected = hashlib.sha256()
    for start in range(0, size, chunk):
        expected.update(http.body(start, min(start + chunk, size) - 1))
    assert got.sha256 == expected.hexdigest()
    print(f"downloaded {size / 2**20:.0f} MiB in {got.chunks} chunks, Python peak {peak / 2**20:.1f} MiB")
    assert peak < 6 * chunk, f"memory grew with the report: peak {peak / 2**20:.0f} MiB"


def test_a_gzip_report_is_kept_as_served(tmp_path):
    text = b"date,channel_id,views\n20261020,UCx,5\n"
    http = GeneratedReportHttp(0, gzip_body=gzip.compress(text, mtime=0))
    ctx = ReportingContext(build_reporting_api(http=http), ApiExecutor(sleep=lambda s: None))
    got = download_report(ctx, REPORT, tmp_path / "r.csv", chunk_bytes=16)
    assert got.gzip and gzip.decompress((tmp_path / "r.csv").read_bytes()) == text and got.chunks > 1


def test_a_failed_download_retries_from_the_same_offset(tmp_path):
    class Flaky(GeneratedReportHttp):
        def request(self, uri, method="GET", body=None, headers=None, **kwargs):
            if self.requests == 2:  # the third request: a 503, then the same range again
                self.requests += 1
                return httplib2.Response({"status": "503"}), json.dumps({"error": {"code": 503}}).encode()
            return super().request(uri, method, body, headers)

    http = Flaky(5000)
    ctx = ReportingContext(build_reporting_api(http=http), ApiExecutor(sleep=lambda s: None))
    got = download_report(ctx, REPORT, tmp_path / "r.csv", chunk_bytes=1024)
    assert got.size == 5000 and (tmp_path / "r.csv").read_bytes() == http.body(0, 4999)
    usage = {r["endpoint"]: r for r in ctx.executor.usage_rows()}["youtubereporting.media.download"]
    assert usage["retries"] == 1 and usage["failed"] == 0


def test_codes_are_data_and_unknown_codes_pass_through():
    table = code_table()
    assert key_of("traffic_source_type", "5") == "YT_SEARCH" and key_of("device_type", "104") == "MOBILE"
    assert key_of("traffic_source_type", " 9 ") == "EXT_URL"
    assert key_of("traffic_source_type", "999") == "TRAFFIC_SOURCE_TYPE_CODE_999"
    assert key_of("device_type", "") is None
    assert code_of("device_type", "UNKNOWN_PLATFORM") == "100"
    for dimension, codes in table.items():  # one key per code and one code per key
        keys = [k for k, _ in codes.values()]
        assert len(keys) == len(set(keys)), dimension
    from tasks.silver.dims import DEVICES, TRAFFIC_SOURCES

    assert {k for k, _ in table["device_type"].values()} == set(DEVICES)
    assert {k for k, _ in table["traffic_source_type"].values()} <= set(TRAFFIC_SOURCES)


def test_auto_chooses_per_day():
    start, end = date(2026, 10, 1), date(2026, 10, 30)
    days = [(date(2026, 10, 9) + timedelta(days=i)).isoformat() for i in range(20)]  # 10-09 .. 10-28
    report_days = {
        "channel_basic_a3": days,
        "channel_traffic_source_a3": days,
        "channel_device_os_a3": days[:-1],
        "channel_demographics_a1": days[:3],
    }
    assert max(covered_days(report_days)) == date(2026, 10, 27)  # every fact-feeding type must have the day
    plan = plan_sources(
        {"UCmine": "auto", "UCother": "auto", "UCq": "query", "UCr": "reporting"},
        {"UCmine", "UCr"},
        report_days,
        start,
        end,
    )
    assert plan.query_ranges["UCmine"] == [(start, date(2026, 10, 8)), (date(2026, 10, 28), end)]
    assert plan.query_ranges["UCother"] == [(start, end)] and plan.query_ranges["UCq"] == [(start, end)]
    assert "UCr" not in plan.query_ranges and len(plan.reporting_days["UCr"]) == 19
    assert any("UCr: no bulk report yet for 2026-10-01..2026-10-08, 2026-10-28..2026-10-30" in w for w in plan.warnings)
    assert any("UCother" in w and "do not cover" in w for w in plan.warnings)
    assert sorted(plan.query_calls())[0] == (start, date(2026, 10, 8), ["UCmine"])
    # a type missing altogether: no day counts as covered, auto asks reports.query for all of them
    assert covered_days({"channel_basic_a3": days}) == set()
    assert contiguous([date(2026, 10, 3), date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)]) == [
        (date(2026, 10, 1), date(2026, 10, 3)),
        (date(2026, 10, 5), date(2026, 10, 5)),
    ]


def test_the_bulk_report_adds_up_to_the_query_numbers():
    """The synthetic world's two APIs agree: what the Silver comparison test relies on."""
    from youtube_sim.synth_reporting import HEADERS, report_rows

    world = World(WorldConfig())
    channel, day = world.channels[0], date(2026, 10, 20)
    header = HEADERS["channel_basic_a3"]
    views: dict[str, int] = {}
    for row in report_rows(world, channel, "channel_basic_a3", day):
        cells = dict(zip(header, row, strict=True))
        views[cells["video_id"]] = views.get(cells["video_id"], 0) + int(cells["views"])
    expected = {
        v: world.video_day(world.videos[v], day)["views"]
        for v in channel.video_ids
        if world.video_day(world.videos[v], day).get("views")
    }
    assert views == expected


def test_a_day_reissued_after_the_window_moved_on_is_fetched_by_watermark(tmp_path):
    from blocks.landing import LocalLanding
    from tasks.youtube.reporting_api import fetch_reports
    from tasks.youtube.reporting_state import read_watermarks, write_watermarks
    from youtube_sim.synth_reporting import report_day_start

    world = World(WorldConfig())
    restated = END - timedelta(days=world.config.restated_day_offset)
    storage = LocalLanding(root=str(tmp_path / "landing"))
    kinds = ["channel_basic_a3"]

    # run 1, three days after the day: its first (preliminary) report exists, the restatement not yet
    world.reporting.now = report_day_start(restated + timedelta(days=3)) + timedelta(hours=4)
    first = fetch_reports(
        context(world),
        storage,
        "run-1",
        "synth",
        kinds,
        False,
        restated - timedelta(days=2),
        restated + timedelta(days=1),
        tmp_path / "s1",
    )
    assert restated.isoformat() in first.days["channel_basic_a3"] and first.restated == {}
    write_watermarks(storage, first.watermarks)

    # run 2, days later: its window has moved past the day, which YouTube has re-issued meanwhile
    world.reporting.now = None
    window = (restated + timedelta(days=3), restated + timedelta(days=6))
    blind = fetch_reports(context(world), storage, "run-0", "synth", kinds, False, *window, tmp_path / "s0")
    assert blind.restated == {}  # without a watermark: not seen
    ctx = context(world)
    second = fetch_reports(
        ctx, storage, "run-2", "synth", kinds, False, *window, tmp_path / "s2", watermarks=read_watermarks(storage)
    )
    # the re-issued day, and the day between the two windows whose first report came after run 1
    assert second.restated == {"channel_basic_a3": [restated.isoformat(), (restated + timedelta(days=2)).isoformat()]}
    landed = [p for p in second.landed if f"start_date={restated}" in p]
    assert len(landed) == 1
    listed = list_reports(context(world), first.jobs["channel_basic_a3"])
    latest = max((r for r in listed if report_day(r) == restated.isoformat()), key=lambda r: r["createTime"])
    assert landed[0].endswith(f"{latest['id']}.csv")
    assert requests(ctx, "youtubereporting.jobs.reports.list") == 2  # the window, and createdAfter
    assert second.watermarks[first.jobs["channel_basic_a3"]] > first.watermarks[first.jobs["channel_basic_a3"]]


def test_watermarks_only_move_forward(tmp_path):
    from blocks.landing import LocalLanding
    from tasks.youtube.reporting_state import read_watermarks, write_watermarks

    storage = LocalLanding(root=str(tmp_path))
    assert read_watermarks(storage) == {}
    write_watermarks(storage, {"job-a": "2026-10-20T10:00:00Z", "job-b": "2026-10-01T00:00:00.5Z"})
    stored = write_watermarks(storage, {"job-a": "2026-10-19T23:00:00Z", "job-b": "2026-10-01T00:00:01Z"})
    assert stored == {"job-a": "2026-10-20T10:00:00Z", "job-b": "2026-10-01T00:00:01Z"}
    assert read_watermarks(storage) == stored


def test_gold_rebuilds_from_the_earliest_reissued_day():
    from flows.window import gold_since
    from flows.youtube_lakehouse import ingested_kinds

    assert gold_since(date(2026, 10, 24), []) == date(2026, 10, 24)
    assert gold_since(date(2026, 10, 24), ["2026-10-12", "2026-10-20"]) == date(2026, 10, 12)
    assert ingested_kinds({"reporting_reports_raw": 5}) == ["channel"]

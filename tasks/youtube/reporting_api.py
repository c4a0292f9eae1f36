"""Reporting API v1 (`youtubereporting`): jobs per report type and their daily bulk reports.

One job per report type yields one CSV a day for the whole channel (every video, country, ...).
Here: find or (opt-in) create the job of each configured report type, list its reports, keep the
latest report of each day (YouTube restates a day by issuing a newer report with the same start
time), and stream each download to a file in chunks (reports can be hundreds of MB).
Every call goes through `ApiExecutor` (retry policy, counts per endpoint); each download chunk counts
as one `youtubereporting.media.download` request.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.youtube.errors import Action, AuthenticationError, QuotaExhaustedError, classify_exception
from tasks.youtube.executor import ApiExecutor
from tasks.youtube.report_landing import DownloadedReport, land_report, report_day

logger = logging.getLogger(__name__)

DEFAULT_REPORT_TYPES: tuple[str, ...] = (
    "channel_basic_a3",
    "channel_traffic_source_a3",
    "channel_device_os_a3",
    "channel_playback_location_a3",
    "channel_demographics_a1",
)
JOB_NAME_PREFIX = "youtube-lakehouse"
CHUNK_BYTES = 8 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class ReportingContext:
    """What the calls of one run share: the client, the policy and counts, the content owner."""

    client: Any
    executor: ApiExecutor = field(default_factory=ApiExecutor)
    content_owner: str | None = None
    warnings: list[str] = field(default_factory=list)

    def params(self, **params: Any) -> dict[str, Any]:
        """Request parameters, with `onBehalfOfContentOwner` for content-owner reports; None values dropped."""
        if self.content_owner:
            params["onBehalfOfContentOwner"] = self.content_owner
        return {k: v for k, v in params.items() if v is not None}


def _json(body: bytes | None) -> dict[str, Any]:
    import json

    if body is None:
        return {}
    doc = json.loads(body) if body.strip() else {}
    return doc if isinstance(doc, dict) else {}


def _all_pages(
    ctx: ReportingContext, endpoint: str, method: Callable[..., Any], items_key: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Every item of a paged list call (following `nextPageToken`)."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page_params = {**params, **({"pageToken": token} if token else {})}
        doc = _json(ctx.executor.execute(endpoint, method(**page_params), page_params))
        items += [i for i in doc.get(items_key) or [] if isinstance(i, dict)]
        token = doc.get("nextPageToken")
        if not token:
            return items


def report_types(ctx: ReportingContext, include_system_managed: bool = False) -> list[str]:
    """The report type ids the channel (or content owner) can have jobs for."""
    types = _all_pages(
        ctx,
        "youtubereporting.reportTypes.list",
        ctx.client.reportTypes().list,
        "reportTypes",
        ctx.params(includeSystemManaged=include_system_managed or None),
    )
    return sorted(t["id"] for t in types if isinstance(t.get("id"), str))


def list_jobs(ctx: ReportingContext) -> list[dict[str, Any]]:
    return _all_pages(ctx, "youtubereporting.jobs.list", ctx.client.jobs().list, "jobs", ctx.params())


def ensure_jobs(
    ctx: ReportingContext, wanted: list[str], create: bool, name_prefix: str = JOB_NAME_PREFIX
) -> dict[str, str]:
    """Report type -> job id for each wanted type. An existing job is reused (never a second one); a
    missing job is created only when `create` is set, for a type the API offers; otherwise a warning."""
    jobs: dict[str, dict[str, Any]] = {}
    for job in sorted(list_jobs(ctx), key=lambda j: (j.get("createTime") or "", j.get("id") or "")):
        kind = job.get("reportTypeId")
        if not isinstance(kind, str) or not isinstance(job.get("id"), str):
            continue
        if kind in jobs:
            ctx.warnings.append(
                f"report type {kind} has several jobs ({jobs[kind]['id']}, {job['id']}); "
                f"using the oldest, {jobs[kind]['id']}"
            )
            continue
        jobs[kind] = job
    missing = [kind for kind in wanted if kind not in jobs]
    if missing and not create:
        ctx.warnings.append(
            f"no reporting job for {', '.join(missing)}; this source does not create jobs "
            "(create_jobs=False): create them, or let the source create them"
        )
    elif missing:
        offered = set(report_types(ctx))
        for kind in missing:
            if kind not in offered:
                ctx.warnings.append(f"report type {kind} is not offered to this channel/content owner; skipped")
                continue
            params = ctx.params()
            body = {"reportTypeId": kind, "name": f"{name_prefix}-{kind}"}
            created = _json(
                ctx.executor.execute(
                    "youtubereporting.jobs.create", ctx.client.jobs().create(body=body, **params), {**params, **body}
                )
            )
            if isinstance(created.get("id"), str):
                jobs[kind] = created
                logger.info(
                    "created reporting job %s for %s (first reports arrive within about 48 hours)", created["id"], kind
                )
    return {kind: jobs[kind]["id"] for kind in wanted if kind in jobs}


def list_reports(
    ctx: ReportingContext,
    job_id: str,
    created_after: str | None = None,
    start_time_at_or_after: str | None = None,
    start_time_before: str | None = None,
) -> list[dict[str, Any]]:
    """The reports of a job (RFC 3339 times), every page."""
    return _all_pages(
        ctx,
        "youtubereporting.jobs.reports.list",
        ctx.client.jobs().reports().list,
        "reports",
        ctx.params(
            jobId=job_id,
            createdAfter=created_after,
            startTimeAtOrAfter=start_time_at_or_after,
            startTimeBefore=start_time_before,
        ),
    )


def latest_per_day(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report that counts for each (job, start time): the latest created (a restatement replaces the
    earlier report of its day). Sorted by job and start time."""
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for report in reports:
        key = (report.get("jobId") or "", report.get("startTime") or "")
        rank = (report.get("createTime") or "", report.get("id") or "")
        if key not in best or rank > (best[key].get("createTime") or "", best[key].get("id") or ""):
            best[key] = report
    return [best[k] for k in sorted(best)]


def resource_name(download_url: str) -> str:
    """The `media.download` resource name of a report's `downloadUrl` (`.../v1/media/<resourceName>`)."""
    from urllib.parse import urlsplit

    path = urlsplit(download_url).path
    marker = "/v1/media/"
    if marker not in path:
        raise ValueError(f"not a Reporting API download URL: {download_url[:200]!r}")
    return path.split(marker, 1)[1]


def download_report(
    ctx: ReportingContext,
    report: dict[str, Any],
    destination: Path,
    chunk_bytes: int = CHUNK_BYTES,
    max_retries: int | None = None,
) -> DownloadedReport | None:
    """Stream a report to `destination` in chunks of `chunk_bytes` (memory stays at about one chunk);
    gzip or not, the bytes are kept as served. None when the download failed for good (recorded)."""
    from googleapiclient.http import MediaIoBaseDownload

    endpoint = "youtubereporting.media.download"
    params = {"resourceName": resource_name(report["downloadUrl"]), "reportId": report.get("id")}
    request = ctx.client.media().download_media(resourceName=params["resourceName"])
    retries = ctx.executor.max_retries if max_retries is None else max_retries
    digest = hashlib.sha256()
    head = b""
    chunks = 0
    destination.parent.mkdir(parents=True, exist_ok=True)

    class _Sink:
        """Writes through to the file, hashing on the way (no second read of a large file)."""

        def __init__(self, raw: Any):
            self.raw = raw

        def write(self, data: bytes) -> int:
            nonlocal head
            if len(head) < 2:
                head += data[: 2 - len(head)]
            digest.update(data)
            return self.raw.write(data)

    with open(destination, "wb") as raw:
        downloader = MediaIoBaseDownload(_Sink(raw), request, chunksize=chunk_bytes)
        done, attempt = False, 0
        while not done:
            try:  # a failed chunk is asked for again from the same offset: nothing is written twice
                _, done = downloader.next_chunk(num_retries=0)
                chunks += 1
                attempt = 0
                ctx.executor.record(endpoint)
                continue
            except Exception as exc:  # noqa: BLE001 - classified as for every other call
                verdict = classify_exception(exc)
            if verdict.status is not None:
                ctx.executor.record(endpoint)
            if verdict.action is Action.RETRY and attempt < retries:
                attempt += 1
                ctx.executor.retry_wait(endpoint, verdict, attempt)
                continue
            ctx.executor.record_failure(endpoint, params, verdict)
            if verdict.action is Action.QUOTA:
                raise QuotaExhaustedError(endpoint, verdict.reason, verdict.message)
            if verdict.action is Action.AUTH:
                raise AuthenticationError(f"{endpoint}: {verdict.message}")
            raw.close()
            destination.unlink(missing_ok=True)
            return None
    return DownloadedReport(destination, destination.stat().st_size, head == GZIP_MAGIC, digest.hexdigest(), chunks)


@dataclass
class ReportingFetch:
    """What a run fetched from the Reporting API: days covered per report type, reports landed."""

    days: dict[str, list[str]] = field(default_factory=dict)  # report type -> days with a report
    landed: list[str] = field(default_factory=list)
    jobs: dict[str, str] = field(default_factory=dict)
    restated: dict[str, list[str]] = field(default_factory=dict)  # report type -> earlier days re-issued or late
    watermarks: dict[str, str] = field(default_factory=dict)  # job id -> latest createTime seen


def _newest(reports: list[dict[str, Any]], floor: str | None) -> str | None:
    times = [str(r["createTime"]) for r in reports if r.get("createTime")] + ([floor] if floor else [])
    return max(times, key=instant) if times else None


def instant(rfc3339: str) -> Any:
    """An RFC 3339 time (the API's `createTime`) as an aware datetime."""
    from datetime import datetime

    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))


def _land(
    ctx: ReportingContext,
    storage: Any,
    run_id: str,
    source: str,
    report_type: str,
    reports: list[dict[str, Any]],
    scratch: Path,
    chunk_bytes: int,
    out: ReportingFetch,
) -> tuple[list[str], bool]:
    """Download and land each report; the days landed, and whether every download succeeded."""
    days, complete = [], True
    for report in reports:
        if not isinstance(report.get("id"), str) or not report.get("downloadUrl") or not report.get("startTime"):
            ctx.warnings.append(
                f"{report_type}: a listed report without id, startTime or downloadUrl skipped: {str(report)[:200]}"
            )
            continue
        local = scratch / f"{report['id']}.download"
        got = download_report(ctx, report, local, chunk_bytes=chunk_bytes)
        if got is None:
            complete = False
            continue
        try:
            out.landed.append(land_report(storage, run_id, report_type, report, got, ctx.content_owner, source))
        finally:
            local.unlink(missing_ok=True)
        days.append(report_day(report))
    return sorted(days), complete


def fetch_reports(
    ctx: ReportingContext,
    storage: Any,
    run_id: str,
    source: str,
    report_types: list[str],
    create_jobs: bool,
    start: Any,
    end: Any,
    scratch: Path,
    chunk_bytes: int = CHUNK_BYTES,
    watermarks: dict[str, str] | None = None,
) -> ReportingFetch:
    """For each report type: its job (found or created), the latest report of each day in [start, end],
    streamed to `scratch` then landed. Days whose download failed are not counted as covered.

    `watermarks` (job id -> the latest createTime a previous run saw) also fetch the reports created
    since for days before the window: YouTube's restatements of older days, and days first delivered
    after an earlier run's window had passed them. Without one, a job's
    older days are not looked at (the first run sets it).
    """
    from datetime import timedelta

    out = ReportingFetch(jobs=ensure_jobs(ctx, report_types, create_jobs))
    after, before = f"{start.isoformat()}T00:00:00Z", f"{(end + timedelta(days=1)).isoformat()}T00:00:00Z"
    for report_type, job_id in out.jobs.items():
        listed = list_reports(ctx, job_id, start_time_at_or_after=after, start_time_before=before)
        out.days[report_type], complete = _land(
            ctx, storage, run_id, source, report_type, latest_per_day(listed), scratch, chunk_bytes, out
        )
        since = (watermarks or {}).get(job_id)
        if since:
            newer = list_reports(ctx, job_id, created_after=since)
            older = [r for r in newer if r.get("startTime") and report_day(r) < start.isoformat()]
            restated, done = _land(
                ctx, storage, run_id, source, report_type, latest_per_day(older), scratch, chunk_bytes, out
            )
            complete = complete and done
            if restated:
                out.restated[report_type] = restated
                logger.info(
                    "%s: %d report(s) for days before the window, re-issued or late: %s",
                    report_type,
                    len(restated),
                    restated,
                )
            listed += newer
        newest = _newest(listed, since) if complete else since  # a failed download is asked for again
        if newest:
            out.watermarks[job_id] = newest
    return out

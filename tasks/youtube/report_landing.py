"""A downloaded bulk report into landing storage: the file as served (gzip kept), and beside it a small
metadata file naming the report, its day, job and create time, and its header line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DownloadedReport:
    path: Path
    size: int
    gzip: bool
    sha256: str
    chunks: int


REPORTS_FOLDER = "reporting"
META_SUFFIX = ".meta.json"


def report_day(report: dict[str, Any]) -> str:
    """The day a report covers (YYYY-MM-DD): its startTime is midnight Pacific time of that day."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime.fromisoformat(str(report["startTime"]).replace("Z", "+00:00"))
    return start.astimezone(ZoneInfo("America/Los_Angeles")).date().isoformat()


def first_line(path: Path, gzip_file: bool) -> str:
    """A report file's header line (without reading the rest)."""
    import gzip

    opener = gzip.open if gzip_file else open
    with opener(path, "rb") as f:
        return f.readline(1 << 20).decode("utf-8-sig", errors="replace").rstrip("\r\n")


def land_report(
    storage: Any,
    run_id: str,
    report_type: str,
    report: dict[str, Any],
    downloaded: DownloadedReport,
    content_owner: str | None,
    source: str,
) -> str:
    """Land a downloaded report as served, with a meta file (what it is, its header, size and hash);
    return the report file's landing path."""
    import json
    from datetime import datetime

    from tasks.landing import request_id, run_prefix

    day = report_day(report)
    folder = f"{run_prefix(run_id)}/{REPORTS_FOLDER}/{report_type}/start_date={day}"
    name = f"{report['id']}.csv" + (".gz" if downloaded.gzip else "")
    storage.write_file(f"{folder}/{name}", downloaded.path)
    meta = {
        "run_id": run_id,
        "report_type": report_type,
        "job_id": report.get("jobId"),
        "report_id": report["id"],
        "start_time": report.get("startTime"),
        "end_time": report.get("endTime"),
        "create_time": report.get("createTime"),
        "report_day": day,
        "file": name,
        "gzip": downloaded.gzip,
        "bytes": downloaded.size,
        "sha256": downloaded.sha256,
        "header": first_line(downloaded.path, downloaded.gzip),
        "content_owner": content_owner,
        "source": source,
        "request_id": request_id("youtubereporting.media.download", {"reportId": report["id"]}),
        "fetched_at_utc": datetime.now(UTC).isoformat(),
    }
    storage.write_bytes(f"{folder}/{report['id']}{META_SUFFIX}", json.dumps(meta, sort_keys=True).encode("utf-8"))
    return f"{folder}/{name}"

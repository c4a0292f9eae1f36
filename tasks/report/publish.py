"""Build the report (Spark job `report_data` on the backend, the page in this process), write it under the
lake as `reports/<run_id>/index.html` and `reports/latest/index.html`, and publish it to Prefect."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import task

REPO_ROOT = Path(__file__).resolve().parents[2]


def reports_folder(lake_location: str) -> Path:
    """`<lake>/reports` when the lake is a local folder; else `.reports` in the repository (a page is
    written by this process, which cannot write into s3:// or a Databricks volume)."""
    if lake_location.startswith("file:"):
        lake_location = lake_location.split(":", 1)[1]
    if "://" in lake_location or lake_location.startswith("/Volumes/"):
        return REPO_ROOT / ".reports"
    return Path(lake_location) / "reports"


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a reader never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as out:
        out.write(text)
    os.replace(out.name, path)


def write_pages(folder: Path, run_id: str | None, page: str) -> Path:
    """The run's page and the `latest` copy; returns the run's page (the latest one without a run)."""
    target = folder / (run_id or "latest") / "index.html"
    _write(target, page)
    if run_id:
        _write(folder / "latest" / "index.html", page)
    return target


def headline_markdown(
    data: dict[str, Any], run_id: str | None, page_path: Path, api_units: dict[str, int] | None
) -> str:
    from tasks.report.page import headline

    lines = [
        f"# Report {data['window_start']} .. {data['window_end']}",
        "",
        f"Run: {run_id or '-'}; page: [{page_path}](file://{page_path})",
        "",
        "| figure | value |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {v} |" for k, v in headline(data, api_units)]
    return "\n".join(lines) + "\n"


@task(name="write_report")
def write_report(
    backend: str,
    run_id: str | None = None,
    window_start: date | None = None,
    window_end: date | None = None,
    api_units: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Report of the window (default: the 28 days up to the newest Gold day). Returns the page's path, its
    size in bytes, and the row counts per layer the report read (the run summary reuses them)."""
    from prefect.artifacts import create_link_artifact, create_markdown_artifact

    from blocks.resolve import load_backend
    from tasks.report.page import render

    started = time.monotonic()
    compute = load_backend(backend)
    data = compute.run_job(
        "report_data",
        {
            "run_id": run_id,
            "window_start": window_start.isoformat() if window_start else None,
            "window_end": window_end.isoformat() if window_end else None,
        },
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = render(data, run_id, api_units, generated_at=generated)
    path = write_pages(reports_folder(compute.lake_location()), run_id, page)
    create_link_artifact(
        key="run-report",
        link=f"file://{path}",
        link_text="Run report (HTML)",
        description=f"YouTube Lakehouse report {data['window_start']} .. {data['window_end']}",
    )
    create_markdown_artifact(
        key="run-report-headline",
        markdown=headline_markdown(data, run_id, path, api_units),
        description="The report's headline numbers",
    )
    return {
        "path": str(path),
        "bytes": len(page.encode()),
        "seconds": round(time.monotonic() - started, 2),
        "window_start": data["window_start"],
        "window_end": data["window_end"],
        "table_counts": data["health"]["table_counts"],
    }

"""What a run leaves in Prefect: table artifacts and events."""

from __future__ import annotations

from typing import Any

LANDING_WRITTEN = "youtube.landing.written"
SILVER_UPDATED = "youtube.silver.updated"
GOLD_UPDATED = "youtube.gold.updated"
QUOTA_EXHAUSTED = "youtube.quota.exhausted"


def ingest_summary_rows(
    bronze_rows: dict[str, int], usage: dict[str, dict[str, int]], failures: list[dict[str, Any]], quarantined: int
) -> list[dict[str, Any]]:
    """One table: rows per Bronze table, API units per endpoint, failed requests."""
    rows: list[dict[str, Any]] = [
        {"section": "bronze rows inserted", "item": f"bronze.{t}", "count": n, "detail": ""}
        for t, n in sorted(bronze_rows.items())
    ]
    rows.append(
        {
            "section": "bronze rows inserted",
            "item": "bronze.quarantine",
            "count": quarantined,
            "detail": "pages that are not JSON objects",
        }
    )
    rows += [
        {
            "section": "api units",
            "item": endpoint,
            "count": u["units"],
            "detail": f"requests={u['requests']} retries={u['retries']} failed={u['failed']}",
        }
        for endpoint, u in sorted(usage.items())
    ]
    rows += [
        {
            "section": "failed request",
            "item": f["endpoint"],
            "count": f["status"] or 0,
            "detail": f"{f['reason']}: {f['message'][:160]} {f['params']}",
        }
        for f in failures
    ]
    return rows


def publish_ingest_summary(run_id: str, rows: list[dict[str, Any]]) -> None:
    from prefect.artifacts import create_table_artifact

    create_table_artifact(
        key="ingest-summary",
        table=rows,
        description=f"Ingest of run {run_id}: Bronze rows, API units per endpoint, failed requests",
    )


DOWNSTREAM_LABEL = "youtube-lakehouse.downstream"


def _emit(event: str, layer: str, run_id: str, payload: dict[str, Any], downstream: str = "events") -> None:
    """A pipeline event about one run's `layer`; the payload always names the run.

    The resource label `youtube-lakehouse.downstream` says who runs the next layer: "events" (a
    deployment triggered by this event, see prefect.yaml) or "parent" (the parent flow, which calls
    the next subflow itself, so triggers ignore its events).
    """
    from prefect.events import emit_event

    emit_event(
        event=event,
        resource={
            "prefect.resource.id": f"youtube-lakehouse.{layer}.{run_id}",
            "prefect.resource.name": f"{layer} of run {run_id}",
            DOWNSTREAM_LABEL: downstream,
        },
        payload={"run_id": run_id, **payload},
    )


def emit_landing_written(run_id: str, payload: dict[str, Any], downstream: str = "events") -> None:
    _emit(LANDING_WRITTEN, "landing", run_id, payload, downstream)


def publish_silver_summary(run_id: str, tables: dict[str, dict[str, int]], warnings: list[str]) -> None:
    from prefect.artifacts import create_table_artifact

    rows = [
        {
            "table": f"silver.{t}",
            "inserted": m["inserted"],
            "updated": m["updated"],
            "deleted": m.get("deleted", 0),
            "quarantined": m["quarantined"],
        }
        for t, m in sorted(tables.items())
    ]
    rows += [
        {"table": "warning", "inserted": 0, "updated": 0, "deleted": 0, "quarantined": 0, "detail": w} for w in warnings
    ]
    create_table_artifact(
        key="silver-summary",
        table=rows,
        description=f"Bronze -> Silver of run {run_id}: rows inserted/updated/quarantined per table",
    )


def emit_silver_updated(run_id: str, payload: dict[str, Any], downstream: str = "events") -> None:
    _emit(SILVER_UPDATED, "silver", run_id, payload, downstream)


def emit_gold_updated(run_id: str, payload: dict[str, Any]) -> None:
    _emit(GOLD_UPDATED, "gold", run_id, payload)


def emit_quota_exhausted(run_id: str, payload: dict[str, Any]) -> None:
    """The daily quota ran out during the run (the notification automation listens for it)."""
    _emit(QUOTA_EXHAUSTED, "quota", run_id, payload, "none")


def publish_docs_link(index_html: Any) -> None:
    from prefect.artifacts import create_link_artifact

    create_link_artifact(
        key="gold-dbt-docs",
        link=f"file://{index_html}",
        link_text="dbt docs (Gold)",
        description="Static dbt docs of the Gold models, written by `dbt docs generate`",
    )


def run_summary_markdown(
    run_id: str,
    window: dict[str, Any],
    counts: dict[str, dict[str, int]],
    usage: dict[str, dict[str, int]],
    quarantined: int,
    warnings: list[str],
    seconds: dict[str, float],
    status: str,
    freshness: str | None = None,
) -> str:
    """The parent run's summary: rows per table per layer, API units, quarantine, warnings, time."""
    lines = [
        f"# YouTube Lakehouse run `{run_id}`: {status}",
        "",
        f"Window {window.get('window_start')} .. {window.get('window_end')}",
        "",
        *([f"Gold: {freshness}.", ""] if freshness else []),
        "## Time per subflow",
        "",
        "| subflow | seconds |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {secs:.1f} |" for name, secs in seconds.items()]
    lines += ["", "## Rows per table", "", "| layer | table | rows |", "|---|---|---:|"]
    lines += [f"| {layer} | {table} | {n} |" for layer, tables in counts.items() for table, n in tables.items()]
    lines += ["", "## API units", "", "| endpoint | requests | units | retries | failed |", "|---|---:|---:|---:|---:|"]
    lines += [
        f"| {e} | {u['requests']} | {u['units']} | {u['retries']} | {u['failed']} |" for e, u in sorted(usage.items())
    ]
    lines += ["", f"## Quarantined rows this run: {quarantined}", "", "## Warnings", ""]
    lines += [f"- {w}" for w in warnings] or ["- none"]
    return "\n".join(lines) + "\n"


def publish_run_summary(markdown: str) -> None:
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(key="run-summary", markdown=markdown, description="YouTube Lakehouse run summary")

"""`bronze.run_context_log`: one row per pipeline run, opened at start and finalised at the end."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from tasks.jobs.bronze_tables import RUN_LOG, run_log_schema
from tasks.spark.lake import ensure_table

TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED", "QUOTA_EXHAUSTED"})


def _upsert(spark: Any, lake_root: str, row: dict[str, Any]) -> None:
    from delta.tables import DeltaTable

    path = ensure_table(spark, lake_root, "bronze", RUN_LOG, run_log_schema())
    schema = run_log_schema()
    full = {f.name: row.get(f.name) for f in schema.fields}
    source = spark.createDataFrame([full], schema)
    updates = {k: f"s.{k}" for k in row if k != "run_id"}
    (DeltaTable.forPath(spark, path).alias("t")
     .merge(source.alias("s"), "t.run_id = s.run_id")
     .whenMatchedUpdate(set=updates).whenNotMatchedInsertAll().execute())


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else value


def start(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: run_id, flow_name, backend, source, parameters (dict, secret-free), window_start/end."""
    now = datetime.now(timezone.utc)
    _upsert(spark, params["lake_root"], {
        "run_id": params["run_id"], "flow_name": params.get("flow_name"), "status": "RUNNING",
        "started_at_utc": now, "backend": params.get("backend"), "source": params.get("source"),
        "parameters": json.dumps(params.get("parameters", {}), sort_keys=True, default=str),
        "window_start": _date(params.get("window_start")), "window_end": _date(params.get("window_end")),
        "updated_at_utc": now,
    })
    return {"run_id": params["run_id"], "status": "RUNNING"}


def finish(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: run_id, status (terminal), message, api_units, rows_written, failed_requests, quarantined_rows."""
    status = params["status"]
    if status not in TERMINAL_STATUSES:
        raise ValueError(f"not a terminal status: {status!r} (expected one of {sorted(TERMINAL_STATUSES)})")
    now = datetime.now(timezone.utc)
    _upsert(spark, params["lake_root"], {
        "run_id": params["run_id"], "status": status, "finished_at_utc": now,
        "message": (params.get("message") or "")[:4000] or None,
        "api_units": json.dumps(params.get("api_units", {}), sort_keys=True),
        "rows_written": json.dumps(params.get("rows_written", {}), sort_keys=True),
        "failed_requests": int(params.get("failed_requests", 0)),
        "quarantined_rows": int(params.get("quarantined_rows", 0)),
        "updated_at_utc": now,
    })
    return {"run_id": params["run_id"], "status": status}

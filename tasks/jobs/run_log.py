"""`bronze.run_context_log`: one row per pipeline run, opened at start and finalised at the end.

A run killed before it could finalise its row (SIGKILL, OOM, a machine restart) leaves it `RUNNING`;
`start` hands the other open rows to the flow, which asks Prefect and the operating system about them
(`tasks.run_recovery`) and `finalise`s the dead ones.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from tasks.jobs.bronze_tables import RUN_LOG, run_log_schema
from tasks.spark.evaluation import interpreted
from tasks.spark.lake import ensure_table

TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED", "QUOTA_EXHAUSTED"})


def _table(spark: Any, lake_root: str) -> str:
    """The run log's path; columns added to the schema since the table was made are added to it."""
    path = ensure_table(spark, lake_root, "bronze", RUN_LOG, run_log_schema())
    present = set(spark.read.format("delta").load(path).columns)
    missing = [f for f in run_log_schema().fields if f.name not in present]
    if missing:
        columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in missing)
        spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS ({columns})")
    return path


def _upsert(spark: Any, lake_root: str, row: dict[str, Any]) -> None:
    from delta.tables import DeltaTable

    path = _table(spark, lake_root)
    schema = run_log_schema()
    full = {f.name: row.get(f.name) for f in schema.fields}
    source = spark.createDataFrame([full], schema)
    updates = {k: f"s.{k}" for k in row if k != "run_id"}
    with interpreted(spark):  # one row into a table of a row per run: small however long the lake lives
        (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(source.alias("s"), "t.run_id = s.run_id")
            .whenMatchedUpdate(set=updates)
            .whenNotMatchedInsertAll()
            .execute()
        )


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else value


def _open_runs(spark: Any, lake_root: str, other_than: str | None) -> list[dict[str, Any]]:
    from pyspark.sql import functions as F

    with interpreted(spark):
        rows = (
            spark.read.format("delta")
            .load(_table(spark, lake_root))
            .filter((F.col("status") == "RUNNING") & (F.col("run_id") != F.lit(other_than or "")))
            .select("run_id", "flow_name", "started_at_utc", "flow_process")
            .collect()
        )
    return [
        {
            "run_id": r["run_id"],
            "flow_name": r["flow_name"],
            "flow_process": r["flow_process"],
            "started_at_utc": r["started_at_utc"].isoformat() if r["started_at_utc"] else None,
        }
        for r in rows
    ]


def start(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: run_id, flow_name, backend, source, parameters (dict, secret-free), window_start/end,
    flow_process (who runs the flow: host, pid, ...). Returns the other runs still `RUNNING` too."""
    now = datetime.now(UTC)
    _upsert(
        spark,
        params["lake_root"],
        {
            "run_id": params["run_id"],
            "flow_name": params.get("flow_name"),
            "status": "RUNNING",
            "started_at_utc": now,
            "backend": params.get("backend"),
            "source": params.get("source"),
            "parameters": json.dumps(params.get("parameters", {}), sort_keys=True, default=str),
            "window_start": _date(params.get("window_start")),
            "window_end": _date(params.get("window_end")),
            "updated_at_utc": now,
            "flow_process": json.dumps(params["flow_process"], sort_keys=True) if params.get("flow_process") else None,
        },
    )
    return {
        "run_id": params["run_id"],
        "status": "RUNNING",
        "open_runs": _open_runs(spark, params["lake_root"], params["run_id"]),
    }


def open_runs(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: lake_root, other_than (a run id to leave out). The rows still `RUNNING` (none without a log)."""
    from delta.tables import DeltaTable

    from tasks.spark.lake import table_path

    if not DeltaTable.isDeltaTable(spark, table_path(params["lake_root"], "bronze", RUN_LOG)):
        return {"open_runs": []}
    return {"open_runs": _open_runs(spark, params["lake_root"], params.get("other_than"))}


def finish(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: run_id, status (terminal), message, api_units, rows_written, failed_requests, quarantined_rows."""
    status = params["status"]
    if status not in TERMINAL_STATUSES:
        raise ValueError(f"not a terminal status: {status!r} (expected one of {sorted(TERMINAL_STATUSES)})")
    now = datetime.now(UTC)
    _upsert(
        spark,
        params["lake_root"],
        {
            "run_id": params["run_id"],
            "status": status,
            "finished_at_utc": now,
            "message": (params.get("message") or "")[:4000] or None,
            "api_units": json.dumps(params.get("api_units", {}), sort_keys=True),
            "rows_written": json.dumps(params.get("rows_written", {}), sort_keys=True),
            "failed_requests": int(params.get("failed_requests", 0)),
            "quarantined_rows": int(params.get("quarantined_rows", 0)),
            "updated_at_utc": now,
        },
    )
    return {"run_id": params["run_id"], "status": status}


def finalise(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: runs = [{run_id, status (terminal), message}]. Each row still `RUNNING` gets the status, the
    message (when and how its end was found) and `finished_at_utc` = now; a row finalised meanwhile
    (by its own run, or another run that found it first) is left as it is."""
    from delta.tables import DeltaTable
    from pyspark.sql.types import StringType, StructField, StructType

    runs = params.get("runs") or []
    bad = [r["status"] for r in runs if r["status"] not in TERMINAL_STATUSES]
    if bad:
        raise ValueError(f"not terminal statuses: {bad}")
    if not runs:
        return {"finalised": 0}
    schema = StructType([StructField(n, StringType()) for n in ("run_id", "status", "message")])
    source = spark.createDataFrame([(r["run_id"], r["status"], (r.get("message") or "")[:4000]) for r in runs], schema)
    result = (
        DeltaTable.forPath(spark, _table(spark, params["lake_root"]))
        .alias("t")
        .merge(source.alias("s"), "t.run_id = s.run_id")
        .whenMatchedUpdate(
            condition="t.status = 'RUNNING'",
            set={
                "status": "s.status",
                "message": "s.message",
                "finished_at_utc": "current_timestamp()",
                "updated_at_utc": "current_timestamp()",
            },
        )
        .execute()
        .first()
    )
    return {"finalised": int(result["num_updated_rows"])}

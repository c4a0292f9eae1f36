"""Rows each Delta table of a lake took in since a moment, read from the tables' commit logs."""

from __future__ import annotations

from pathlib import Path

LAYERS = ("bronze", "silver", "gold")
# operation metrics that count rows written (inserted or rewritten with new values), per operation;
# `num_added_rows` is how delta-rs (another writer) names them
_WRITTEN = {
    "WRITE": ("numOutputRows", "num_added_rows"),
    "CREATE TABLE AS SELECT": ("numOutputRows",),
    "REPLACE TABLE AS SELECT": ("numOutputRows",),
    "CREATE OR REPLACE TABLE AS SELECT": ("numOutputRows",),
    "MERGE": ("numTargetRowsInserted", "numTargetRowsUpdated"),
    "UPDATE": ("numUpdatedRows",),
}


def rows_written_since(lake_root: str | Path, since_epoch_s: float) -> dict[str, int]:
    """`{"<layer>.<table>": rows}` for every commit at or after `since_epoch_s` (deletes and
    OPTIMIZE rewrites are not counted)."""
    from deltalake import DeltaTable

    out: dict[str, int] = {}
    for layer in LAYERS:
        folder = Path(lake_root) / layer
        if not folder.is_dir():
            continue
        for table in sorted(p for p in folder.iterdir() if (p / "_delta_log").is_dir()):
            rows = 0
            for commit in DeltaTable(str(table)).history():
                if commit.get("timestamp", 0) / 1000 < since_epoch_s:
                    continue
                metrics = commit.get("operationMetrics") or {}
                rows += sum(int(metrics.get(m, 0) or 0) for m in _WRITTEN.get(commit.get("operation", ""), ()))
            out[f"{layer}.{table.name}"] = rows
    return out

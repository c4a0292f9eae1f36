"""Row counts of every table of the given layers (for the run summary)."""

from __future__ import annotations

from typing import Any

from tasks.spark.lake import LAYERS, table_path


def run(spark: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Params: lake_root, layers (default all). Returns {layer: {table: rows}} for tables that exist."""
    from pathlib import Path

    from delta.tables import DeltaTable

    counts: dict[str, dict[str, int]] = {}
    for layer in params.get("layers") or LAYERS:
        root = Path(table_path(params["lake_root"], layer, ""))
        names = sorted(p.name for p in root.iterdir() if (p / "_delta_log").is_dir()) if root.is_dir() else []
        counts[layer] = {t: spark.read.format("delta").load(table_path(params["lake_root"], layer, t)).count()
                         for t in names if DeltaTable.isDeltaTable(spark, table_path(params["lake_root"], layer, t))}
    return counts

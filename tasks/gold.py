"""Gold: `dbt build` of the dbt/ project in this process through prefect-dbt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"
TARGET_PATH = DBT_DIR / "target"


def _runner() -> Any:
    from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

    settings = PrefectDbtSettings(project_dir=DBT_DIR, profiles_dir=DBT_DIR, target_path=TARGET_PATH)
    return PrefectDbtRunner(settings=settings, raise_on_failure=True)


def dbt_args(command: list[str], target: str, dbt_vars: dict[str, Any]) -> list[str]:
    return [*command, "--target", target, "--vars", json.dumps(dbt_vars, default=str)]


def build(target: str, dbt_vars: dict[str, Any], full_refresh: bool = False,
          exclude: list[str] | None = None) -> dict[str, Any]:
    """`dbt build`: every model and test is a Prefect task; a failure raises naming each failed node."""
    command = ["build"] + (["--full-refresh"] if full_refresh else []) + (["--exclude", *exclude] if exclude else [])
    result = _runner().invoke(dbt_args(command, target, dbt_vars))
    nodes = list(result.result.results) if result.result is not None else []
    return {
        "nodes": len(nodes),
        "models": sorted(r.node.name for r in nodes if r.node.resource_type == "model"),
        "tests": len([r for r in nodes if r.node.resource_type in ("test", "unit_test")]),
        "warnings": [f"{r.node.name}: {r.message}" for r in nodes if str(r.status) == "warn"],
    }


def generate_docs(target: str, dbt_vars: dict[str, Any]) -> Path:
    """`dbt docs generate`; the path of the static index.html."""
    _runner().invoke(dbt_args(["docs", "generate"], target, dbt_vars))
    return TARGET_PATH / "index.html"

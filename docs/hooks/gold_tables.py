"""MkDocs hook: the Gold table reference written from dbt's own model YAML, so the page cannot drift from
the models (`<!-- gold-models -->` in tables.md is replaced at build time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MODELS = Path(__file__).resolve().parents[2] / "dbt" / "models" / "gold"
MARK = "<!-- gold-models -->"


def _grain(model: dict[str, Any]) -> list[str]:
    for test in model.get("data_tests") or []:
        if isinstance(test, dict) and "column_checks" in test:
            return list(test["column_checks"]["arguments"].get("unique", []))
    return []


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def gold_reference() -> str:
    parts = []
    for path in sorted(MODELS.rglob("*.yml"), key=lambda p: (len(p.relative_to(MODELS).parts), str(p))):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            rel = path.relative_to(MODELS.parent.parent).with_suffix(".sql")
            parts += [f"### `{model['name']}`", "", _cell(model.get("description", "")), ""]
            parts += [f"Grain: {', '.join(f'`{c}`' for c in _grain(model)) or '(none)'} · SQL: `dbt/{rel}`", ""]
            parts += ["| column | description |", "|---|---|"]
            for column in model.get("columns") or []:
                parts.append(f"| `{column['name']}` | {_cell(column.get('description', ''))} |")
            parts.append("")
    return "\n".join(parts)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return markdown.replace(MARK, gold_reference()) if MARK in markdown else markdown

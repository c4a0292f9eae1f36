"""Gold: `dbt build` of the dbt/ project in this process through prefect-dbt."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.environment import temporary_environ

if TYPE_CHECKING:
    from datetime import date

    from blocks.compute import DbtTarget

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"
TARGET_PATH = DBT_DIR / "target"


def target_path() -> Path:
    """dbt's target folder: `DBT_TARGET_PATH` (dbt's own variable) when set, else dbt/target. Processes that run
    dbt side by side (e.g. the test suite's workers) give each its own, since dbt writes its parse state there."""
    return Path(os.environ.get("DBT_TARGET_PATH") or TARGET_PATH)


@contextmanager
def dbt_profile(target: DbtTarget) -> Iterator[Path]:
    """The profiles dir for `target`: dbt/ itself, or a private temporary one holding the backend's generated
    profile. The target's secret env vars exist only inside this block."""
    import yaml

    profile = target.profile()
    if profile is None:
        yield DBT_DIR
        return
    with tempfile.TemporaryDirectory(prefix="dbt-profile-") as folder, temporary_environ(target.env):
        (Path(folder) / "profiles.yml").write_text(yaml.safe_dump(profile, sort_keys=False))
        yield Path(folder)


# A daily run's Gold rebuilds its 7 days; a 30-day or longer window is compiled (tasks.spark.evaluation).
INTERPRETED_MAX_DAYS = 14


def interpret_window(window_start: date | None, window_end: date | None, full_refresh: bool) -> bool:
    """Whether Gold's queries on the local session run interpreted: an incremental build of at most
    `INTERPRETED_MAX_DAYS` days (no `window_start`: dbt's default of the last 7)."""
    from datetime import datetime

    if full_refresh:
        return False
    if window_start is None:
        return True
    end = window_end or datetime.now(UTC).date()
    return (end - window_start).days + 1 <= INTERPRETED_MAX_DAYS


def _runner(profiles_dir: Path) -> Any:
    from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

    settings = PrefectDbtSettings(project_dir=DBT_DIR, profiles_dir=profiles_dir, target_path=target_path())
    return PrefectDbtRunner(settings=settings, raise_on_failure=True)


def dbt_args(command: list[str], target: str, dbt_vars: dict[str, Any]) -> list[str]:
    return [*command, "--target", target, "--vars", json.dumps(dbt_vars, default=str)]


def invoke(target: DbtTarget, command: list[str], dbt_vars: dict[str, Any]) -> Any:
    """Run one dbt command on `target` through PrefectDbtRunner (each node a Prefect task)."""
    with dbt_profile(target) as profiles_dir:
        return _runner(profiles_dir).invoke(dbt_args(command, target.name, {**target.vars, **dbt_vars}))


def build(
    target: DbtTarget, dbt_vars: dict[str, Any], full_refresh: bool = False, exclude: list[str] | None = None
) -> dict[str, Any]:
    """`dbt build`: every model and test is a Prefect task; a failure raises naming each failed node."""
    command = ["build"] + (["--full-refresh"] if full_refresh else []) + (["--exclude", *exclude] if exclude else [])
    result = invoke(target, command, dbt_vars)
    nodes = list(result.result.results) if result.result is not None else []
    return {
        "nodes": len(nodes),
        "models": sorted(r.node.name for r in nodes if r.node.resource_type == "model"),
        "tests": len([r for r in nodes if r.node.resource_type in ("test", "unit_test")]),
        "warnings": [f"{r.node.name}: {r.message}" for r in nodes if str(r.status) == "warn"],
    }


DOCS_STAMP = "docs_fingerprint.txt"
PROJECT_PARTS = ("dbt_project.yml", "packages.yml", "models", "macros", "tests", "seeds", "snapshots", "analyses")


def docs_fingerprint(target_name: str, exclude: list[str] | None = None) -> str:
    """A hash of what the docs describe: the dbt project's files, the target and the selection."""
    import hashlib

    digest = hashlib.sha256(f"{target_name}|{sorted(exclude or [])}".encode())
    for part in PROJECT_PARTS:
        root = DBT_DIR / part
        for path in sorted([root] if root.is_file() else root.rglob("*") if root.is_dir() else []):
            if path.is_file():
                digest.update(str(path.relative_to(DBT_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def generate_docs(
    target: DbtTarget, dbt_vars: dict[str, Any], exclude: list[str] | None = None, when: str = "changed"
) -> tuple[Path, bool]:
    """`dbt docs generate` (of the same selection as the build): the static index.html, and whether it was
    written now. `when`: "changed" (only when the project, target or selection changed since the docs
    were last generated), "always", or "never"."""
    if when not in ("changed", "always", "never"):
        raise ValueError(f"docs must be 'changed', 'always' or 'never', got {when!r}")
    folder = target_path()
    index, stamp = folder / "index.html", folder / DOCS_STAMP
    fingerprint = docs_fingerprint(target.name, exclude)
    current = (
        index.is_file()
        and (folder / "catalog.json").is_file()
        and stamp.is_file()
        and stamp.read_text().strip() == fingerprint
    )
    if when == "never" or (when == "changed" and current):
        return index, False
    stamp.unlink(missing_ok=True)
    invoke(target, ["docs", "generate"] + (["--exclude", *exclude] if exclude else []), dbt_vars)
    stamp.write_text(fingerprint + "\n")
    return index, True

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


def _runner(profiles_dir: Path, raise_on_failure: bool = True) -> Any:
    from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

    settings = PrefectDbtSettings(project_dir=DBT_DIR, profiles_dir=profiles_dir, target_path=target_path())
    return PrefectDbtRunner(settings=settings, raise_on_failure=raise_on_failure)


def dbt_args(command: list[str], target: str, dbt_vars: dict[str, Any]) -> list[str]:
    return [*command, "--target", target, "--vars", json.dumps(dbt_vars, default=str)]


def invoke(target: DbtTarget, command: list[str], dbt_vars: dict[str, Any], raise_on_failure: bool = True) -> Any:
    """Run one dbt command on `target` through PrefectDbtRunner (each node a Prefect task)."""
    with dbt_profile(target) as profiles_dir:
        runner = _runner(profiles_dir, raise_on_failure)
        return runner.invoke(dbt_args(command, target.name, {**target.vars, **dbt_vars}))


MAX_RULE_ROWS = 50


def broken_rules(target: DbtTarget, dbt_vars: dict[str, Any], compiled_sql: str) -> list[str]:
    """The rules a failed `column_checks` test found broken ("unique(channel_id, date): 1"), from its compiled
    query run again (`dbt show`): the test's own result says only how many rows failed."""
    shown = invoke(target, ["show", "--inline", compiled_sql, "--limit", str(MAX_RULE_ROWS)], dbt_vars)
    table = shown.result.results[0].agate_table
    return [f"{row['rule']}: {row['failing_rows']}" for row in table.rows]


def failure_message(target: DbtTarget, dbt_vars: dict[str, Any], command: list[str], results: list[Any]) -> str:
    """Each failed node with dbt's message, and for a failed `column_checks` test the rules it found broken."""
    from prefect_dbt.core.runner import FAILURE_STATUSES

    lines = []
    for r in results:
        if r.status not in FAILURE_STATUSES:
            continue
        line = f'{r.node.resource_type.title()} {r.node.name} {r.status}ed with message: "{r.message}"'
        test = getattr(r.node, "test_metadata", None)
        if test is not None and test.name == "column_checks" and r.node.compiled_code:
            try:
                line += f"; broken rules: {', '.join(broken_rules(target, dbt_vars, r.node.compiled_code))}"
            except Exception as exc:  # the failure stands; only its detail is missing
                line += f"; broken rules not read: {type(exc).__name__}: {exc}"
        lines.append(line)
    return f"Failures detected during invocation of dbt command '{' '.join(command)}':\n" + "\n".join(lines)


def build(
    target: DbtTarget, dbt_vars: dict[str, Any], full_refresh: bool = False, exclude: list[str] | None = None
) -> dict[str, Any]:
    """`dbt build`: every model and test is a Prefect task; a failure raises naming each failed node (and the
    rules a failed `column_checks` test found broken)."""
    command = ["build"] + (["--full-refresh"] if full_refresh else []) + (["--exclude", *exclude] if exclude else [])
    result = invoke(target, command, dbt_vars, raise_on_failure=False)
    nodes = list(result.result.results) if result.result is not None else []
    if not result.success:
        raise ValueError(failure_message(target, dbt_vars, command, nodes))
    return {
        "nodes": len(nodes),
        "models": sorted(r.node.name for r in nodes if r.node.resource_type == "model"),
        "tests": len([r for r in nodes if r.node.resource_type in ("test", "unit_test")]),
        "warnings": [f"{r.node.name}: {r.message}" for r in nodes if str(r.status) == "warn"],
    }


DOCS_STAMP = "docs_fingerprint.txt"
PROJECT_PARTS = ("dbt_project.yml", "packages.yml", "models", "macros", "tests", "seeds", "snapshots", "analyses")


def docs_fingerprint(target_name: str) -> str:
    """A hash of what the docs describe: the dbt project's files and the target."""
    import hashlib

    digest = hashlib.sha256(target_name.encode())
    for part in PROJECT_PARTS:
        root = DBT_DIR / part
        for path in sorted([root] if root.is_file() else root.rglob("*") if root.is_dir() else []):
            if path.is_file():
                digest.update(str(path.relative_to(DBT_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def generate_docs(target: DbtTarget, dbt_vars: dict[str, Any], when: str = "changed") -> tuple[Path, bool]:
    """`dbt docs generate`: the static index.html, and whether it was written now. `when`: "changed" (only when
    the project or target changed since the docs were last generated), "always", or "never". A build's
    selection is not the docs' business: it only leaves out freshness tests, which the catalog does not
    describe, so runs that judge different kinds of data share one set of docs."""
    if when not in ("changed", "always", "never"):
        raise ValueError(f"docs must be 'changed', 'always' or 'never', got {when!r}")
    folder = target_path()
    index, stamp = folder / "index.html", folder / DOCS_STAMP
    fingerprint = docs_fingerprint(target.name)
    current = (
        index.is_file()
        and (folder / "catalog.json").is_file()
        and stamp.is_file()
        and stamp.read_text().strip() == fingerprint
    )
    if when == "never" or (when == "changed" and current):
        return index, False
    stamp.unlink(missing_ok=True)
    invoke(target, ["docs", "generate"], dbt_vars)
    stamp.write_text(fingerprint + "\n")
    return index, True

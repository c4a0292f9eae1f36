"""Gold: `dbt build` of the dbt/ project in this process through prefect-dbt."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from blocks.compute import DbtTarget

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"
TARGET_PATH = DBT_DIR / "target"


@contextmanager
def dbt_profile(target: "DbtTarget") -> Iterator[Path]:
    """The profiles dir for `target`: dbt/ itself, or a private temporary one holding the backend's generated
    profile. The target's secret env vars exist only inside this block."""
    import yaml

    profile = target.profile()
    if profile is None:
        yield DBT_DIR
        return
    saved = {key: os.environ.get(key) for key in target.env}
    with tempfile.TemporaryDirectory(prefix="dbt-profile-") as folder:
        (Path(folder) / "profiles.yml").write_text(yaml.safe_dump(profile, sort_keys=False))
        os.environ.update(target.env)
        try:
            yield Path(folder)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _runner(profiles_dir: Path) -> Any:
    from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

    settings = PrefectDbtSettings(project_dir=DBT_DIR, profiles_dir=profiles_dir, target_path=TARGET_PATH)
    return PrefectDbtRunner(settings=settings, raise_on_failure=True)


def dbt_args(command: list[str], target: str, dbt_vars: dict[str, Any]) -> list[str]:
    return [*command, "--target", target, "--vars", json.dumps(dbt_vars, default=str)]


def invoke(target: "DbtTarget", command: list[str], dbt_vars: dict[str, Any]) -> Any:
    """Run one dbt command on `target` through PrefectDbtRunner (each node a Prefect task)."""
    with dbt_profile(target) as profiles_dir:
        return _runner(profiles_dir).invoke(dbt_args(command, target.name, {**target.vars, **dbt_vars}))


def build(target: "DbtTarget", dbt_vars: dict[str, Any], full_refresh: bool = False,
          exclude: list[str] | None = None) -> dict[str, Any]:
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


def generate_docs(target: "DbtTarget", dbt_vars: dict[str, Any], exclude: list[str] | None = None) -> Path:
    """`dbt docs generate` (of the same selection as the build); the path of the static index.html."""
    invoke(target, ["docs", "generate"] + (["--exclude", *exclude] if exclude else []), dbt_vars)
    return TARGET_PATH / "index.html"

"""prefect.yaml: every entrypoint loads, its parameters validate against the flow, schedules and triggers
are what deployments/README.md says."""

from datetime import date

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint

from tests.conftest import REPO_ROOT

SPEC = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())
DEPLOYMENTS = {d["name"]: d for d in SPEC["deployments"]}
# what a run supplies for parameters a deployment leaves to run time
AT_RUN_TIME = {"backfill": {"start_date": "2026-01-01", "end_date": "2026-03-31"}}


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_entrypoint_loads_and_parameters_validate(name):
    deployment = DEPLOYMENTS[name]
    flow = load_flow_from_entrypoint(str(REPO_ROOT / deployment["entrypoint"]))
    flow.validate_parameters({**(deployment.get("parameters") or {}), **AT_RUN_TIME.get(name, {})})
    assert deployment["work_pool"]["name"] == "youtube-lakehouse-process"


def test_schedules_daily_at_five_chicago_and_dev_variants_paused():
    assert set(DEPLOYMENTS) >= {
        "daily",
        "daily-dev",
        "backfill",
        "bronze-to-silver",
        "gold",
        "maintenance",
        "retention",
    }
    crons = {"maintenance": "0 3 * * 0", "retention": "0 6 * * *"}  # weekly; daily after the pipeline
    for name, deployment in DEPLOYMENTS.items():
        for schedule in deployment.get("schedules", []):
            expected = (crons.get(name, "0 5 * * *"), "America/Chicago")
            assert (schedule["cron"], schedule["timezone"]) == expected, name
            assert schedule["active"] is (not name.endswith("-dev")), name
    assert DEPLOYMENTS["daily"]["schedules"] and DEPLOYMENTS["daily-dev"]["schedules"]
    assert SPEC["pull"], "pull steps are explicit"


@pytest.mark.parametrize(
    "name, event, layer",
    [("bronze-to-silver", "youtube.landing.written", "landing"), ("gold", "youtube.silver.updated", "silver")],
)
def test_triggers_take_the_window_from_the_event(name, event, layer):
    from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger

    (trigger,) = DEPLOYMENTS[name]["triggers"]
    DeploymentEventTrigger.model_validate({k: v for k, v in trigger.items() if k != "type"})
    assert trigger["expect"] == [event]
    assert trigger["match"] == {
        "prefect.resource.id": f"youtube-lakehouse.{layer}.*",
        "youtube-lakehouse.downstream": "events",
    }
    assert trigger["parameters"]["window_start"] == "{{ event.payload.window_start }}"
    flow = load_flow_from_entrypoint(str(REPO_ROOT / DEPLOYMENTS[name]["entrypoint"]))
    # templated values arrive as strings
    flow.validate_parameters(
        {
            "backend": "local-delta-spark/default",
            "run_id": "r1",
            "window_start": "2026-10-01",
            "window_end": "2026-10-30",
        }
    )


def test_backfill_windows():
    from flows.backfill import chunk_windows

    assert chunk_windows(date(2026, 1, 1), date(2026, 3, 1), 30) == [
        (date(2026, 1, 1), date(2026, 1, 30)),
        (date(2026, 1, 31), date(2026, 3, 1)),
    ]
    assert chunk_windows(date(2026, 1, 1), date(2026, 1, 1), 30) == [(date(2026, 1, 1), date(2026, 1, 1))]
    with pytest.raises(ValueError, match="before"):
        chunk_windows(date(2026, 1, 2), date(2026, 1, 1), 30)

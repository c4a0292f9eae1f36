"""Every prefect.yaml entrypoint loads and its parameters validate against the flow."""

import yaml
from prefect.flows import load_flow_from_entrypoint

from tests.conftest import REPO_ROOT


def test_entrypoints_load_and_parameters_validate():
    spec = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())
    assert spec["deployments"]
    for deployment in spec["deployments"]:
        flow = load_flow_from_entrypoint(str(REPO_ROOT / deployment["entrypoint"]))
        flow.validate_parameters(deployment.get("parameters") or {})
        for schedule in deployment.get("schedules", []):
            assert schedule["timezone"] == "America/Chicago" and schedule["cron"] == "0 5 * * *"

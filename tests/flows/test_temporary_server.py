"""Ad-hoc runs start Prefect's temporary server without the block catalogue (`flows.temporary_server`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from flows.temporary_server import QUICK_START, quick_temporary_server

REPO_ROOT = Path(__file__).resolve().parents[2]

# What an ad-hoc run does with blocks: save one of ours, load it back; then what the server holds.
AD_HOC = """
import json, sys
from flows.temporary_server import quick_temporary_server
applied = quick_temporary_server()
from prefect.client.orchestration import get_client
from blocks import LocalDeltaSpark
LocalDeltaSpark(lake_root=sys.argv[1]).save("adhoc", overwrite=True)
loaded = LocalDeltaSpark.load("adhoc")
with get_client(sync_client=True) as client:
    slugs = sorted(t.slug for t in client.read_block_types())
print(json.dumps({"applied": applied, "lake_root": loaded.lake_root, "block_types": slugs}))
"""


def test_only_a_run_without_an_api_url_changes_the_server_settings(monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if k not in QUICK_START})  # not the suite's
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert quick_temporary_server() is False
    assert not any(name in os.environ for name in QUICK_START)

    monkeypatch.setenv("PREFECT_SERVER_REGISTER_BLOCKS_ON_START", "true")      # the user's choice stands
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert quick_temporary_server() is True
    assert os.environ["PREFECT_SERVER_REGISTER_BLOCKS_ON_START"] == "true"
    assert os.environ["PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION"] == "false"


def test_a_temporary_server_without_the_catalogue_still_saves_and_loads_our_blocks(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL" and k not in QUICK_START}
    env.update({"PREFECT_HOME": str(tmp_path / "prefect-home"), "PYTHONPATH": str(REPO_ROOT),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"})
    done = subprocess.run([sys.executable, "-c", AD_HOC, str(tmp_path / "lake")], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["applied"] is True
    assert out["lake_root"] == str(tmp_path / "lake")
    assert "local-delta-spark" in out["block_types"]          # registered as it was saved
    assert "s3-bucket" not in out["block_types"]              # prefect-aws' catalogue was not imported on start

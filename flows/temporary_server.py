"""Ad-hoc runs (`python -m flows.<flow>` without `PREFECT_API_URL`) start Prefect's temporary server, and the
run waits until it answers.

On start a Prefect server imports every installed Prefect collection to register their block types (with
prefect-aws that is boto3, with prefect-dbt all of dbt), even when it registered them before: it hashes the
block registry to decide. A temporary server serves one run and no UI; a block this project saves registers
its own type as it is saved. So ad-hoc runs start it without that catalogue: about 5 s less before the first
task on this 2-core machine (`bench/README.md`). A server you start yourself is not affected.
"""

from __future__ import annotations

import os

QUICK_START: dict[str, str] = {
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",   # else the registry is still imported, to hash it
}


def quick_temporary_server() -> bool:
    """When this process will start a temporary server (no API URL configured), start it without
    registering block types, unless the environment says otherwise. True if it applied."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return False
    for name, value in QUICK_START.items():
        os.environ.setdefault(name, value)
    return True

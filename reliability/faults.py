"""Probe 1, transient faults: the replay source answers a share of requests with 500/503, 429, 403
rateLimitExceeded, a read timeout, a reset connection or a body cut short (youtube_sim/faults.py, through the
block of youtube_sim/blocks.py).
The run must give the clean run's tables, with every retry within the policy."""

from __future__ import annotations

import re
from typing import Any

from reliability.lake import differences, snapshot, unreadable
from reliability.runs import Bench, failure, run


def retries_of(flow_run_id: str, api_url: str) -> dict[str, dict[str, int]]:
    """Per endpoint: requests, retries, failed, from the run's summary artifact."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(flow_run_id)]))
        )
    usage: dict[str, dict[str, int]] = {}
    for artifact in artifacts:
        for endpoint, requests, _units, retries, failed in re.findall(
            r"^\| (\S+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", str(artifact.data or ""), re.M
        ):
            usage[endpoint] = {"requests": int(requests), "retries": int(retries), "failed": int(failed)}
    return usage


def probe(bench: Bench, rate: float = 0.2, seeds: tuple[int, ...] = (7,)) -> dict[str, Any]:
    """One run per seed at `rate` faults; held when each gives the clean run's Silver and Gold."""
    from reliability.runs import run_log

    trials: list[dict[str, Any]] = []
    for seed in seeds:
        lake = bench.fresh(f"faults-{seed}", fault_rate=rate, fault_seed=seed, retry_base_delay_s=0.05)
        log = bench.log(f"faults-{seed}")
        code, seconds = run(lake, bench.env, log)
        rows = run_log(lake.lake)
        usage = retries_of(rows[-1]["run_id"], bench.api_url) if rows else {}
        diff = differences(bench.reference, snapshot(lake.lake)) if code == 0 else [f"run failed: {failure(log)}"]
        trials.append(
            {
                "seed": seed,
                "seconds": seconds,
                "exit": code,
                "differences": diff,
                "unreadable": unreadable(lake.lake),
                "requests": sum(u["requests"] for u in usage.values()),
                "retries": sum(u["retries"] for u in usage.values()),
                "failed": sum(u["failed"] for u in usage.values()),
            }
        )
    held = [
        t
        for t in trials
        if t["exit"] == 0 and not t["differences"] and not t["unreadable"] and t["failed"] == bench.reference_failed
    ]
    requests, retries = sum(t["requests"] for t in trials), sum(t["retries"] for t in trials)
    return {
        "probe": "transient API faults",
        "trials": len(trials),
        "held": len(held),
        "done": f"{rate:.0%} of requests faulted (500/503, 429, 403 rateLimitExceeded, timeout, reset, "
        f"body cut short), seeds {list(seeds)}",
        "figure": f"{retries:,} retries over {requests:,} requests; failed requests "
        f"{'/'.join(str(t['failed']) for t in trials)} (the clean run's: {bench.reference_failed}, "
        f"a region without a chart); Silver and Gold equal to the clean run in {len(held)}/{len(trials)}",
        "trials_detail": trials,
    }

"""Probe 5, secrets: runs with canary credentials through every path that touches them (YouTube API key,
OAuth client secret and refresh token through the replay source's OAuth path; AWS keys through S3 landing
on a moto server; a Databricks token through the Jobs API stand-in), then a scan of everything the runs
left for the canary strings: Prefect logs, flow parameters, artifacts, events, results, the processes'
output, landing files and S3 objects, Bronze payloads and every table (read as values, not as compressed
bytes)."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

from reliability.lake import delta_tables
from reliability.runs import REPO_ROOT, Bench, Lake, run, tail

CANARIES = {
    "youtube api_key": "AIzaCANARY-yt-key-4f1d8c",
    "youtube client_id": "CANARY-client-id-2b9e.apps.googleusercontent.com",
    "youtube client_secret": "GOCSPX-CANARY-secret-77aa",
    "youtube refresh_token": "1//CANARY-refresh-9c3e",
    "aws access key id": "AKIACANARY7Q2W4E6R8T",
    "aws secret access key": "CANARY/aws+secret/0k9j8h7g6f5d4s3a2",
    "databricks token": "dapiCANARY5e6f7a8b9c0d",
}


def prefect_texts(api_url: str) -> dict[str, list[str]]:
    """Everything the Prefect server kept that a secret could leak into, as text per place."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    def every(read: Any) -> list[Any]:
        found, offset = [], 0
        while True:
            page = read(offset)
            found += page
            if len(page) < 200:
                return found
            offset += len(page)

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        logs = [e.message for e in every(lambda o: client.read_logs(limit=200, offset=o))]
        runs = every(lambda o: client.read_flow_runs(limit=200, offset=o))
        params = [json.dumps(r.parameters, default=str) for r in runs]
        states = [f"{r.state.message if r.state else ''}" for r in runs]
        artifacts = [
            json.dumps(a.data, default=str) + (a.description or "")
            for a in every(lambda o: client.read_artifacts(limit=200, offset=o))
        ]
        page = client.request("POST", "/events/filter", json={"limit": 50}).json()
        events = []
        while True:
            events += [json.dumps(e, default=str) for e in page.get("events", [])]
            if not page.get("next_page"):
                break
            page = client._client.get(page["next_page"]).json()
    return {
        "logs": logs,
        "flow parameters and state messages": params + states,
        "artifacts": artifacts,
        "events": events,
    }


def _table_texts(lake: Path) -> list[str]:
    from deltalake import DeltaTable

    out = []
    for table in delta_tables(lake):
        data = DeltaTable(str(table)).to_pyarrow_table()
        out.append(json.dumps(data.to_pylist(), default=str))
    return out


def _file_texts(folder: Path) -> list[str]:
    return (
        [p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    )


def scan(places: dict[str, list[str]]) -> dict[str, Any]:
    """Canary name -> places it was found in (empty: not found), and how much was scanned."""
    found = {
        name: [where for where, texts in places.items() if any(secret in t for t in texts)]
        for name, secret in CANARIES.items()
    }
    return {
        "found": {k: v for k, v in found.items() if v},
        "places": {k: len(v) for k, v in places.items()},
        "bytes": sum(len(t) for texts in places.values() for t in texts),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def probe(bench: Bench, prefect_home: Path) -> dict[str, Any]:
    from moto.server import ThreadedMotoServer
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect_aws import AwsCredentials, S3Bucket
    from prefect_databricks import DatabricksCredentials

    from blocks import DatabricksCompute, S3Landing, YouTubeCredentials
    from tests.support.databricks_fixtures import CATALOG, CLUSTER, GIT_URL, HOST
    from tests.support.databricks_standin import DatabricksJobsStandIn

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    standin = DatabricksJobsStandIn(
        host=HOST,
        token=CANARIES["databricks token"],
        work_dir=bench.work / "databricks",
        code_roots={GIT_URL: REPO_ROOT},
    )
    try:
        with standin.serve() as server, temporary_settings({PREFECT_API_URL: bench.api_url}):
            credentials = YouTubeCredentials(
                api_key=CANARIES["youtube api_key"],
                client_id=CANARIES["youtube client_id"],
                client_secret=CANARIES["youtube client_secret"],
                refresh_token=CANARIES["youtube refresh_token"],
            )
            credentials.save("canary", overwrite=True)
            aws = AwsCredentials(
                aws_access_key_id=CANARIES["aws access key id"],
                aws_secret_access_key=CANARIES["aws secret access key"],
                region_name="us-east-1",
                aws_client_parameters={"endpoint_url": f"http://127.0.0.1:{port}"},
            )
            aws.get_s3_client().create_bucket(Bucket="canary-landing")
            S3Landing(bucket=S3Bucket(bucket_name="canary-landing", bucket_folder="landing", credentials=aws)).save(
                "canary", overwrite=True
            )
            local = bench.fresh("secrets-local", credentials=credentials)
            databricks = bench.fresh("secrets-databricks", credentials=credentials)
            DatabricksCompute(
                credentials=DatabricksCredentials(
                    databricks_instance=server.instance,
                    token=CANARIES["databricks token"],
                    client_kwargs={"verify": str(server.cert)},
                ),
                existing_cluster_id=CLUSTER,
                git_url=GIT_URL,
                git_branch="main",
                catalog=CATALOG,
                lake_root=str(databricks.lake),
                warehouse_http_path="/sql/1.0/warehouses/5d1a0e7c",
                poll_interval_seconds=0.5,
                timeout_seconds=1800,
            ).save("canary", overwrite=True)
            code_s3, _ = run(_with(local, landing="s3-landing/canary"), bench.env, bench.log("secrets-s3"))
            code_db, _ = run(
                _with(databricks, backend="databricks-compute/canary"),
                bench.env,
                bench.log("secrets-databricks"),
                "--through",
                "silver",
            )
            objects = _s3_texts(aws)
    finally:
        standin.stop_all()
        moto.stop()
    places = prefect_texts(bench.api_url)
    places["process output"] = _file_texts(bench.work / "logs")
    places["results and Prefect home"] = _file_texts(prefect_home / "storage")
    places["landing files and S3 objects"] = _file_texts(local.landing) + _file_texts(databricks.landing) + objects
    places["every table (values), Bronze payloads included"] = _table_texts(local.lake) + _table_texts(databricks.lake)
    places["Databricks job output"] = _file_texts(bench.work / "databricks")
    result = scan(places)
    ran = code_s3 == 0 and code_db == 0
    held = ran and not result["found"]
    return {
        "probe": "secrets",
        "trials": 2,
        "held": 2 if held else 0,
        "done": f"{len(CANARIES)} canary credentials; a full run with S3 landing (moto) and OAuth replay, a run on "
        "the Databricks stand-in; scanned " + ", ".join(f"{k} ({v})" for k, v in result["places"].items()),
        "figure": (
            f"{len(result['found'])} canaries found in {result['bytes'] / 2**20:.1f} MiB scanned"
            + (
                ""
                if ran
                else f"; a run failed: s3 exit {code_s3}, databricks exit {code_db}: "
                f"{tail(bench.log('secrets-s3' if code_s3 else 'secrets-databricks'), 5)}"
            )
        ),
        "trials_detail": [result],
    }


def _with(lake: Lake, **refs: str) -> Lake:
    """The lake with some of its block references replaced."""

    class Swapped(Lake):
        def refs(self) -> dict[str, str]:
            return {**super().refs(), **refs}

    return Swapped(lake.name, lake.root, lake.source_fields)


def _s3_texts(aws: Any) -> list[str]:
    client = aws.get_s3_client()
    keys = [
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket="canary-landing")
        for o in page.get("Contents", [])
    ]
    return [client.get_object(Bucket="canary-landing", Key=k)["Body"].read().decode("utf-8", "replace") for k in keys]

"""Prepare a Prefect server for `prefect deploy`: block types, block documents, the work pool. Idempotent.

    python -m deployments.bootstrap            # against PREFECT_API_URL (a server or Prefect Cloud)

1. Registers the block types of `blocks` (and prefect-databricks' credentials) so the UI can edit them.
2. Creates the blocks prefect.yaml's parameters name, for the local setup:
   `local-delta-spark/default` (lake root `$YOUTUBE_LAKEHOUSE_LAKE_ROOT`, default `.lake` in the checkout),
   `local-landing/default` (`$YOUTUBE_LAKEHOUSE_LANDING_ROOT`, default `.lake/landing`) and
   `youtube-replay-source/sample`. Existing documents are overwritten with the same values.
3. From environment variables, when set (nothing secret is printed):
   - `YOUTUBE_API_KEY`, `YOUTUBE_CLIENT_ID`, `YOUTUBE_CLIENT_SECRET`, `YOUTUBE_REFRESH_TOKEN`
     -> `youtube-credentials/default` and `youtube-live-source/default` (`YOUTUBE_REGIONS`,
     `YOUTUBE_CHANNELS`: comma-separated). Without them an existing credentials block (e.g. one the
     OAuth command saved) is left as it is.
   - `DATABRICKS_HOST` with `DATABRICKS_TOKEN` (or `DATABRICKS_CLIENT_ID` + `DATABRICKS_CLIENT_SECRET`),
     `DATABRICKS_HTTP_PATH`, `DATABRICKS_LAKE_ROOT`, `DATABRICKS_CATALOG`, one of
     `DATABRICKS_CLUSTER_ID` / `DATABRICKS_SERVERLESS=true`, and `DATABRICKS_GIT_URL` + `DATABRICKS_GIT_BRANCH`
     (or `DATABRICKS_WORKSPACE_PATH`) -> `databricks-credentials/default` and `databricks-compute/prod`.
   - `YOUTUBE_LAKEHOUSE_S3_BUCKET` (+ `YOUTUBE_LAKEHOUSE_S3_FOLDER`, and `AWS_ACCESS_KEY_ID`,
     `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` when not using the default AWS
     credential chain) -> `aws-credentials/default`, `s3-bucket/landing` and `s3-landing/prod`.
4. Creates the process work pool `youtube-lakehouse-process` (overwriting its settings if it exists).
5. Creates the notification automation (deployments/notifications.py): a failed or crashed `daily` run or
   a `youtube.quota.exhausted` event notifies through `$YOUTUBE_LAKEHOUSE_NOTIFY_BLOCK` (e.g.
   `slack-webhook/alerts`); without it the automation exists disabled.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from typing import Any

WORK_POOL = "youtube-lakehouse-process"


def register_block_types() -> list[str]:
    from prefect.blocks.core import Block
    from prefect_aws import AwsCredentials, S3Bucket
    from prefect_databricks import DatabricksCredentials

    import blocks

    classes = [getattr(blocks, name) for name in blocks.__all__] + [DatabricksCredentials, AwsCredentials, S3Bucket]
    registered = []
    for cls in classes:
        if not (isinstance(cls, type) and issubclass(cls, Block)) or getattr(cls, "__abstractmethods__", None):
            continue
        cls.register_type_and_schema()
        registered.append(cls.get_block_type_slug())
    return registered


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def create_blocks(env: Mapping[str, str]) -> list[str]:
    from blocks import LocalDeltaSpark, LocalLanding
    from blocks.resolve import sample_source

    saved = []

    def save(block, name: str) -> None:
        block.save(name, overwrite=True)
        saved.append(f"{block.get_block_type_slug()}/{name}")

    save(LocalDeltaSpark(lake_root=env.get("YOUTUBE_LAKEHOUSE_LAKE_ROOT", ".lake")), "default")
    save(LocalLanding(root=env.get("YOUTUBE_LAKEHOUSE_LANDING_ROOT", ".lake/landing")), "default")
    save(sample_source(), "sample")
    _youtube_blocks(env, save)
    _databricks_blocks(env, save)
    _aws_blocks(env, save)
    return saved


def _youtube_blocks(env: Mapping[str, str], save: Callable[[Any, str], None]) -> None:
    from blocks import LiveYouTubeSource, YouTubeCredentials

    keys = {
        "api_key": "YOUTUBE_API_KEY",
        "client_id": "YOUTUBE_CLIENT_ID",
        "client_secret": "YOUTUBE_CLIENT_SECRET",
        "refresh_token": "YOUTUBE_REFRESH_TOKEN",
    }
    given = {field: env[var] for field, var in keys.items() if env.get(var)}
    if not given:
        return
    credentials = YouTubeCredentials(**given)
    save(credentials, "default")
    source = {"credentials": credentials}
    for field, var in (("regions", "YOUTUBE_REGIONS"), ("channels", "YOUTUBE_CHANNELS")):
        if _split(env.get(var)):
            source[field] = _split(env.get(var))
    save(LiveYouTubeSource(**source), "default")


def _databricks_blocks(env: Mapping[str, str], save: Callable[[Any, str], None]) -> None:
    if not env.get("DATABRICKS_HOST"):
        return
    from prefect_databricks import DatabricksCredentials

    from blocks import DatabricksCompute

    auth = (
        {"token": env["DATABRICKS_TOKEN"]}
        if env.get("DATABRICKS_TOKEN")
        else {"client_id": env.get("DATABRICKS_CLIENT_ID"), "client_secret": env.get("DATABRICKS_CLIENT_SECRET")}
    )
    credentials = DatabricksCredentials(databricks_instance=env["DATABRICKS_HOST"].removeprefix("https://"), **auth)
    save(credentials, "default")
    compute = {
        "credentials": credentials,
        "lake_root": env.get("DATABRICKS_LAKE_ROOT"),
        "warehouse_http_path": env.get("DATABRICKS_HTTP_PATH"),
        "catalog": env.get("DATABRICKS_CATALOG", "youtube_lakehouse"),
        "existing_cluster_id": env.get("DATABRICKS_CLUSTER_ID"),
        "serverless": env.get("DATABRICKS_SERVERLESS", "").lower() == "true",
        "git_url": env.get("DATABRICKS_GIT_URL"),
        "git_branch": env.get("DATABRICKS_GIT_BRANCH"),
        "workspace_path": env.get("DATABRICKS_WORKSPACE_PATH"),
    }
    save(DatabricksCompute(**{k: v for k, v in compute.items() if v not in (None, "")}), "prod")


def _aws_blocks(env: Mapping[str, str], save: Callable[[Any, str], None]) -> None:
    if not env.get("YOUTUBE_LAKEHOUSE_S3_BUCKET"):
        return
    from prefect_aws import AwsCredentials, S3Bucket

    from blocks import S3Landing

    fields = {
        "aws_access_key_id": env.get("AWS_ACCESS_KEY_ID"),
        "aws_secret_access_key": env.get("AWS_SECRET_ACCESS_KEY"),
        "region_name": env.get("AWS_DEFAULT_REGION"),
    }
    if env.get("AWS_ENDPOINT_URL"):
        fields["aws_client_parameters"] = {"endpoint_url": env["AWS_ENDPOINT_URL"]}
    credentials = AwsCredentials(**{k: v for k, v in fields.items() if v})
    save(credentials, "default")
    bucket = S3Bucket(
        bucket_name=env["YOUTUBE_LAKEHOUSE_S3_BUCKET"],
        credentials=credentials,
        bucket_folder=env.get("YOUTUBE_LAKEHOUSE_S3_FOLDER", "landing"),
    )
    save(bucket, "landing")
    save(S3Landing(bucket=bucket), "prod")


def create_work_pool(name: str = WORK_POOL) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    with get_client(sync_client=True) as client:
        pool = client.create_work_pool(WorkPoolCreate(name=name, type="process"), overwrite=True)
    return f"{pool.name} ({pool.type})"


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="python -m deployments.bootstrap", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-pool", default=WORK_POOL, help="process work pool to create (default: %(default)s)")
    args = parser.parse_args(argv)
    from deployments.notifications import ensure_automation

    done = {
        "block_types": register_block_types(),
        "blocks": create_blocks(os.environ),
        "work_pool": create_work_pool(args.work_pool),
        "notifications": ensure_automation(os.environ.get("YOUTUBE_LAKEHOUSE_NOTIFY_BLOCK") or None),
    }
    print(f"registered {len(done['block_types'])} block types: {', '.join(done['block_types'])}")
    print(f"saved blocks: {', '.join(done['blocks'])}")
    print(f"work pool: {done['work_pool']}")
    print(f"notification automation: {'enabled' if done['notifications']['enabled'] else 'disabled (no block)'}")
    return done


if __name__ == "__main__":
    main()

"""The notification automation: a failed or crashed `daily` run, or a `youtube.quota.exhausted` event, sends a
message through a notification block the user configures (a Slack webhook, an email, any Prefect
notification block). Idempotent: the automation is replaced, never duplicated.

    python -m deployments.notifications                               # disabled until a block is given
    python -m deployments.notifications --block slack-webhook/alerts  # enabled, notifying through that block

`prefect deploy` runs it (a build step in prefect.yaml) with `$YOUTUBE_LAKEHOUSE_NOTIFY_BLOCK`, so deploying
keeps the automation in place; without a block it exists disabled, ready to be pointed at one.
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from typing import Any

NAME = "youtube-lakehouse: daily run failed or quota exhausted"
DEPLOYMENT = "daily"
QUOTA_EVENT = "youtube.quota.exhausted"
SUBJECT = "YouTube Lakehouse: {{ event.event }}"
BODY = (
    "{{ event.resource['prefect.resource.name'] }}: {{ event.event }} at {{ event.occurred }}\n"
    "{{ event.payload | tojson }}"
)


def trigger() -> Any:
    """Any of: a flow run of the `daily` deployment turning Failed or Crashed; the quota event."""
    from prefect.events.schemas.automations import CompoundTrigger, EventTrigger, Posture

    failed = EventTrigger(
        expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
        match={"prefect.resource.id": "prefect.flow-run.*"},
        match_related={"prefect.resource.role": "deployment", "prefect.resource.name": DEPLOYMENT},
        posture=Posture.Reactive,
        threshold=1,
        within=timedelta(0),
    )
    quota = EventTrigger(
        expect={QUOTA_EVENT},
        match={"prefect.resource.id": "youtube-lakehouse.*"},
        posture=Posture.Reactive,
        threshold=1,
        within=timedelta(0),
    )
    return CompoundTrigger(require="any", triggers=[failed, quota], within=timedelta(minutes=1))


def _block_document_id(reference: str) -> Any:
    from prefect.blocks.core import Block

    if reference.count("/") != 1:
        raise ValueError(f"notification block {reference!r} must look like '<block-type-slug>/<name>'")
    block = Block.load(reference)
    if not hasattr(block, "notify"):
        raise ValueError(f"block {reference!r} is a {type(block).__name__}, not a notification block")
    return block._block_document_id


def ensure_automation(block: str | None) -> dict[str, Any]:
    """Create or replace the automation; enabled only when `block` (e.g. `slack-webhook/alerts`) is given."""
    from prefect.automations import Automation
    from prefect.events.actions import DoNothing, SendNotification

    action = (
        SendNotification(block_document_id=_block_document_id(block), subject=SUBJECT, body=BODY)
        if block
        else DoNothing()
    )
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for existing in client.read_automations_by_name(NAME):
            client.delete_automation(existing.id)
    created = Automation(
        name=NAME, description=__doc__.split("\n\n")[0], enabled=bool(block), trigger=trigger(), actions=[action]
    ).create()
    return {"id": str(created.id), "enabled": created.enabled, "block": block}


def deploy_step() -> dict[str, Any]:
    """prefect.yaml build step: keep the automation in place on every `prefect deploy`."""
    return ensure_automation(os.environ.get("YOUTUBE_LAKEHOUSE_NOTIFY_BLOCK") or None)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m deployments.notifications", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--block",
        default=os.environ.get("YOUTUBE_LAKEHOUSE_NOTIFY_BLOCK") or None,
        help="notification block, e.g. slack-webhook/alerts (default: $YOUTUBE_LAKEHOUSE_NOTIFY_BLOCK; "
        "none: the automation is created disabled)",
    )
    args = parser.parse_args(argv)
    done = ensure_automation(args.block)
    state = f"enabled, notifying through {args.block}" if done["enabled"] else "disabled (no block)"
    print(f"automation {NAME!r}: {state}")
    return done


if __name__ == "__main__":
    main()

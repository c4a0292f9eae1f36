"""The notification automation: created disabled without a block, enabled on one, never duplicated."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.prefect_server


def _ours():
    from prefect.client.orchestration import get_client

    from deployments.notifications import NAME

    with get_client(sync_client=True) as client:
        return client.read_automations_by_name(NAME)


def test_disabled_without_a_block_then_enabled_on_one(prefect_server):
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    from deployments.notifications import QUOTA_EVENT, ensure_automation

    ensure_automation(None)
    (automation,) = _ours()
    assert not automation.enabled and automation.actions[0].type == "do-nothing"
    expected = {t.expect.pop() if len(t.expect) == 1 else frozenset(t.expect) for t in automation.trigger.triggers}
    assert QUOTA_EVENT in expected and frozenset({"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}) in expected

    hook = CustomWebhookNotificationBlock(name="test", url="http://127.0.0.1:9/hook", json_data={"text": "{{body}}"})
    hook.save("alerts", overwrite=True)
    ensure_automation("custom-webhook/alerts")
    ensure_automation("custom-webhook/alerts")
    (automation,) = _ours()  # replaced, not duplicated
    assert automation.enabled and automation.actions[0].type == "send-notification"
    assert automation.actions[0].block_document_id == CustomWebhookNotificationBlock.load("alerts")._block_document_id


def test_a_block_that_cannot_notify_is_refused(prefect_server):
    from prefect.blocks.system import Secret

    from deployments.notifications import ensure_automation

    Secret(value="x").save("not-a-notifier", overwrite=True)
    with pytest.raises(ValueError, match="not a notification block"):
        ensure_automation("secret/not-a-notifier")

"""Gold on a changed Silver, on copies of the sample lake: failing checks fail the parent run and are logged,
each naming its model and rule (one run, `failed_run`); a row gone from Silver leaves the window (`lake_copy`)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.flows.conftest import copy_sample_lake, read_delta

pytestmark = [pytest.mark.spark, pytest.mark.prefect_server]


@pytest.fixture(scope="module")
def failed_run(sample_lake, saved_blocks, tmp_path_factory):
    """One parent run on a copy of the sample lake whose Silver was changed three ways: a retention point held
    twice, a negative like count on a video-day, and a content type's views that no longer add up to its
    channel's day. Each breaks one Gold check; the run must fail naming each, and only those. The run fetches
    nothing (no region, no channel), so Silver keeps the changes and Gold is built from them."""
    from delta.tables import DeltaTable

    from flows.youtube_lakehouse import youtube_lakehouse
    from tasks.spark.session import get_spark

    lake = copy_sample_lake(sample_lake, saved_blocks, tmp_path_factory.mktemp("gold-failures"))
    spark = get_spark()
    retention = str(lake["lake"] / "silver" / "fact_video_audience_retention")
    spark.read.format("delta").load(retention).limit(1).write.format("delta").mode("append").save(retention)
    video_days = str(lake["lake"] / "silver" / "fact_video_daily_metrics")
    row = spark.read.format("delta").load(video_days).orderBy("date", "video_id").first()
    DeltaTable.forPath(spark, video_days).update(
        f"date = DATE'{row['date'].isoformat()}' AND video_id = '{row['video_id']}'", {"likes": "-1"}
    )
    split = str(lake["lake"] / "silver" / "fact_channel_content_type_daily")
    one = spark.read.format("delta").load(split).orderBy("date", "channel_id", "content_type").first()
    DeltaTable.forPath(spark, split).update(
        f"date = DATE'{one['date'].isoformat()}' AND channel_id = '{one['channel_id']}' "
        f"AND content_type = '{one['content_type']}'",
        {"views": "views + 1"},
    )
    state = youtube_lakehouse(
        backend=lake["backend"],
        source=lake["source"],
        landing=lake["landing_ref"],
        regions=[],
        channels=[],
        return_state=True,
    )
    return {**lake, "state": state}


def _failures(message: str) -> dict[str, str]:
    """The failed Gold tests a run's message names, each with the rest of its line (dbt's message, broken rules)."""
    found = {}
    for line in message.splitlines():
        if line.startswith("Test "):
            name, _, rest = line.removeprefix("Test ").partition(" ")
            found[name] = rest
    return found


def test_a_failing_data_test_fails_the_run_and_is_logged(failed_run):
    """A planted duplicate in Silver makes a Gold uniqueness check fail; the parent run and its run-log row say
    which check and which rule."""
    state = failed_run["state"]
    assert state.is_failed()
    rule = "unique(video_id, as_of_date, elapsed_video_time_ratio): 1"
    assert "gold_video_retention_checks" in state.message and rule in state.message, state.message
    (row,) = [
        r
        for r in read_delta(failed_run["lake"] / "bronze" / "run_context_log").to_pylist()
        if r["run_id"] == str(state.state_details.flow_run_id)
    ]
    assert row["status"] == "FAILED" and "gold_video_retention_checks" in row["message"] and rule in row["message"]


def test_column_checks_fail_on_a_negative_metric(failed_run):
    """The model's combined checks fail when one row breaks one rule, naming the rule; content-type views that
    no longer add up to the channel's views fail the sums test; no other check fails."""
    message = failed_run["state"].message
    failures = _failures(message)
    assert failures.get("gold_video_daily_summary_checks", "").endswith("broken rules: non_negative(likes): 1"), message
    assert failures["gold_video_retention_checks"].endswith(
        "broken rules: unique(video_id, as_of_date, elapsed_video_time_ratio): 1"
    )
    assert [name for name in failures if name.startswith("sums_to_gold_channel_content_type_daily")], message
    assert len(failures) == 3, message


def test_a_row_gone_from_silver_leaves_the_rebuilt_window_and_nothing_else(lake_copy):
    """delete_missing_in_window: the window's Gold rows the model no longer yields are deleted; rows
    before the window and every other row stay as they were; the row back in Silver comes back in Gold."""
    from delta.tables import DeltaTable

    from flows.gold import gold as gold_flow
    from tasks.spark.session import get_spark

    spark = get_spark()
    silver = str(lake_copy["lake"] / "silver" / "fact_video_country_metrics")
    gold_path = lake_copy["lake"] / "gold" / "gold_video_country_daily_summary"

    def key(r):
        return r["video_id"], r["date"], r["country_code"]

    before = {key(r): r for r in read_delta(gold_path).to_pylist()}
    gone = max(before)  # the latest day: inside the window
    version = DeltaTable.forPath(spark, silver).history(1).first()["version"]
    DeltaTable.forPath(spark, silver).delete(
        f"video_id = '{gone[0]}' AND date = DATE'{gone[1].isoformat()}' AND country_code = '{gone[2]}'"
    )
    window = dict(window_start=date(2026, 10, 20), window_end=date(2026, 10, 30), docs="never", report=False)
    gold_flow(backend=lake_copy["backend"], **window)
    after = {key(r): r for r in read_delta(gold_path).to_pylist()}
    DeltaTable.forPath(spark, silver).restoreToVersion(version)
    gold_flow(backend=lake_copy["backend"], **window)
    assert gone in before and gone not in after
    assert after == {k: v for k, v in before.items() if k != gone}
    assert {key(r): r for r in read_delta(gold_path).to_pylist()} == before

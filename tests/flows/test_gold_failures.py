"""Gold on a changed Silver, each test on its own copy of the sample lake (`lake_copy`): a failing data test
fails the parent run and is logged, a column check names its model, a row gone from Silver leaves the window."""

from __future__ import annotations

from datetime import date

import pytest

from tests.flows.conftest import read_delta

pytestmark = [pytest.mark.spark, pytest.mark.prefect_server]
WINDOW = {"window_start": date(2026, 10, 1), "window_end": date(2026, 10, 30), "docs": "never"}


def test_a_failing_data_test_fails_the_run_and_is_logged(lake_copy):
    """A planted duplicate in Silver makes a Gold uniqueness test fail; the run says which."""
    from flows.youtube_lakehouse import youtube_lakehouse
    from tasks.spark.session import get_spark

    spark = get_spark()
    path = str(lake_copy["lake"] / "silver" / "fact_channel_daily_metrics")
    spark.read.format("delta").load(path).limit(1).write.format("delta").mode("append").save(path)
    state = youtube_lakehouse(
        backend=lake_copy["backend"], source=lake_copy["source"], landing=lake_copy["landing_ref"], return_state=True
    )
    assert state.is_failed()
    assert "unique_combination_gold_channel_daily_summary" in state.message
    (row,) = [
        r
        for r in read_delta(lake_copy["lake"] / "bronze" / "run_context_log").to_pylist()
        if r["run_id"] == str(state.state_details.flow_run_id)
    ]
    assert row["status"] == "FAILED" and "unique_combination_gold_channel_daily_summary" in row["message"]


def test_column_checks_fail_on_a_negative_metric(lake_copy):
    """The model's combined column test fails when one row breaks one rule, naming the test; and content-type
    views that no longer add up to the channel's views fail the sums test (same run)."""
    from delta.tables import DeltaTable

    from flows.gold import gold as gold_flow
    from tasks.spark.session import get_spark

    spark = get_spark()
    path = str(lake_copy["lake"] / "silver" / "fact_video_daily_metrics")
    row = spark.read.format("delta").load(path).orderBy("date", "video_id").first()
    DeltaTable.forPath(spark, path).update(
        f"date = DATE'{row['date'].isoformat()}' AND video_id = '{row['video_id']}'", {"likes": "-1"}
    )
    split = str(lake_copy["lake"] / "silver" / "fact_channel_content_type_daily")
    one = spark.read.format("delta").load(split).orderBy("date", "channel_id", "content_type").first()
    DeltaTable.forPath(spark, split).update(
        f"date = DATE'{one['date'].isoformat()}' AND channel_id = '{one['channel_id']}' "
        f"AND content_type = '{one['content_type']}'",
        {"views": "views + 1"},
    )
    state = gold_flow(backend=lake_copy["backend"], **WINDOW, return_state=True)
    assert state.is_failed()
    assert "column_checks_gold_video_daily_summary" in state.message
    assert "sums_to_gold_channel_content_type_daily" in state.message
    assert "column_checks_gold_channel_daily_summary" not in state.message


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

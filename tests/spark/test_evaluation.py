"""Interpreted evaluation for small inputs: when it applies, what it sets and restores, same answers."""

from __future__ import annotations

from datetime import date

import pytest

from tasks.gold import INTERPRETED_MAX_DAYS, interpret_window
from tasks.spark.evaluation import SETTINGS, interpret_small, interpreted


def test_small_inputs_interpret_unless_the_job_says_otherwise():
    assert interpret_small({}, 10, 10) is True
    assert interpret_small({}, 11, 10) is False
    assert interpret_small({"interpreted": False}, 0, 10) is False
    assert interpret_small({"interpreted": True}, 10**12, 10) is True
    assert interpret_small({"interpreted": None}, 11, 10) is False


def test_gold_interprets_a_daily_window_not_a_history_or_a_full_refresh():
    assert interpret_window(date(2026, 10, 24), date(2026, 10, 30), False) is True
    assert interpret_window(None, None, False) is True
    start = date(2026, 10, 1)
    assert interpret_window(start, date.fromordinal(start.toordinal() + INTERPRETED_MAX_DAYS - 1), False) is True
    assert interpret_window(start, date.fromordinal(start.toordinal() + INTERPRETED_MAX_DAYS), False) is False
    assert interpret_window(date(2026, 10, 24), date(2026, 10, 30), True) is False


def _settings(spark) -> dict[str, str | None]:
    return {key: spark.conf.get(key, None) for key in SETTINGS}


def test_the_block_interprets_and_restores_what_was_set(spark):
    spark.conf.set("spark.sql.codegen.wholeStage", "true")
    spark.conf.unset("spark.sql.codegen.factoryMode")
    outside = _settings(spark)
    with interpreted(spark) as on:
        assert on is True and _settings(spark) == SETTINGS
    assert _settings(spark) == outside
    with pytest.raises(RuntimeError):
        with interpreted(spark):
            raise RuntimeError("a failed step")
    assert _settings(spark) == outside
    with interpreted(spark, when=False) as on:
        assert on is False and _settings(spark) == outside
    spark.conf.unset("spark.sql.codegen.wholeStage")


def test_a_session_this_process_did_not_build_is_left_alone():
    class Untouchable:
        @property
        def conf(self):
            raise AssertionError("a session this process did not build was changed")

    with interpreted(Untouchable()) as on:
        assert on is False


def test_interpreted_and_compiled_queries_agree(spark):
    """A window, a hash, JSON, dates and decimals: what Silver's MERGEs are made of."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    rows = [(f"v{i % 7}", date(2026, 10, 1 + i % 5), i * 3, None if i % 4 == 0 else f'{{"n": {i}}}') for i in range(60)]
    df = spark.createDataFrame(rows, "video_id string, day date, views long, body string")
    w = Window.partitionBy("video_id").orderBy(F.col("views").desc(), F.xxhash64("body").desc())

    def query():
        return sorted(
            df.withColumn("rank", F.row_number().over(w))
            .withColumn("n", F.get_json_object("body", "$.n").cast("decimal(10,2)"))
            .groupBy("video_id")
            .agg(
                F.max("day").alias("last"),
                F.sum("n").alias("n"),
                F.max(F.when(F.col("rank") == 1, F.col("views"))).alias("top"),
                F.countDistinct(F.date_trunc("week", "day")).alias("weeks"),
            )
            .collect()
        )

    def plan() -> str:  # "*(n)" marks a whole-stage-codegen stage
        return df.filter("views > 0").select((df.views + 1).alias("v"))._jdf.queryExecution().executedPlan().toString()

    compiled = query()
    assert "*(" in plan()
    with interpreted(spark):
        assert "*(" not in plan()
        assert query() == compiled

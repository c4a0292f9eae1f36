"""File drops end to end on the real Kaggle excerpt: landing -> Bronze -> Silver trending joined to its categories;
then the same rows in the AWS pipeline's layout, re-imported without duplicates."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from datetime import date

import pytest

from tests.conftest import REPO_ROOT

KAGGLE = REPO_ROOT / "tests" / "fixtures" / "kaggle"


def _read(path):
    from deltalake import DeltaTable

    return DeltaTable(str(path)).to_pyarrow_table().to_pylist()


@pytest.fixture(scope="module")
def imported(prefect_server, spark, tmp_path_factory):
    from blocks import LocalDeltaSpark, LocalLanding
    from flows.file_drops import import_file_drops

    root = tmp_path_factory.mktemp("file-drops")
    LocalDeltaSpark(lake_root=str(root / "lake"), spark_master="local[2]").save("drops", overwrite=True)
    LocalLanding(root=str(root / "landing")).save("drops", overwrite=True)
    # through Silver: these tests read Bronze and Silver; a drop through Gold is test_messy_drops.py's
    kaggle = import_file_drops(
        folder=str(KAGGLE),
        layout="kaggle",
        year=2017,
        backend="local-delta-spark/drops",
        landing="local-landing/drops",
        through="silver",
    )
    trending_after_kaggle = _read(root / "lake" / "silver" / "silver_trending_videos")

    aws = root / "aws-bucket"
    rows = list(csv.reader(io.StringIO((KAGGLE / "USvideos.csv").read_text(encoding="utf-8"), newline="")))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0]] + [r for r in rows[1:] if r[-1] == "13.09"])
    (aws / "raw_statistics/region=US/ts=201709131000").mkdir(parents=True)
    (aws / "raw_statistics/region=US/ts=201709131000/part-00000.csv").write_text(out.getvalue(), encoding="utf-8")
    (aws / "raw_statistics_reference_data").mkdir()
    shutil.copy(KAGGLE / "US_category_id.json", aws / "raw_statistics_reference_data/US_category_id.json")
    again = import_file_drops(
        folder=str(aws),
        layout="aws",
        backend="local-delta-spark/drops",
        landing="local-landing/drops",
        through="silver",
    )
    return {
        "root": root,
        "lake": root / "lake",
        "kaggle": kaggle,
        "aws": again,
        "trending_after_kaggle": trending_after_kaggle,
    }


def test_good_rows_reach_silver_trending_ranked_by_file_order(imported):
    trending = imported["trending_after_kaggle"]
    days = Counter(r["snapshot_date"] for r in trending)
    assert days == {date(2017, 9, 13): 57, date(2017, 10, 9): 34}  # 60 and 34 rows minus the bad ones
    assert all(r["region"] == "US" and r["channel_id"] is None for r in trending)
    sept = sorted((r for r in trending if r["snapshot_date"] == date(2017, 9, 13)), key=lambda r: r["rank"])
    assert [r["rank"] for r in sept] == list(range(1, 58)) and sept[0]["video_id"] == "XpVt6Z1Gjjo"
    apple = next(r for r in trending if r["video_id"] == "K4wEI5zhHB0" and r["snapshot_date"] == date(2017, 9, 13))
    assert (apple["view_count"], apple["like_count"], apple["comment_count"], apple["category_id"]) == (
        7860119,
        185853,
        None,
        28,
    )


def test_messy_rows_are_quarantined_with_reasons(imported):
    quarantined = [
        r for r in _read(imported["lake"] / "bronze" / "quarantine") if r["run_id"] == imported["kaggle"]["run_id"]
    ]
    reasons = Counter(r["reason"] for r in quarantined)
    assert reasons["video_id is not an 11-character YouTube id: '24.09xcaeyJTx4Co'"] == 1
    assert reasons["missing video_id"] == 2
    assert reasons["date is not a trending date: '100'"] == 4
    assert all(".pages.jsonl#" in r["landing_path"] and r["record"].startswith("row ") for r in quarantined)
    assert imported["kaggle"]["quarantined"] == 0  # the files themselves are fine CSV


def test_every_silver_trending_row_joins_one_category_valid_that_day(imported):
    trending = _read(imported["lake"] / "silver" / "silver_trending_videos")
    categories = _read(imported["lake"] / "silver" / "dim_category")
    assert {c["valid_from"] for c in categories} == {date(2017, 9, 13)}  # dated by the drop's first trending day
    for row in trending:
        valid = [
            c
            for c in categories
            if c["region"] == row["region"]
            and c["category_id"] == row["category_id"]
            and c["valid_from"] <= row["snapshot_date"]
            and (c["valid_to"] is None or row["snapshot_date"] < c["valid_to"])
        ]
        assert len(valid) == 1, row


def test_the_aws_layout_lands_in_the_same_tables_without_duplicates(imported):
    trending = _read(imported["lake"] / "silver" / "silver_trending_videos")
    keys = Counter((r["region"], r["snapshot_date"], r["video_id"]) for r in trending)
    assert max(keys.values()) == 1 and len(trending) == len(imported["trending_after_kaggle"])
    assert imported["aws"]["files"] == {"trending": 1, "categories": 1}
    # the same rows again (same values, same ranks): nothing in Silver changes
    assert sorted(map(repr, trending)) == sorted(map(repr, imported["trending_after_kaggle"]))
    bronze = [
        r for r in _read(imported["lake"] / "bronze" / "trending_videos_raw") if r["source_system"] == "file_drop"
    ]
    assert sorted(r["endpoint"] for r in bronze) == ["file_drop.trending_csv"] * 2

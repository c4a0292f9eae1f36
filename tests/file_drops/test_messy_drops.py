"""A drop as found in the wild, through Gold: a UTF-8 file with a byte-order mark, a cp1252 file with
non-ASCII titles, a file whose every row is bad and one without a required column. The run fails naming
the two unusable files; the other two reach Silver and the trending Gold models, tested."""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
from collections import Counter
from datetime import date

import pytest

from tests.conftest import REPO_ROOT

KAGGLE = REPO_ROOT / "tests" / "fixtures" / "kaggle"
TITLE = "Café «Crème brûlée» — Müller’s €{n}"


def _read(path):
    from deltalake import DeltaTable

    return DeltaTable(str(path)).to_pyarrow_table().to_pylist()


def _csv(rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def messy(prefect_server, spark, tmp_path_factory):
    from blocks import LocalDeltaSpark, LocalLanding
    from flows.file_drops import import_file_drops

    root = tmp_path_factory.mktemp("messy-drops")
    drop = root / "drop"
    drop.mkdir()
    rows = list(csv.reader(io.StringIO((KAGGLE / "USvideos.csv").read_text(encoding="utf-8"), newline="")))
    header, sept = rows[0], [r for r in rows[1:] if r[-1] == "13.09"]
    (drop / "USvideos.csv").write_bytes(codecs.BOM_UTF8 + (KAGGLE / "USvideos.csv").read_bytes())
    in_cp1252 = lambda v: v.encode("cp1252", "replace").decode("cp1252")  # noqa: E731 (the excerpt has emoji)
    gb = [header] + [[r[0], TITLE.format(n=i), *map(in_cp1252, r[2:])] for i, r in enumerate(sept)]
    (drop / "GBvideos.csv").write_bytes(_csv(gb).encode("cp1252"))
    (drop / "CAvideos.csv").write_text(_csv([header] + [[f"x{r[0]}", *r[1:]] for r in sept]), encoding="utf-8")
    views = header.index("views")
    (drop / "DEvideos.csv").write_text(_csv([r[:views] + r[views + 1 :] for r in [header] + sept]), encoding="utf-8")
    for region in ("US", "GB"):
        shutil.copy(KAGGLE / "US_category_id.json", drop / f"{region}_category_id.json")
    LocalDeltaSpark(lake_root=str(root / "lake"), spark_master="local[2]").save("messy", overwrite=True)
    LocalLanding(root=str(root / "landing")).save("messy", overwrite=True)
    state = import_file_drops(
        folder=str(drop),
        layout="kaggle",
        year=2017,
        backend="local-delta-spark/messy",
        landing="local-landing/messy",
        return_state=True,
    )
    return {
        "state": state,
        "lake": root / "lake",
        "run_id": str(state.state_details.flow_run_id),
        "sept_rows": len(sept),
        "gb_titles": {r[0]: r[1] for r in gb[1:]},
    }


def test_unusable_files_fail_the_run_naming_file_header_and_reasons(messy):
    state = messy["state"]
    assert state.is_failed()
    message = state.message
    assert "2 of 4 trending files could not be used (the other files were loaded)" in message
    assert (
        f"CAvideos.csv: all {messy['sept_rows']} rows were rejected; header found: ['video_id', 'title', "
        "'channel_title'"
    ) in message
    assert "most common quarantine reasons: video_id is not an 11-character YouTube id (" in message
    assert "DEvideos.csv: its header lacks the required column(s) views; header found: ['video_id'" in message
    assert "USvideos.csv" not in message and "GBvideos.csv" not in message


def test_the_good_files_reach_silver_with_their_encoding_recorded(messy):
    trending = _read(messy["lake"] / "silver" / "silver_trending_videos")
    per_region = Counter((r["region"], r["snapshot_date"]) for r in trending)
    assert per_region == {("US", date(2017, 9, 13)): 57, ("US", date(2017, 10, 9)): 34, ("GB", date(2017, 9, 13)): 57}
    gb = [r for r in trending if r["region"] == "GB"]
    assert all(r["title"] == messy["gb_titles"][r["video_id"]] for r in gb)  # cp1252 read as cp1252
    assert any("brûlée" in r["title"] and "€" in r["title"] for r in gb)
    bronze = {
        json.loads(r["request"])["file"]: json.loads(r["request"])
        for r in _read(messy["lake"] / "bronze" / "trending_videos_raw")
    }
    assert {f: (b["encoding"], b["bom"]) for f, b in bronze.items()} == {
        "USvideos.csv": ("utf-8", True),
        "GBvideos.csv": ("cp1252", False),
        "CAvideos.csv": ("utf-8", False),
        "DEvideos.csv": ("utf-8", False),
    }
    payloads = [r["payload"] for r in _read(messy["lake"] / "bronze" / "trending_videos_raw")]
    assert all(p.startswith("video_id,") for p in payloads)  # no mark kept in the text


def test_the_unusable_files_rows_are_quarantined_with_reasons(messy):
    quarantined = [r for r in _read(messy["lake"] / "bronze" / "quarantine") if r["run_id"] == messy["run_id"]]
    by_file = Counter(json.loads(r["request"])["file"] for r in quarantined)
    assert by_file["CAvideos.csv"] == by_file["DEvideos.csv"] == messy["sept_rows"]
    assert all(
        r["reason"].startswith("video_id is not an 11-character YouTube id")
        for r in quarantined
        if json.loads(r["request"])["file"] == "CAvideos.csv"
    )
    de = Counter(r["reason"].split("; ")[0] for r in quarantined if json.loads(r["request"])["file"] == "DEvideos.csv")
    assert set(de) == {"missing views", "missing video_id, views"} and de["missing views"] >= messy["sept_rows"] - 3


def test_a_trending_only_lake_builds_and_tests_the_trending_gold_models(messy):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, TaskRunFilter, TaskRunFilterFlowRunId

    category = _read(messy["lake"] / "gold" / "gold_trending_category_daily")
    trending = _read(messy["lake"] / "silver" / "silver_trending_videos")
    videos = Counter((r["region"], r["snapshot_date"]) for r in trending)
    summed = Counter()
    for row in category:
        summed[(row["region"], row["snapshot_date"])] += row["videos"]
    assert summed == videos
    assert len(_read(messy["lake"] / "gold" / "gold_trending_videos")) == sum(videos.values())
    for model in ("gold_channel_daily_summary", "gold_video_daily_summary", "gold_video_country_daily_summary"):
        assert _read(messy["lake"] / "gold" / model) == []  # no source data: empty
    calendar = {r["date"] for r in _read(messy["lake"] / "silver" / "dim_date")}
    assert min(calendar) == date(2017, 9, 13) and max(calendar) == date(2017, 10, 9)

    with get_client(sync_client=True) as client:
        (gold_run,) = [
            r
            for r in client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["gold"])))
            if r.parameters.get("run_id") == messy["run_id"]
        ]
        tasks = [
            t.name
            for t in client.read_task_runs(
                task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[gold_run.id]))
            )
        ]
    assert gold_run.state.is_completed()
    assert "test fresh_within_gold_trending_videos_snapshot_date" in tasks  # judged at the drop's last day
    assert not [t for t in tasks if "fresh_within_gold_channel" in t or "fresh_within_gold_video" in t]
    assert "test gold_trending_category_daily_checks" in tasks  # its grain, columns, in one query

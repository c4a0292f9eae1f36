"""Probe 4 of issue #16: the bad-input corpus (tests/reliability/corpus) through Bronze and Silver.

The corpus files are checked without Spark; then every kind is landed into one lake, loaded by one
bronze_load and one silver_build, and judged: 0 crashes, each bad record quarantined with its reason,
every good record beside it loaded. `make reliability` also lands and runs it all again and counts the rows
that adds (in this suite tests/jobs and tests/reporting re-run their own bad input).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reliability.corpus import CORPUS, Bisect, Case, Lake, failure_entry, judge, load_cases, page_body

# what the issue asks the corpus to cover, by the categories the case files declare
CATEGORIES = {
    "api": {
        "not_json",
        "shape",
        "types",
        "ids",
        "counts",
        "enums",
        "columns",
        "analytics_rows",
        "empty",
        "huge",
        "control_chars",
        "duplicates",
        "dates",
    },
    "drop": {"encodings", "rows", "quoting", "dates", "empty"},
    "report": {"reporting"},
}


def test_the_corpus_is_files_of_at_least_50_kinds_covering_every_category():
    cases = load_cases()
    kinds = [c.kind for c in cases]
    assert len(kinds) >= 50 and len(set(kinds)) == len(kinds)
    for source, wanted in CATEGORIES.items():
        assert wanted <= {c.category for c in cases if c.source == source}, source
    assert all(c.path.exists() for c in cases)
    assert {p.stem for p in (CORPUS / "api").glob("*.json")} == {c.kind for c in cases if c.source == "api"}
    assert {p.name for p in (CORPUS / "drops").iterdir() if p.is_dir()} == {c.kind for c in cases if c.source == "drop"}


def _check_expectations(case: Case) -> None:
    from tasks.jobs.bronze_tables import RAW_TABLES
    from tasks.jobs.silver_build import GRAINS, SILVER_TABLES

    expect = case.expect
    assert set(expect) <= {"quarantined", "loaded", "values", "unusable"}, case.kind
    for entry in expect["quarantined"]:
        assert entry["target_table"] in RAW_TABLES + SILVER_TABLES and entry["reason"], case.kind
    for table, keys in expect["loaded"].items():
        assert all(len(k if isinstance(k, list) else [k]) == len(GRAINS[table]) for k in keys), (case.kind, table)
    for check in expect.get("values", []):
        assert check["table"] in GRAINS and ("equals" in check or "length" in check), case.kind


def test_every_case_file_is_well_formed():
    from tasks.jobs.bronze_tables import RAW_TABLES

    for case in load_cases():
        spec = case.spec
        assert spec["why"].strip() and "\n" not in spec["why"], case.kind
        _check_expectations(case)
        if case.source == "api":
            assert spec["kind"] == case.kind and spec["table"] in RAW_TABLES and spec["endpoint"], case.kind
            assert ("payload" in spec) != ("payload_text" in spec), case.kind
            assert isinstance(spec["params"], dict) and isinstance(spec["extra"], dict), case.kind
            page_body(spec, spec.get("expand"))  # the bytes can be built
            for page in [spec] + ([spec["good_page"]] if "good_page" in spec else []):
                if page.get("extra", {}).get("channel_id"):
                    assert page["extra"]["channel_id"].startswith("UC") and len(page["extra"]["channel_id"]) == 24
        elif case.source == "drop":
            assert spec["layout"] in ("aws", "kaggle") and any(case.path.rglob("*")), case.kind
            assert all((case.path / name).is_file() for name in spec["expect"].get("unusable", {})), case.kind
        else:
            assert spec["report_type"] and spec["report_day"] and case.path.read_bytes(), case.kind


def test_bad_records_sit_beside_good_ones():
    """A case with a bad record also names the good records that must survive it. Two cases have none by
    nature: Silver reads no playlist items (that page's neighbours cannot be shown there), and a report
    without a metric column has no good row (each of its rows is quarantined with the reason)."""
    whole = {"playlist_items_body_not_json", "report_reach_missing_ctr_column"}
    for case in load_cases():
        if case.expect["quarantined"] and case.kind not in whole:
            assert any(case.expect["loaded"].values()), case.kind


def test_the_judge_finds_missing_reasons_lost_rows_and_silently_loaded_rows():
    (case,) = [c for c in load_cases() if c.kind == "videos_views_non_numeric"]
    good = case.expect["loaded"]["silver_videos"]
    rows = [{"video_id": v, "run_id": case.run_id} for v in good]
    held = Lake(quarantine={case.run_id: [("silver_videos", "non-numeric viewCount")]}, tables={"silver_videos": rows})
    assert judge(case, held, {}).problems == [] and failure_entry(case, []) is None

    nothing = Lake(
        quarantine={}, tables={"silver_videos": rows[:1] + [{"video_id": "badvideo001", "run_id": case.run_id}]}
    )
    problems = judge(case, nothing, {}).problems
    assert any(p.startswith("not quarantined: 1 x silver_videos 'non-numeric viewCount'") for p in problems)
    assert any(p.startswith("good rows lost from silver_videos") for p in problems)
    assert any(p.startswith("rows loaded into silver_videos that should not be: [('badvideo001',)]") for p in problems)

    wrong = Lake(quarantine={case.run_id: [("silver_videos", "something else")]}, tables={"silver_videos": rows})
    assert "unexpected quarantine row: silver_videos 'something else'" in judge(case, wrong, {}).problems

    marked = Case(case.kind, case.source, {**case.spec, "known_broken": "waiting for a fix"}, case.path)
    assert "known broken (waiting for a fix)" in failure_entry(marked, ["lost"])["what"]
    assert "but holds" in failure_entry(marked, [])["what"]


def test_a_crashing_kind_is_isolated_by_bisection_and_the_rest_judged(tmp_path):
    cases = [Case(f"kind{i:02d}", "api", {"expect": {}}, tmp_path) for i in range(20)]

    class Fake(Bisect):
        def _trial(self, group: list[Case]) -> tuple[Path, str | None]:
            crashed = any(c.kind in ("kind03", "kind17") for c in group)
            return tmp_path / f"lake-{self.trials}", "CAST_OVERFLOW" if crashed else None

    found = Fake(tmp_path, tmp_path, "local[1]").run(cases)
    assert found.crashes == {"kind03": "job raised CAST_OVERFLOW", "kind17": "job raised CAST_OVERFLOW"}
    judged = [c.kind for group, _ in found.judged for c in group]
    assert sorted(judged + list(found.crashes)) == [c.kind for c in cases] and not found.unjudged
    capped = Fake(tmp_path, tmp_path, "local[1]", trials=3).run(cases)  # out of trials: the rest unjudged
    assert not capped.crashes and {"kind03", "kind17"} <= set(capped.unjudged)
    assert all("ran out of trials" in why for why in capped.unjudged.values())


@pytest.fixture(scope="module")
def probe(spark, tmp_path_factory):
    from reliability.corpus import run_corpus

    return run_corpus(tmp_path_factory.mktemp("corpus"), spark_master="local[2]")


@pytest.mark.spark
def test_every_kind_holds_with_no_crash(probe):
    assert probe["crashes"] == 0 and probe["shared_run_error"] is None
    assert probe["failed"] == [], json.dumps(probe["failed"], indent=1)
    assert probe["held"] == probe["kinds"] >= 50
    assert probe["bad_quarantined"] == probe["bad_expected"] > 0
    assert probe["good_loaded"] == probe["good_expected"] > 0


def test_the_probe_prints_one_line_of_figures():
    from reliability.corpus import figures

    line = figures(
        {
            "kinds": 100,
            "held": 99,
            "failed": [{"kind": "x", "what": "y"}],
            "crashes": 0,
            "bad_quarantined": 80,
            "bad_expected": 81,
            "good_loaded": 189,
            "good_expected": 189,
            "rerun_added_rows": {},
            "seconds": 41.5,
        }
    )
    assert "\n" not in line and line.startswith("corpus: 100 kinds, 99 held, 1 failed, 0 crashes")

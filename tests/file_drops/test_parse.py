"""Parsing trending CSV drops row by row: the real Kaggle excerpt's mess and the later release's columns."""

from __future__ import annotations

from datetime import date

from tests.conftest import REPO_ROOT

KAGGLE = REPO_ROOT / "tests" / "fixtures" / "kaggle"


def test_trending_day_formats():
    from tasks.silver.file_drops import trending_day

    assert trending_day("13.09", 2017) == date(2017, 9, 13)
    assert trending_day("9.1", 2017) == date(2017, 10, 9)  # 09.10 written by a spreadsheet as 9.1
    assert trending_day("17.14.11", None) == date(2017, 11, 14)  # later releases: YY.DD.MM
    assert trending_day("100", 2017) is None and trending_day("13.09", None) is None
    assert trending_day("31.02", 2017) is None


def test_the_real_excerpt_keeps_good_rows_and_says_why_for_the_rest():
    from tasks.silver.file_drops import parse_trending_csv

    rows = list(parse_trending_csv((KAGGLE / "USvideos.csv").read_text(encoding="utf-8"), year=2017))
    assert len(rows) == 98
    bad = {r["row_number"]: r["reason"] for r in rows if r["reason"]}
    assert bad[7] == "video_id is not an 11-character YouTube id: '24.09xcaeyJTx4Co'"
    assert bad[8] == "missing video_id"
    assert sum("date is not a trending date: '100'" in reason for reason in bad.values()) == 4
    assert len(bad) == 7
    good = [r for r in rows if not r["reason"]]
    assert {r["trending_date"] for r in good} == {date(2017, 9, 13), date(2017, 10, 9)}
    assert any(r["comment_count"] is None for r in good)  # empty comment_total stays empty
    assert any(any(ord(c) > 127 for c in r["title"]) for r in good)
    apple = next(r for r in good if r["video_id"] == "K4wEI5zhHB0")
    assert (apple["view_count"], apple["like_count"], apple["category_id"]) == (7860119, 185853, "28")


def test_later_release_columns_and_broken_rows():
    from tasks.silver.file_drops import parse_trending_csv

    text = (
        "video_id,trending_date,title,channel_title,category_id,publish_time,tags,views,likes,dislikes,"
        "comment_count,thumbnail_link,comments_disabled,ratings_disabled,video_error_or_removed,description\n"
        "2kyS6SvSYSE,17.14.11,WE WANT TO TALK ABOUT OUR MARRIAGE,CaseyNeistat,22,2017-11-13T17:13:01.000Z,"
        "SHANtell martin,748374,57527,2966,15954,https://i.ytimg.com/vi/2kyS6SvSYSE/default.jpg,False,False,False,"
        '"line one\nline two, with a comma"\n'
        "1ZAPwfrtAFY,17.14.11,The Trump Presidency,LastWeekTonight,24,2017-11-13T07:30:00.000Z,x,2418783,"
        "a lot,1146,3040,https://i.ytimg.com/vi/1ZAPwfrtAFY/default.jpg,False,False,False,desc\n"
        "5qpjK5DgCt4,17.14.11,Racist Superman,Rudy Mancuso,23\n"
    )
    first, second, third = parse_trending_csv(text)
    assert first["reason"] is None and first["trending_date"] == date(2017, 11, 14)
    assert first["published_at_text"] == "2017-11-13T17:13:01.000Z" and first["comment_count"] == 15954
    assert second["reason"] == "likes not a non-negative integer: 'a lot'"
    assert third["reason"].startswith("row has fewer fields than the header's 16")


def test_find_drops_in_both_layouts(tmp_path):
    from tasks.file_drops import find_drops

    for path in (
        "raw_statistics/region=us/ts=201709130500/part-0.csv",
        "raw_statistics_reference_data/US_category_id.json",
        "raw_statistics/region=GB/notes.txt",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    files, ignored = find_drops(tmp_path, "aws")
    assert [(f.kind, f.region, f.snapshot.isoformat() if f.snapshot else None) for f in files] == [
        ("trending", "US", "2017-09-13T05:00:00+00:00"),
        ("categories", "US", None),
    ]
    assert ignored == ["raw_statistics/region=GB/notes.txt"]
    files, _ = find_drops(KAGGLE, "kaggle")
    assert sorted((f.kind, f.region) for f in files) == [("categories", "US"), ("trending", "US")]

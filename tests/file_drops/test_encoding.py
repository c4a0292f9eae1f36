"""Drop files in the encodings found in the wild: UTF-8 with and without a mark, UTF-16, cp1252, latin-1."""

from __future__ import annotations

import codecs

import pytest

from tests.conftest import REPO_ROOT

KAGGLE = REPO_ROOT / "tests" / "fixtures" / "kaggle"
TITLE = "Café «naïve» — Señor Müller’s “Crème brûlée” €5"  # every character is in cp1252


def test_a_byte_order_mark_is_detected_and_dropped():
    from tasks.text_encoding import decode_text

    raw = (KAGGLE / "USvideos.csv").read_bytes()
    decoded = decode_text(codecs.BOM_UTF8 + raw)
    assert (decoded.encoding, decoded.bom) == ("utf-8", True)
    assert decoded.text.startswith("video_id,title") and decoded.original_bytes() == codecs.BOM_UTF8 + raw
    assert decode_text(raw) == decoded.__class__(raw.decode("utf-8"), "utf-8", False)
    utf16 = codecs.BOM_UTF16_LE + "video_id,title\n".encode("utf-16-le")
    assert decode_text(utf16).text == "video_id,title\n" and decode_text(utf16).original_bytes() == utf16


@pytest.mark.parametrize("codec, expected", [("cp1252", "cp1252"), ("latin-1", "cp1252")])
def test_legacy_encodings_fall_back_losslessly(codec, expected):
    from tasks.text_encoding import decode_text

    text = f"video_id,title\nabcdefghijk,{TITLE if codec == 'cp1252' else 'Ångström ñ ü'}\n"
    raw = text.encode(codec)
    decoded = decode_text(raw)
    assert decoded.encoding == expected and decoded.text == text and decoded.original_bytes() == raw


def test_bytes_cp1252_leaves_undefined_fall_back_to_latin1():
    from tasks.text_encoding import decode_text

    raw = b"video_id,title\nabcdefghijk,caf\xe9 \x81\n"  # 0x81 is undefined in cp1252
    decoded = decode_text(raw)
    assert decoded.encoding == "latin-1" and decoded.original_bytes() == raw


def test_a_forced_encoding_is_used_or_fails_clearly():
    from tasks.text_encoding import UndecodableFileError, decode_text

    raw = TITLE.encode("cp1252")
    assert decode_text(raw, "cp1252").text == TITLE
    assert decode_text(codecs.BOM_UTF8 + b"abc", "utf-8") == decode_text(codecs.BOM_UTF8 + b"abc")
    with pytest.raises(UndecodableFileError, match=r"GBvideos.csv is not utf-8: byte b'\\xe9' at offset 3"):
        decode_text(raw, "utf-8", "GBvideos.csv")


def test_a_header_read_with_its_mark_still_finds_video_id():
    from tasks.silver.file_drops import check_trending_csv, parse_trending_csv

    text = "\ufeff" + (KAGGLE / "USvideos.csv").read_text(encoding="utf-8")
    check = check_trending_csv(text, 2017)
    assert check.header[0] == "video_id" and not check.missing_columns and check.good_rows == 91
    assert next(parse_trending_csv(text, 2017))["video_id"] == "XpVt6Z1Gjjo"


def test_a_file_without_a_required_column_says_which_and_shows_its_header():
    from tasks.silver.file_drops import check_trending_csv

    text = "video_id,title,channel_title,category_id,date\nXpVt6Z1Gjjo,t,c,22,13.09\n"
    check = check_trending_csv(text, 2017)
    assert not check.usable and check.missing_columns == ["views"]
    problem = check.problem("DEvideos.csv")
    assert problem.startswith(
        "DEvideos.csv: its header lacks the required column(s) views; header found: "
        "['video_id', 'title', 'channel_title', 'category_id', 'date']"
    )
    assert "missing views (1 rows)" in problem


def test_a_file_whose_every_row_is_bad_names_the_commonest_reasons():
    from tasks.silver.file_drops import check_trending_csv

    text = (
        "video_id,title,channel_title,category_id,views,date\n"
        + "".join(f"bad{i},t,c,22,{i},13.09\n" for i in range(5))
        + "XpVt6Z1Gjjo,t,c,22,lots,99.99\n"
    )
    check = check_trending_csv(text, 2017)
    assert (check.rows, check.good_rows) == (6, 0)
    problem = check.problem("CAvideos.csv")
    assert "all 6 rows were rejected" in problem
    assert problem.endswith(
        "most common quarantine reasons: video_id is not an 11-character YouTube id "
        "(5 rows, e.g. 'bad0'); views not a non-negative integer (1 rows, e.g. 'lots'); "
        "date is not a trending date (1 rows, e.g. '99.99')"
    )

import subprocess
import sys
from datetime import date

from flows.youtube_lakehouse import parse_args
from tests.conftest import REPO_ROOT


def test_help_lists_the_parameters():
    out = subprocess.run(
        [sys.executable, "-m", "flows.youtube_lakehouse", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    for option in (
        "--backend",
        "--source",
        "--landing",
        "--regions",
        "--channels",
        "--start-date",
        "--end-date",
        "--lookback-days",
        "--no-report",
    ):
        assert option in out


def test_arguments_become_typed_parameters():
    params = parse_args(
        ["--regions", "us, GB", "--channels", "mine,UCabc", "--end-date", "2026-10-30", "--lookback-days", "3"]
    )
    assert params["regions"] == ["us", "GB"] and params["channels"] == ["mine", "UCabc"]
    assert params["end_date"] == date(2026, 10, 30) and params["lookback_days"] == 3
    assert params["backend"] == "local-delta-spark/default" and params["start_date"] is None
    assert params["report"] is True and parse_args(["--no-report"])["report"] is False


def test_window_rules():
    import pytest

    from flows.window import resolve_window

    default = (date(2026, 10, 1), date(2026, 10, 30))
    assert resolve_window(default, None, None, 7) == resolve_window(default, date(2026, 10, 1), date(2026, 10, 30), 7)
    w = resolve_window(default, None, date(2026, 10, 10), 7)
    assert (w.start, w.end) == (date(2026, 10, 4), date(2026, 10, 10))
    with pytest.raises(ValueError, match="after"):
        resolve_window(default, date(2026, 10, 11), date(2026, 10, 10), 7)
    with pytest.raises(ValueError, match="at least 1"):
        resolve_window(default, None, None, 0)

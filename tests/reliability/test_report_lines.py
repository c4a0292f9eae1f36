"""RELIABILITY.md stays a table when a probe's figure carries a failed run's error."""

from __future__ import annotations

from reliability.run import markdown
from reliability.runs import failure


def test_a_failed_run_is_named_by_its_error_line(tmp_path):
    log = tmp_path / "kills-final.log"
    log.write_text(
        "12:00:01 | INFO | Beginning flow run\nTraceback (most recent call last):\n"
        '  File "x.py", line 1, in sql\npyspark.errors.exceptions.captured.AnalysisException: [DELTA_X] no log\n'
        "  at org.apache.spark.Foo\n\n"
    )
    assert failure(log) == "pyspark.errors.exceptions.captured.AnalysisException: [DELTA_X] no log (kills-final.log)"
    quiet = tmp_path / "quiet.log"
    quiet.write_text("starting\nkilled\n")
    assert failure(quiet) == "killed (quiet.log)"


def test_a_figure_with_line_breaks_and_pipes_stays_one_row():
    result = {
        "probe": "SIGKILL mid-run, then a re-run",
        "done": "kills",
        "trials": 12,
        "held": 0,
        "figure": 'NOT equal (final run failed:\n  File "a.py", line 3\n    x = a | b)',
        "measured": "2026-12-04 13:14 UTC",
        "seconds": 420,
    }
    rows = [line for line in markdown({"kills": result}).splitlines() if line.startswith("| SIGKILL")]
    assert rows == [
        "| SIGKILL mid-run, then a re-run | kills | 12 | 0 | NOT equal (final run failed: "
        'File "a.py", line 3 x = a \\| b) | 2026-12-04 13:14 UTC, 7 min |'
    ]

"""What a probe compares: every Silver and Gold table's rows (lineage columns left out), and whether every
Delta table of a lake can be read. Read with delta-rs, outside Spark, as a user's tool would."""

from __future__ import annotations

from pathlib import Path

# Who wrote a row and when: they differ between two lakes built from the same data.
LINEAGE = {"ingest_ts_utc", "run_id", "source_request_id", "snapshot_ts", "detected_ts_utc"}
COMPARED_LAYERS = ("silver", "gold")


def delta_tables(lake: Path, layers: tuple[str, ...] = ("bronze", "silver", "gold")) -> list[Path]:
    """Every Delta table under the lake's layers: a folder whose log holds a version. A folder left by a
    write killed before the table's first commit holds nothing committed, and the next run creates the
    table there (`tasks.spark.lake.clear_unborn_log`): not a table, so not an unreadable one."""
    from tasks.spark.lake import has_version

    return sorted(t for layer in layers if (lake / layer).is_dir() for t in (lake / layer).iterdir() if has_version(t))


def unreadable(lake: Path) -> dict[str, str]:
    """Tables delta-rs cannot read (layer.table -> the error); empty when every table reads."""
    from deltalake import DeltaTable

    problems: dict[str, str] = {}
    for table in delta_tables(lake):
        try:
            DeltaTable(str(table)).to_pyarrow_table()
        except Exception as exc:  # any failure to read is the finding
            problems[f"{table.parent.name}.{table.name}"] = f"{type(exc).__name__}: {exc}"[:300]
    return problems


def snapshot(lake: Path) -> dict[str, list[str]]:
    """layer.table -> its rows as sorted text, lineage columns left out."""
    from deltalake import DeltaTable

    out: dict[str, list[str]] = {}
    for table in delta_tables(lake, COMPARED_LAYERS):
        data = DeltaTable(str(table)).to_pyarrow_table()
        data = data.drop_columns([c for c in data.column_names if c in LINEAGE])
        names = sorted(data.column_names)
        out[f"{table.parent.name}.{table.name}"] = sorted(repr([row[n] for n in names]) for row in data.to_pylist())
    return out


def differences(expected: dict[str, list[str]], actual: dict[str, list[str]], limit: int = 10) -> list[str]:
    """How `actual` differs from `expected`, one line per table that differs (at most `limit`)."""
    from collections import Counter

    lines: list[str] = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            lines.append(f"{table}: missing")
        elif table not in expected:
            lines.append(f"{table}: unexpected table")
        elif expected[table] != actual[table]:
            missing = Counter(expected[table]) - Counter(actual[table])
            extra = Counter(actual[table]) - Counter(expected[table])
            lines.append(
                f"{table}: {len(actual[table])} rows vs {len(expected[table])}; "
                f"{sum(missing.values())} missing, {sum(extra.values())} extra "
                f"(e.g. {next(iter(extra or missing))[:160]})"
            )
    return lines[:limit]


def rows(snap: dict[str, list[str]]) -> int:
    return sum(len(v) for v in snap.values())

"""The probes' comparison finds a lost, a doubled and a changed row, and ignores lineage columns."""

from __future__ import annotations

import pyarrow as pa

from reliability.lake import differences, snapshot, unreadable


def _lake(root, rows):
    from deltalake import write_deltalake

    for layer, table, data in rows:
        write_deltalake(str(root / layer / table), pa.Table.from_pylist(data))
    return root


def _rows(**changes):
    base = [{"video_id": "a", "views": 1, "run_id": "r1"}, {"video_id": "b", "views": 2, "run_id": "r1"}]
    return [{**row, **changes.get(row["video_id"], {})} for row in base]


def test_equal_lakes_built_by_other_runs_compare_equal(tmp_path):
    one = _lake(tmp_path / "one", [("silver", "t", _rows())])
    two = _lake(tmp_path / "two", [("silver", "t", _rows(a={"run_id": "r2"}, b={"run_id": "r9"}))])
    assert differences(snapshot(one), snapshot(two)) == []


def test_lost_doubled_and_changed_rows_are_found(tmp_path):
    reference = snapshot(_lake(tmp_path / "ref", [("silver", "t", _rows()), ("gold", "g", _rows())]))
    lost = snapshot(_lake(tmp_path / "lost", [("silver", "t", _rows()[:1]), ("gold", "g", _rows())]))
    doubled = snapshot(_lake(tmp_path / "doubled", [("silver", "t", _rows() + _rows()[:1]), ("gold", "g", _rows())]))
    changed = snapshot(_lake(tmp_path / "changed", [("silver", "t", _rows()), ("gold", "g", _rows(b={"views": 3}))]))
    assert differences(reference, lost) == ["silver.t: 1 rows vs 2; 1 missing, 0 extra (e.g. ['b', 2])"]
    assert differences(reference, doubled)[0].startswith("silver.t: 3 rows vs 2; 0 missing, 1 extra")
    assert differences(reference, changed)[0].startswith("gold.g: 2 rows vs 2; 1 missing, 1 extra")


def test_an_unreadable_table_is_named(tmp_path):
    lake = _lake(tmp_path / "lake", [("bronze", "ok", _rows()), ("bronze", "broken", _rows())])
    for log in (lake / "bronze" / "broken" / "_delta_log").glob("*.json"):
        log.write_text("{not json")
    assert set(unreadable(lake)) == {"bronze.broken"}


def test_a_folder_whose_first_commit_never_happened_is_no_table(tmp_path):
    lake = _lake(tmp_path / "lake", [("gold", "ok", _rows())])
    (lake / "gold" / "unborn" / "_delta_log" / "_staged_commits").mkdir(parents=True)  # killed before version 0
    assert unreadable(lake) == {}
    (lake / "gold" / "unborn" / "_delta_log" / "00000000000000000000.json").write_text("{not json")
    assert set(unreadable(lake)) == {"gold.unborn"}

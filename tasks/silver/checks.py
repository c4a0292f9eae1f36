"""Record checks: each failed check is a reason; a record with reasons goes to quarantine."""

from __future__ import annotations

from typing import Any


def reasons(*checks: tuple[Any, str]) -> Any:
    """An array column of the messages whose condition is true (NULL conditions count as passed)."""
    from pyspark.sql import functions as F

    return F.filter(F.array(*[F.when(cond, F.lit(msg)) for cond, msg in checks]), lambda x: x.isNotNull())


BIGINT_LIMIT = 9.223372036854775807e18  # 2**63: a count at or past it does not fit a bigint


def finite_number(raw: Any) -> tuple[Any, Any]:
    """(the value as a double, whether it is a finite number) of a value given as text or a JSON number:
    'NaN' and 'Infinity' read as doubles but are not numbers here."""
    from pyspark.sql import functions as F

    number = raw.try_cast("double")
    return number, number.isNotNull() & ~F.isnan(number) & (F.abs(number) != F.lit(float("inf")))


def non_negative_count(raw: Any, name: str) -> tuple[list[tuple[Any, str]], Any]:
    """(checks, the value as bigint) of a count given as text or a JSON number: non-numeric (NaN and
    Infinity too), negative, fractional or past a bigint is a reason; NULL stays NULL."""
    from pyspark.sql import functions as F

    raw_col = F.col(raw) if isinstance(raw, str) else raw
    number, numeric = finite_number(raw_col)
    whole = (number % 1) == 0
    checks = [
        (raw_col.isNotNull() & ~numeric, f"non-numeric {name}"),
        (numeric & (number < 0), f"negative {name}"),
        (numeric & ~whole, f"non-integer {name}"),
        (numeric & (number >= BIGINT_LIMIT), f"{name} out of range"),
    ]
    fits = numeric & whole & (number >= 0) & (number < BIGINT_LIMIT)
    return checks, F.when(fits, F.coalesce(raw_col.try_cast("bigint"), number.cast("bigint")))


PAGE = ("run_id", "snapshot_date", "request_id")  # one landed page: one Bronze row


def repeats_in_page(key: Any, order: str = "position") -> Any:
    """Whether an earlier record of the same page has the same `key` (all parts non-NULL): a duplicate
    whose first occurrence is kept."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    parts = key if isinstance(key, list) else [key]
    first = F.row_number().over(Window.partitionBy(*PAGE, *parts).orderBy(order))
    known = parts[0].isNotNull()
    for part in parts[1:]:
        known = known & part.isNotNull()
    return known & (first > 1)


def unreadable(raw_json: Any, path: str, parsed: Any, message: str) -> tuple[Any, str]:
    """A check: the record has a value at the JSON `path` that its schema could not read (a wrong type;
    from_json leaves such a field NULL)."""
    from pyspark.sql import functions as F

    return F.get_json_object(raw_json, path).isNotNull() & parsed.isNull(), message


def split_good_bad(df: Any, reason_col: str = "_reasons") -> tuple[Any, Any]:
    """(rows without reasons, rows with reasons and a `reason` text)."""
    from pyspark.sql import functions as F

    good = df.filter(F.size(reason_col) == 0).drop(reason_col)
    bad = df.filter(F.size(reason_col) > 0).withColumn("reason", F.array_join(reason_col, "; ")).drop(reason_col)
    return good, bad

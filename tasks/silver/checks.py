"""Record checks: each failed check is a reason; a record with reasons goes to quarantine."""

from __future__ import annotations

from typing import Any


def reasons(*checks: tuple[Any, str]) -> Any:
    """An array column of the messages whose condition is true (NULL conditions count as passed)."""
    from pyspark.sql import functions as F

    return F.filter(F.array(*[F.when(cond, F.lit(msg)) for cond, msg in checks]), lambda x: x.isNotNull())


def non_negative_count(raw: Any, name: str) -> tuple[tuple[Any, str], tuple[Any, str], Any]:
    """(non-numeric check, negative check, the value as bigint) for a count given as text."""
    from pyspark.sql import functions as F

    as_number = F.expr(f"try_cast({raw} AS DOUBLE)") if isinstance(raw, str) else raw.try_cast("double")
    raw_col = F.col(raw) if isinstance(raw, str) else raw
    return ((raw_col.isNotNull() & as_number.isNull(), f"non-numeric {name}"),
            (as_number < 0, f"negative {name}"),
            F.when(as_number >= 0, as_number.cast("bigint")))


def split_good_bad(df: Any, reason_col: str = "_reasons") -> tuple[Any, Any]:
    """(rows without reasons, rows with reasons and a `reason` text)."""
    from pyspark.sql import functions as F

    good = df.filter(F.size(reason_col) == 0).drop(reason_col)
    bad = df.filter(F.size(reason_col) > 0).withColumn("reason", F.array_join(reason_col, "; ")).drop(reason_col)
    return good, bad

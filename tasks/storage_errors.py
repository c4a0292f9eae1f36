"""Failures of the lake's storage itself (a full disk, a read-only mount), told in one sentence instead of
a Java stack trace."""

from __future__ import annotations

import errno

_SIGNS = {
    "No space left on device": "the disk is full (No space left on device)",
    "Disk quota exceeded": "the disk quota is used up (Disk quota exceeded)",
    "Read-only file system": "the file system is read-only (Read-only file system)",
    "DELTA_CANNOT_CREATE_LOG_PATH": "a table's directory cannot be created (a read-only lake, or no permission)",
}
_ERRNOS = {
    errno.ENOSPC: _SIGNS["No space left on device"],
    errno.EDQUOT: _SIGNS["Disk quota exceeded"],
    errno.EROFS: _SIGNS["Read-only file system"],
}


class LakeStorageError(OSError):
    """The lake's storage refused a write."""


def storage_problem(exc: BaseException) -> str | None:
    """What is wrong with the storage, if that is why `exc` (or an exception behind it) was raised."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _ERRNOS:
            return _ERRNOS[current.errno]
        text = str(current)
        for sign, problem in _SIGNS.items():
            if sign in text:
                return problem
        current = current.__cause__ or current.__context__
    return None


def explain(exc: BaseException, what: str, where: str) -> LakeStorageError | None:
    """A LakeStorageError saying what could not be written where, or None for any other failure."""
    problem = storage_problem(exc)
    if problem is None:
        return None
    return LakeStorageError(
        f"{what} could not write to {where}: {problem}. Make room or make it writable, then run "
        "again: the next run finalises this one and redoes its window."
    )

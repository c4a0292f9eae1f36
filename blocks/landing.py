"""Landing storage: where raw API response pages are written before Bronze."""

from __future__ import annotations

import abc
import os
from pathlib import Path

from prefect.blocks.core import Block
from pydantic import Field

REPO_ROOT = Path(__file__).resolve().parent.parent


class LandingStorage(Block, abc.ABC):
    """Write and list landing files by relative path; tell Spark where they are."""

    _block_type_name = "Landing Storage"

    @abc.abstractmethod
    def write_bytes(self, relative_path: str, data: bytes) -> str:
        """Write one file; return its full location."""

    @abc.abstractmethod
    def read_bytes(self, relative_path: str) -> bytes: ...

    def write_file(self, relative_path: str, local_path: Path) -> str:
        """Land a local file (e.g. a bulk report of hundreds of MB) without holding it in memory; return its
        full location. Storages that can stream a file override this."""
        return self.write_bytes(relative_path, Path(local_path).read_bytes())

    @abc.abstractmethod
    def list_files(self, prefix: str = "") -> list[str]:
        """Relative paths of the files under `prefix`, sorted."""

    @abc.abstractmethod
    def location(self, relative_path: str = "") -> str:
        """The location Spark jobs read (path or URI)."""

    def describe(self, relative_path: str) -> dict[str, object]:
        """Extra facts about a landed folder for the `youtube.landing.written` event."""
        return {}

    def local_copy(self, relative_path: str, staging_root: Path) -> Path | None:
        """A local folder with the files under `relative_path`, for Spark without access to this storage;
        None when `location()` is already a local path."""
        return None


class LocalLanding(LandingStorage):
    """A local folder (default `.lake/landing` in the repository)."""

    _block_type_name = "Local Landing"
    _block_type_slug = "local-landing"

    root: str = Field(
        default=".lake/landing", description="Folder; relative paths resolve against the repository root."
    )

    def _root(self) -> Path:
        root = Path(self.root).expanduser()
        return root if root.is_absolute() else (REPO_ROOT / root)

    def _path(self, relative_path: str) -> Path:
        path = (self._root() / relative_path).resolve()
        if not str(path).startswith(str(self._root().resolve())):
            raise ValueError(f"landing path escapes the landing root: {relative_path!r}")
        return path

    def write_bytes(self, relative_path: str, data: bytes) -> str:
        path = self._path(relative_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return str(path)

    def write_file(self, relative_path: str, local_path: Path) -> str:
        import shutil

        path = self._path(relative_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        shutil.copyfile(local_path, tmp)
        os.replace(tmp, path)
        return str(path)

    def read_bytes(self, relative_path: str) -> bytes:
        return self._path(relative_path).read_bytes()

    def list_files(self, prefix: str = "") -> list[str]:
        base = self._path(prefix) if prefix else self._root().resolve()
        if not base.exists():
            return []
        root = self._root().resolve()
        return sorted(str(p.relative_to(root)) for p in base.rglob("*") if p.is_file() and not p.name.endswith(".tmp"))

    def location(self, relative_path: str = "") -> str:
        return str(self._path(relative_path)) if relative_path else str(self._root().resolve())

"""Landing storage in S3 through prefect-aws' `S3Bucket` block."""

from __future__ import annotations

import posixpath
from pathlib import Path

from prefect_aws import S3Bucket
from pydantic import Field

from blocks.landing import LandingStorage


class S3Landing(LandingStorage):
    """Landing files as objects `s3://<bucket>/<bucket_folder>/<relative path>`.

    A Databricks cluster reads the run's folder from S3 directly; the local backend first copies the
    run's folder to a staging folder under its lake (`local_copy`), because local Spark has no S3 client jars.
    """

    _block_type_name = "S3 Landing"
    _block_type_slug = "s3-landing"

    bucket: S3Bucket = Field(description="prefect-aws S3Bucket block: bucket name, folder, AWS credentials.")

    def _key(self, relative_path: str) -> str:
        clean = posixpath.normpath(relative_path) if relative_path else ""
        if clean.startswith("..") or clean.startswith("/"):
            raise ValueError(f"landing path escapes the landing root: {relative_path!r}")
        return clean

    def write_bytes(self, relative_path: str, data: bytes) -> str:
        key = self.bucket.write_path(self._key(relative_path), data)
        return f"s3://{self.bucket.bucket_name}/{key}"

    def write_file(self, relative_path: str, local_path: Path) -> str:
        """Upload from disk (boto3 sends large files in parts; nothing is held whole in memory)."""
        key = self.bucket.upload_from_path(local_path, self._key(relative_path))
        return f"s3://{self.bucket.bucket_name}/{key}"

    def read_bytes(self, relative_path: str) -> bytes:
        return self.bucket.read_path(self._key(relative_path))

    def list_files(self, prefix: str = "") -> list[str]:
        folder = self.bucket.bucket_folder.strip("/")
        objects = self.bucket.list_objects(folder=self._key(prefix) if prefix else "")
        cut = len(folder) + 1 if folder else 0
        return sorted(o["Key"][cut:] for o in objects if not o["Key"].endswith("/"))

    def location(self, relative_path: str = "") -> str:
        parts = [p for p in (self.bucket.bucket_folder.strip("/"), self._key(relative_path)) if p]
        return f"s3://{self.bucket.bucket_name}/" + "/".join(parts)

    def describe(self, relative_path: str, max_keys: int = 1000) -> dict[str, object]:
        """The bucket, the key prefix and the keys under it (listed when there are at most `max_keys`)."""
        folder = self.bucket.bucket_folder.strip("/")
        prefix = "/".join(p for p in (folder, self._key(relative_path)) if p)
        keys = [f"{folder}/{name}" if folder else name for name in self.list_files(relative_path)]
        return {
            "bucket": self.bucket.bucket_name,
            "key_prefix": prefix,
            "key_count": len(keys),
            **({"keys": keys} if len(keys) <= max_keys else {}),
        }

    def local_copy(self, relative_path: str, staging_root: Path) -> Path:
        """Copy the objects under `relative_path` to `staging_root/relative_path`; that folder."""
        destination = staging_root / self._key(relative_path)
        destination.mkdir(parents=True, exist_ok=True)
        for name in self.list_files(relative_path):
            target = destination / Path(name).relative_to(self._key(relative_path))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.read_bytes(name))
        return destination

"""An S3-compatible store (AWS S3, MinIO, Ceph, ...) through boto3 (the ``s3`` extra), imported lazily."""

from __future__ import annotations

from typing import Any

from pipelex.errors import ConfigError
from pipelex.storage.protocol import STORAGE_SCHEME, blob_name, name_of


class S3Storage:
    """Content-addressed blobs under ``s3://bucket/prefix/``. Credentials come from the usual AWS sources."""

    def __init__(
        self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None, region: str = "us-east-1"
    ) -> None:
        if not bucket:
            raise ConfigError('[storage] kind = "s3" needs s3_bucket = "<bucket name>" in pipelex.toml')
        try:
            import boto3  # pyright: ignore[reportMissingTypeStubs]  (boto3 ships no type information)
        except ImportError as exc:  # pragma: no cover - boto3 is in the s3 extra
            raise ConfigError("[storage] kind = \"s3\" needs boto3: pip install 'pipelex[s3]'") from exc
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url or None
        # untyped third-party boundary: the client's methods are generated at run time
        self.client: Any = boto3.client(  # pyright: ignore[reportUnknownMemberType]
            "s3", endpoint_url=self.endpoint_url, region_name=region
        )

    def key(self, name: str) -> str:
        """The object key of a blob name (under the prefix)."""
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, data: bytes, mime_type: str | None) -> tuple[str, str]:
        """Upload ``data`` unless a blob with the same content is there; return its URI and ``s3://`` URL."""
        name = blob_name(data, mime_type)
        key = self.key(name)
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=mime_type or "application/octet-stream"
        )
        return f"{STORAGE_SCHEME}{name}", f"s3://{self.bucket}/{key}"

    def get(self, uri: str) -> bytes:
        """Download the blob behind a storage URI."""
        response = self.client.get_object(Bucket=self.bucket, Key=self.key(name_of(uri)))
        return response["Body"].read()

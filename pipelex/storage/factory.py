"""The store a run uses, from ``[storage]`` (``PIPELEX_STORAGE_DIR`` overrides the local folder)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pipelex.storage.protocol import Storage, StorageBounds

_cache: tuple[object, str | None, Storage] | None = None


def storage_for(config: Any) -> Storage:
    """The store of a :class:`~pipelex.config.settings.PipelexConfig` (one per config and storage folder)."""
    global _cache
    env_dir = os.environ.get("PIPELEX_STORAGE_DIR")
    if _cache is not None and _cache[0] is config and _cache[1] == env_dir:
        return _cache[2]
    section = config.storage
    bounds = StorageBounds(max_bytes=section.max_bytes, max_age_seconds=section.max_age_seconds)
    store: Storage
    if section.kind == "s3":
        from pipelex.storage.s3 import S3Storage

        store = S3Storage(
            section.s3_bucket,
            prefix=section.s3_prefix,
            endpoint_url=section.s3_endpoint_url or None,
            region=section.s3_region,
            bounds=bounds,
        )
    else:
        from pipelex.storage.local import LocalStorage

        store = LocalStorage(Path(env_dir or section.local_dir), bounds)
    _cache = (config, env_dir, store)
    return store

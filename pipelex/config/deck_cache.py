"""The default deck, parsed once per installation: a cache of ``models.toml`` as the plain data of a ModelDeck
(``deck.py``'s ``deck_to_data``; this module only keeps bytes, and imports nothing of the deck).

Every command needs the model deck, and the default deck is a 19 kB TOML file validated by pydantic models, then
merged: ~10 ms of every command, for a file that only changes with pipelex itself. Its parsed form is kept in
``$PIPELEX_CACHE_DIR`` (default ``$XDG_CACHE_HOME/pipelex``, ``~/.cache/pipelex``), written with :mod:`marshal`
(plain data only: loading it runs no code, unlike a pickle). The file's name is a digest of ``models.toml``, of
the code that reads it (``deck.py``, ``deck_config.py``, ``model_kinds.py``, this module) and of the Python version, so a change to
any of them reads the TOML again. A cache that cannot be read or written is ignored: the deck is parsed as before.
``PIPELEX_CACHE_DIR=""`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any, cast

_FORMAT = 1  # bump when the encoding below changes
_CODE = ("deck.py", "deck_config.py", "deck_cache.py", "model_kinds.py")


def cache_dir(env: dict[str, str] | None = None) -> Path | None:
    """Where cached data goes; None when ``PIPELEX_CACHE_DIR`` is set empty (no cache)."""
    env = dict(os.environ) if env is None else env
    configured = env.get("PIPELEX_CACHE_DIR")
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pipelex"


def _key(toml: bytes) -> str:
    digest = hashlib.sha256(toml)
    here = Path(__file__).parent
    for name in _CODE:
        digest.update(b"\0" + (here / name).read_bytes())
    digest.update(f"\0{_FORMAT}\0{sys.version_info[:2]}".encode())
    return digest.hexdigest()[:32]


def _path(toml: bytes) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"deck-{_key(toml)}.marshal"


def load(toml: bytes) -> dict[str, Any] | None:
    """The cached data of this ``models.toml``, or None (no cache, not yet written, unreadable, stale)."""
    try:
        path = _path(toml)
        if path is None:
            return None
        data = marshal.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - a missing, partial or foreign file: parse the TOML instead
        return None
    return cast("dict[str, Any]", data) if isinstance(data, dict) else None


def store(toml: bytes, data: dict[str, Any]) -> None:
    """Write the data of the deck parsed from ``models.toml`` (atomically: a reader never sees half a file);
    errors ignored."""
    import tempfile  # (and shutil, bz2, lzma with it): only the command that writes the cache pays for it

    try:
        path = _path(toml)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".deck-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(marshal.dumps(data))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except Exception:  # noqa: BLE001 - a read-only or full disk only costs the next command the TOML parse
        return

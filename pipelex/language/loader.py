"""Reading bundle files from disk: the one place where the language touches the file system."""

from __future__ import annotations

from pathlib import Path

from pipelex.errors import BundleLoadError
from pipelex.language.library import Library, build_library

MAX_FILE_BYTES = 10 * 1024 * 1024


def read_bundle_text(path: Path) -> str:
    """Read one ``.mthds`` file; raise :class:`BundleLoadError` with a readable message on any problem."""
    if not path.exists():
        raise BundleLoadError(f"{path}: no such file; check the path", file=str(path))
    if path.is_dir():
        raise BundleLoadError(f"{path}: is a directory, not a bundle file", file=str(path))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BundleLoadError(
                f"{path}: the file is {size / (1024 * 1024):.0f} MB, over the {MAX_FILE_BYTES // (1024 * 1024)} MB "
                "limit for a bundle: a bundle is a small TOML document, check that this is the right file",
                file=str(path))
        raw = path.read_bytes()
    except OSError as exc:
        raise BundleLoadError(f"{path}: cannot be read ({exc.strerror}); check its permissions",
                              file=str(path)) from exc
    if b"\x00" in raw:
        raise BundleLoadError(f"{path}: holds binary data, not a TOML bundle; check that this is the right file",
                              file=str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleLoadError(f"{path}: is not UTF-8 text (byte {exc.start}); save it as UTF-8",
                              file=str(path)) from exc
    if not text.strip():
        raise BundleLoadError(f"{path}: the file is empty; a bundle needs at least a `domain` and one pipe",
                              file=str(path))
    return text.removeprefix("\ufeff")


def find_bundle_files(path: Path) -> list[Path]:
    """``path`` itself, or every ``.mthds`` file under a directory (sorted)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.mthds") if p.is_file())
        if not files:
            raise BundleLoadError(f"{path}: the directory holds no .mthds file", file=str(path))
        return files
    return [path]


def load_library(paths: list[Path]) -> Library:
    """Read every bundle under ``paths`` into one library."""
    sources: list[tuple[str, str | None]] = []
    for root in paths:
        for file in find_bundle_files(root):
            sources.append((read_bundle_text(file), str(file)))
    return build_library(sources)

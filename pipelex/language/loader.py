"""Reading bundle files from disk: the one place where the language touches the file system."""

from __future__ import annotations

import errno
import os
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

from pipelex.diagnostics import Diagnostic, ErrorType
from pipelex.errors import BundleLoadError
from pipelex.language import toml_text
from pipelex.language.library import Library, build_library
from pipelex.narrowing import wide_encoding
from pipelex.system_paths import opened_real_path, system_root

MAX_FILE_BYTES = 10 * 1024 * 1024
MANIFEST_NAME = "METHODS.toml"  # a package manifest: the folder holding it is a package of its own


class _NotRegularFile(OSError):
    """The path names a device, a pipe, a socket or a folder: nothing a bundle or a manifest is read from."""

    def __init__(self) -> None:
        super().__init__(errno.EINVAL, "not a regular file")


class _SystemFile(OSError):
    """The file's real path lies in a system folder (``/proc``, ``/sys``, ``/dev``): the kernel's views of processes
    and devices, never a bundle (``/proc/self/environ`` holds the provider keys)."""

    def __init__(self, root: str) -> None:
        super().__init__(errno.EACCES, f"it lies in {root}, a system folder, which holds no bundle")
        self.root = root


def _read_regular_file(path: Path) -> tuple[bytes, int]:
    """A regular file's first :data:`MAX_FILE_BYTES` + 1 bytes and its size (the larger of its stated size and what
    was read: a file may grow while it is read), or :class:`_NotRegularFile`.

    The path is checked before the open, then the file is opened without blocking (a named pipe opens at once
    instead of waiting for a writer) and checked again on the open descriptor, so what is read is what was checked:
    a file swapped for a pipe or a device between the two is refused, not read until the end of time."""
    if not stat.S_ISREG(os.stat(path).st_mode):  # refused before any open (opening some devices has effects)
        raise _NotRegularFile
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegularFile
        # the file opened, not the path looked at: a link to /proc/self/environ is a regular file of /proc, and a
        # link switched to it after the look is caught too (as the IO gate checks what it opened)
        root = system_root(opened_real_path(handle.fileno(), path))
        if root is not None:
            raise _SystemFile(root)
        raw = handle.read(MAX_FILE_BYTES + 1)
    return raw, max(info.st_size, len(raw))


def read_bundle_text(path: Path) -> str:
    """Read one ``.mthds`` file; raise :class:`BundleLoadError` with a readable message on any problem."""
    if not path.exists():
        raise BundleLoadError(f"{path}: no such file; check the path", file=str(path))
    if path.is_dir():
        raise BundleLoadError(f"{path}: is a directory, not a bundle file", file=str(path))
    try:
        raw, size = _read_regular_file(path)
    except _SystemFile as exc:
        raise BundleLoadError(
            f"{path}: {exc.strerror}; give a .mthds file of your own", file=str(path)
        ) from exc
    except _NotRegularFile as exc:  # /dev/zero, a named pipe: a read that never ends
        raise BundleLoadError(
            f"{path}: is not a regular file (a device, a pipe or a socket); give a .mthds file",
            file=str(path),
        ) from exc
    except OSError as exc:
        raise BundleLoadError(
            f"{path}: cannot be read ({exc.strerror}); check its permissions", file=str(path)
        ) from exc
    if size > MAX_FILE_BYTES:
        raise BundleLoadError(
            f"{path}: the file is {size / (1024 * 1024):.0f} MB, over the {MAX_FILE_BYTES // (1024 * 1024)} MB "
            "limit for a bundle: a bundle is a small TOML document, check that this is the right file",
            file=str(path),
        )
    wide = wide_encoding(raw)
    if wide is not None:
        raise BundleLoadError(
            f"{path}: is {wide} text, not UTF-8; save it as UTF-8"
            + (" (PowerShell's `>` and some Windows editors write UTF-16)" if wide == "UTF-16" else ""),
            file=str(path),
        )
    if b"\x00" in raw:
        raise BundleLoadError(
            f"{path}: holds binary data, not a TOML bundle; check that this is the right file", file=str(path)
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleLoadError(
            f"{path}: is not UTF-8 text (byte {exc.start}); save it as UTF-8", file=str(path)
        ) from exc
    if not text.strip():
        raise BundleLoadError(
            f"{path}: the file is empty; a bundle needs at least a `domain` and one pipe", file=str(path)
        )
    return text  # a byte-order mark stays: it is not TOML, the parser says so


def _shown_path(path: Path) -> str:
    """A path as a message quotes it, cut past 200 characters (a 100,000-character name is no file's)."""
    text = str(path)
    return text if len(text) <= 200 else text[:197] + "..."


def find_bundle_files(path: Path) -> list[Path]:
    """``path`` itself, or the ``.mthds`` files of the method rooted at a directory (sorted).

    A sub-folder holding its own ``METHODS.toml`` is another package: its bundles are not part of this
    method and are not merged into it. Hidden files and folders (``.git``, ``.venv``...) are not part of it
    either. A folder that holds only packages has no bundle of its own: the error names the packages.
    A path holding a NUL byte (no file system has one; an MCP client may send it) is a :class:`BundleLoadError`.
    """
    if "\x00" in str(path):  # os.stat and realpath raise a bare ValueError on it
        raise BundleLoadError(
            f"{str(path)!r}: a path cannot hold a NUL character; give the path of a .mthds file or folder",
            file=str(path).replace("\x00", "\\x00"),
        )
    try:
        is_dir = path.is_dir()
    except OSError as exc:  # a name too long for the file system (an MCP client may send any text as a path)
        raise BundleLoadError(
            f"{_shown_path(path)}: cannot be read ({exc.strerror}); give the path of a .mthds file or folder",
            file=_shown_path(path),
        ) from None
    if not is_dir:
        return [path]
    _refuse_system_folder(path)
    files: list[Path] = []
    packages: list[Path] = []
    _walk_method_tree(path, path, files, packages)
    if not files:
        if packages:
            names = ", ".join(str(p.relative_to(path)) for p in packages)
            raise BundleLoadError(
                f"{path}: holds no bundle of its own: its sub-folders {names} are separate packages (each has a "
                f"{MANIFEST_NAME}), and packages are not merged into one library; validate or run each package "
                f"on its own, e.g. `pipelex validate bundle {packages[0]}`",
                file=str(path),
            )
        raise BundleLoadError(f"{path}: the directory holds no .mthds file", file=str(path))
    return sorted(files)


def nested_packages(path: Path) -> list[Path]:
    """The sub-folders of ``path`` that are packages of their own (each has a ``METHODS.toml``), outermost only."""
    files: list[Path] = []
    packages: list[Path] = []
    if path.is_dir():
        _walk_method_tree(path, path, files, packages)
    return packages


def _refuse_system_folder(folder: Path) -> None:
    """A folder to walk for bundles that is the whole file system or a pseudo file system is refused."""
    try:
        resolved = folder.resolve()
    except (OSError, RuntimeError):
        return  # the walk says what is wrong with it
    if resolved == Path(resolved.anchor) or system_root(str(resolved)) is not None:
        raise BundleLoadError(
            f"{folder}: refusing to search it for bundles (it is the whole file system or a system folder); "
            "give the folder that holds your .mthds files",
            file=str(folder),
        )


def _walk_method_tree(root: Path, folder: Path, files: list[Path], packages: list[Path]) -> None:
    """Collect the bundles and the packages under ``folder``, depth first in name order. Iterative: a folder tree
    thousands of levels deep (a cloned folder someone made so) is walked like any other, where recursing ended the
    command with "the data nests too deeply" and no file named."""
    pending: list[Iterator[Path]] = [iter(_listed(folder))]
    while pending:
        child = next(pending[-1], None)
        if child is None:
            pending.pop()
            continue
        if child.name.startswith("."):
            continue
        try:
            if child.is_dir() and not child.is_symlink():
                if (child / MANIFEST_NAME).is_file():
                    packages.append(child)
                else:
                    pending.append(iter(_listed(child)))
            elif child.suffix == ".mthds" and child.is_file():
                files.append(child)
        except OSError as exc:  # a child that cannot even be looked at (permission denied on its folder)
            raise BundleLoadError(
                f"{child}: cannot be read ({exc.strerror}); check its permissions", file=str(child)
            ) from exc


def _listed(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        raise BundleLoadError(
            f"{folder}: cannot be listed ({exc.strerror}); check its permissions", file=str(folder)
        ) from exc


def load_library(paths: list[Path]) -> Library:
    """Read every bundle under ``paths`` into one library; a file reached twice (given as the bundle and found
    again in a library folder, or through a symlink) is read once."""
    sources: list[tuple[str, str | None]] = []
    seen: set[Path] = set()
    for root in paths:
        for file in find_bundle_files(root):
            try:
                identity = file.resolve()
            except (OSError, RuntimeError):  # a symlink loop: read_bundle_text says what is wrong with it
                identity = file.absolute()
            if identity in seen:
                continue
            seen.add(identity)
            sources.append((read_bundle_text(file), str(file)))
    library = build_library(sources)
    library.diagnostics.extend(_manifest_problems(paths))
    return library


def _manifests(root: Path) -> list[Path]:
    """The package manifests read with ``root``: a folder's own and its packages' (the reference reads each one
    for its exclude patterns), or, for a file, the manifest of the package holding it (its folder or the nearest
    folder above it with one)."""
    if root.is_dir():
        found = [root / MANIFEST_NAME] if (root / MANIFEST_NAME).is_file() else []
        found += [package / MANIFEST_NAME for package in nested_packages(root)]
        return found
    for folder in root.absolute().parents:
        if (folder / MANIFEST_NAME).is_file():
            return [folder / MANIFEST_NAME]
    return []


class _ManifestTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _read_manifest(manifest: Path) -> str:
    """A manifest's text, read as a bundle is (:func:`_read_regular_file`): a manifest is found in every folder
    above a bundle, so a huge or sparse `METHODS.toml` planted there, in a shared `/tmp` or a cloned folder, must
    not be read whole, nor a link to a device or a pipe followed into a read."""
    raw, size = _read_regular_file(manifest)
    if size > MAX_FILE_BYTES:
        raise _ManifestTooLarge(size)
    return raw.decode("utf-8")


def _manifest_problems(paths: list[Path]) -> list[Diagnostic]:
    """A manifest that is not valid TOML makes the method invalid (``package_invalid``, as in the reference);
    what it declares is not checked (pipelex does not resolve package dependencies yet)."""
    problems: list[Diagnostic] = []
    seen: set[Path] = set()
    for root in paths:
        for manifest in _manifests(root):
            if manifest in seen:
                continue
            seen.add(manifest)
            try:
                toml_text.loads(_read_manifest(manifest))
            except _ManifestTooLarge as exc:
                problems.append(
                    Diagnostic(
                        error_type=ErrorType.PACKAGE_INVALID,
                        file=str(manifest),
                        message=f"{manifest}: the package manifest is {exc.size / (1024 * 1024):.0f} MB, over the "
                        f"{MAX_FILE_BYTES // (1024 * 1024)} MB limit for a manifest: a manifest is a small TOML "
                        "document, check that this is the right file",
                    )
                )
            except RecursionError:  # nested past what a TOML reader follows, or a key of too many parts
                problems.append(
                    Diagnostic(
                        error_type=ErrorType.PACKAGE_INVALID,
                        file=str(manifest),
                        message=f"{manifest}: the package manifest nests too deeply to be read: flatten its tables",
                    )
                )
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(
                    Diagnostic(
                        error_type=ErrorType.PACKAGE_INVALID,
                        file=str(manifest),
                        message=f"{manifest}: the package manifest cannot be read ({exc}): fix or remove it",
                    )
                )
            except tomllib.TOMLDecodeError as exc:
                problems.append(
                    Diagnostic(
                        error_type=ErrorType.PACKAGE_INVALID,
                        file=str(manifest),
                        line=getattr(exc, "lineno", None),
                        message=f"{manifest}: the package manifest is not valid TOML ({exc}): fix the TOML at "
                        "that place, or remove the file if this folder is not a package",
                    )
                )
    return problems

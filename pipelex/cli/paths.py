"""Checks of the paths and numbers given on the command line, made before any work starts.

Each check returns the usable value or raises :class:`~pipelex.errors.UsageError` with one line naming the
argument, what is wrong with it and what to give instead (the CLI exits with code 2). Nothing here writes but
:func:`write_output`, the one way the CLI writes a file a user or a folder names.

System folders are refused wherever a path is read or written: ``/`` as a folder to walk, and anything under
``/proc``, ``/sys`` or ``/dev`` (pseudo file systems: walking them never ends well, and writing there is never
what a user of pipelex means).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pipelex.errors import ConfigError, UsageError
from pipelex.system_paths import system_root

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_NAME_BYTES = 255  # one path component (NAME_MAX on Linux, macOS and Windows file systems)
MAX_PATH_BYTES = 4096  # a whole path (PATH_MAX on Linux)
MAX_INPUTS_FILE_BYTES = 100 * 1024 * 1024  # an inputs file holds a few data URLs at most
MAX_GRAPH_FILE_BYTES = 512 * 1024 * 1024  # a saved graph.json of a 10,000-item batch is ~30 MB
MAX_PORT = 65535


def _clean(raw: str, flag: str) -> Path:
    """The text of a path argument as a Path, or a UsageError if no file system could hold it."""
    if not raw.strip():
        raise UsageError(f"{flag}: the path is empty; give a file or folder path")
    if "\x00" in raw:
        raise UsageError(f"{flag} {raw!r}: a path cannot hold a NUL character")
    try:
        encoded = os.fsencode(raw)
    except UnicodeError as exc:
        raise UsageError(f"{flag} {raw!r}: the path cannot be encoded for the file system ({exc})") from exc
    if len(encoded) > MAX_PATH_BYTES:
        raise UsageError(
            f"{flag}: the path is {len(encoded)} bytes long, over the {MAX_PATH_BYTES}-byte limit of "
            "the file system; give a shorter path"
        )
    if any(len(part) > MAX_NAME_BYTES for part in encoded.split(b"/")):
        raise UsageError(
            f"{flag} {raw!r}: a name in the path is over {MAX_NAME_BYTES} bytes, the limit of the file "
            "system; give a shorter name"
        )
    return Path(raw)


def _resolved(path: Path, flag: str) -> Path:
    try:
        return path.resolve()
    except (RuntimeError, OSError) as exc:  # a symlink loop (RuntimeError on 3.11), an unreadable link
        raise UsageError(
            f"{flag} {str(path)!r}: the path cannot be resolved ({exc}); check its symlinks"
        ) from exc


def _refuse_system(path: Path, flag: str, *, walking: bool = False) -> Path:
    """``path`` resolved, unless it is a system folder (or ``/`` for a folder to walk)."""
    resolved = _resolved(path, flag)
    if walking and resolved == Path(resolved.anchor):
        raise UsageError(
            f"{flag} {str(path)!r}: refusing to search the whole file system for bundles; give the "
            "folder that holds your .mthds files"
        )
    root = system_root(str(resolved))
    if root is not None:
        raise UsageError(
            f"{flag} {str(path)!r}: {root} is a system folder, not a place for pipelex files; give a path of your own"
        )
    return resolved


def _stat(path: Path, flag: str) -> os.stat_result | None:
    """The path's status, None when it does not exist."""
    try:
        return path.stat()
    except FileNotFoundError:
        return None
    except NotADirectoryError as exc:
        parent = next((p for p in path.parents if p.is_file()), path.parent)
        raise UsageError(f"{flag} {str(path)!r}: {str(parent)!r} is a file, not a folder") from exc
    except PermissionError as exc:
        raise UsageError(
            f"{flag} {str(path)!r}: permission denied; check the permissions of its folders"
        ) from exc
    except OSError as exc:
        raise UsageError(f"{flag} {str(path)!r}: cannot be accessed ({exc.strerror})") from exc


def _writable_folder(folder: Path, flag: str, shown: str) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(
            f"{flag} {shown!r}: the folder {str(folder)!r} is not writable (permissions or a read-only "
            "file system); give a folder you can write to"
        )


def _nearest_existing(path: Path, flag: str, shown: str) -> Path:
    """The nearest ancestor of ``path`` that exists; it must be a folder, the rest can then be created."""
    for ancestor in path.parents:
        info = _stat(ancestor, flag)
        if info is None:
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise UsageError(
                f"{flag} {shown!r}: {str(ancestor)!r} is a file, so no folder can be created under "
                "it; give another path"
            )
        return ancestor
    raise UsageError(f"{flag} {shown!r}: no existing folder above it")  # pragma: no cover - the root exists


def output_dir(raw: str, flag: str = "-o/--output-dir") -> Path:
    """A folder that exists and is writable, or that can be created under a writable folder."""
    path = _clean(raw, flag)
    resolved = _refuse_system(path, flag)
    info = _stat(resolved, flag)
    if info is not None:
        if not stat.S_ISDIR(info.st_mode):
            raise UsageError(
                f"{flag} {raw!r}: it exists and is not a folder; give a folder (it is created if missing)"
            )
        _writable_folder(resolved, flag, raw)
    else:
        _writable_folder(_nearest_existing(resolved, flag, raw), flag, raw)
    return path


def refuse_link(path: Path, flag: str, shown: str | None = None) -> None:
    """A UsageError if ``path`` itself is a symbolic link (a dangling one too). A file pipelex writes is never
    written through a link: a folder someone else made (a shared run folder, a cloned repository) may hold
    ``graph.html`` or ``pipelex.toml.bak`` linking to ``~/.bashrc``, and a dangling link passes every check of an
    existing file while the write creates its target wherever it points."""
    if os.path.islink(path):
        raise UsageError(
            f"{flag} {shown or str(path)!r}: it is a symbolic link; pipelex does not write through links "
            "(it could replace the file it points to): remove the link or give another path"
        )


def open_output(path: Path, *, replace: bool) -> BinaryIO:
    """``path`` opened to write bytes, never through a symbolic link (``O_NOFOLLOW``) and, unless ``replace``, never
    over a file that appeared since the checks (``O_EXCL``): what :func:`output_file` checked is what is written.
    A link or a file found there now is a UsageError; other failures (a full folder) raise ``OSError``."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_TRUNC if replace else os.O_EXCL
    try:
        fd = os.open(path, flags, 0o666)
    except FileExistsError as exc:
        refuse_link(path, "the output")
        raise UsageError(
            f"the output {str(path)!r}: a file appeared there since it was checked; nothing was written over it"
        ) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            refuse_link(path, "the output")
        raise
    return os.fdopen(fd, "wb")


def write_output(path: Path, data: bytes | str, *, replace: bool) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` as :func:`open_output` opens it.

    A write that fails (a full disk, a quota) is a ConfigError naming the file and the system's reason, and leaves
    no truncated file behind (an empty ``schema.json`` read as the schema later)."""
    out = open_output(path, replace=replace)
    try:
        with out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        raise ConfigError(
            f"{str(path)!r} cannot be written ({exc.strerror or exc}); nothing was kept of it: free some space or "
            "give another path"
        ) from exc


def output_file(raw: str, flag: str = "-o/--output", *, force: bool = False) -> Path:
    """A file path whose folder exists and is writable, that is not a symbolic link. An existing regular file is
    replaced only with ``force`` (every file a user names for a command to write, ``--force`` on that command): a
    typo in ``-o`` must not silently replace a file the user made (filled-in inputs, a document). Write it with
    :func:`write_output`."""
    path = _clean(raw, flag)
    refuse_link(path, flag, raw)
    resolved = _refuse_system(path, flag)
    info = _stat(resolved, flag)
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(
                f"{flag} {raw!r}: it is a folder; give a file path (e.g. {str(path / 'graph.html')!r})"
            )
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{flag} {raw!r}: it exists and is not a regular file; give a file path")
        if not force:
            raise UsageError(
                f"{flag} {raw!r}: the file already exists: pass --force to replace it, or give another file name"
            )
        if not os.access(resolved, os.W_OK):
            raise UsageError(f"{flag} {raw!r}: the file is not writable; give another path")
        return path
    parent_info = _stat(resolved.parent, flag)
    if parent_info is None:
        raise UsageError(
            f"{flag} {raw!r}: the folder {str(resolved.parent)!r} does not exist; create it first or "
            "give another path"
        )
    if not stat.S_ISDIR(parent_info.st_mode):
        raise UsageError(f"{flag} {raw!r}: {str(resolved.parent)!r} is a file, not a folder")
    _writable_folder(resolved.parent, flag, raw)
    return path


def refuse_overwriting_a_source(out: Path, flag: str, raw: str, *, sources: Iterable[Path]) -> None:
    """A UsageError if ``out`` is a file the command reads (``sources``: the bundle, the inputs file, the graph,
    the ``-L`` files and folders), or a ``.mthds`` file inside a ``-L`` folder: ``--force`` means "replace the file
    I name", never "replace my bundle (or my inputs) with what was made from it", and a JSON written there would
    break the next load of the library."""
    try:
        resolved = out.resolve()
    except (OSError, RuntimeError):  # output_file checked it already
        return
    for source in sources:
        try:
            if resolved.exists() and os.path.samefile(resolved, source):
                raise UsageError(
                    f"{flag} {raw!r}: it is {str(source)!r}, a file this command reads; writing there would "
                    "replace it: give another file"
                )
            folder = source.resolve()
        except (OSError, RuntimeError):
            continue
        if resolved.suffix == ".mthds" and folder.is_dir() and folder in resolved.parents:
            raise UsageError(
                f"{flag} {raw!r}: it is a .mthds file of the library folder {str(source)!r}; writing JSON there "
                "would replace a bundle or break the next load of the library: give another file"
            )


def input_file(raw: str, flag: str, *, max_bytes: int, what: str = "file") -> Path:
    """An existing, readable regular file of at most ``max_bytes``."""
    path = _clean(raw, flag)
    resolved = _refuse_system(path, flag)
    info = _stat(resolved, flag)
    if info is None:
        raise UsageError(f"{flag} {raw!r}: no such {what}; check the path")
    a_what = f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{flag} {raw!r}: it is a folder; give {a_what}")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{flag} {raw!r}: not a regular file; give {a_what}")
    if not os.access(resolved, os.R_OK):
        raise UsageError(f"{flag} {raw!r}: the file is not readable; check its permissions")
    if info.st_size > max_bytes:
        raise UsageError(
            f"{flag} {raw!r}: the file is {info.st_size / 2**20:.0f} MB, over the "
            f"{max_bytes // 2**20} MB limit for {a_what}"
        )
    return path


def bundle_file(raw: str, flag: str = "PATH") -> Path:
    """The one ``.mthds`` file a command runs (a folder is refused: it would be walked as a library)."""
    path = _clean(raw, flag)
    resolved = _refuse_system(path, flag)
    info = _stat(resolved, flag)
    if info is None:
        raise UsageError(f"{flag} {raw!r}: no such file; give the .mthds file to run")
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(
            f"{flag} {raw!r}: it is a folder; give the .mthds file to run (pass a folder of bundles "
            "it depends on with -L)"
        )
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{flag} {raw!r}: not a regular file; give the .mthds file to run")
    return path


def library_path(raw: str, flag: str = "-L/--library-dir") -> Path:
    """A ``.mthds`` file or a folder searched for them (not ``/``, not a system folder)."""
    path = _clean(raw, flag)
    resolved = _refuse_system(path, flag, walking=True)
    info = _stat(resolved, flag)
    if info is None:
        raise UsageError(f"{flag} {raw!r}: no such file or folder; check the path")
    if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
        raise UsageError(f"{flag} {raw!r}: neither a .mthds file nor a folder")
    if stat.S_ISDIR(info.st_mode) and not os.access(resolved, os.R_OK | os.X_OK):
        raise UsageError(f"{flag} {raw!r}: the folder is not readable; check its permissions")
    return path


# ---------------------------------------------------------------------------------------------------- argparse types
def port(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    value = _integer(text, "a port")
    if not 1 <= value <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to {MAX_PORT}")
    return value


def host_port(text: str) -> str:
    """An argparse type: a server address ``host:port`` (a name, an IPv4 address, or ``[IPv6]``)."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not host or re.fullmatch(r"\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+", host) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a host:port address (e.g. 127.0.0.1:7233)")
    port(port_text)
    return text.strip()


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1 (and at most a million, beyond which it is a typo)."""
    value = _integer(text, "a count")
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range: give a number from 1 to 1000000")
    return value


def _integer(text: str, what: str) -> int:
    stripped = text.strip()
    if re.fullmatch(r"[+-]?[0-9]{1,12}", stripped) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}: give a whole number")
    return int(stripped)


def listen_address(host: str, port_number: int, flag: str = "--host/--port") -> None:
    """Check that a server can listen on ``host:port`` now (the name resolves to a local interface, the port is
    free), by binding a socket as the server will and closing it. A server may still lose a race for the port."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port_number, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(
            f"{flag} {host}:{port_number}: the host name does not resolve ({exc}); give an address of "
            "this machine, e.g. 127.0.0.1"
        ) from exc
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            sock.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"{flag} {host}:{port_number}: the port is already in use; choose another --port or "
                "stop what listens there"
            ) from exc
        if exc.errno == errno.EADDRNOTAVAIL:
            raise UsageError(
                f"{flag} {host}:{port_number}: {host} is not an address of this machine; give one of "
                "its addresses, e.g. 127.0.0.1"
            ) from exc
        if exc.errno == errno.EACCES:
            raise UsageError(
                f"{flag} {host}:{port_number}: permission denied (ports below 1024 need privileges); "
                "choose a port above 1024"
            ) from exc
        raise UsageError(f"{flag} {host}:{port_number}: cannot listen there ({exc.strerror})") from exc

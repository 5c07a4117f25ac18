"""The system folders: where no file of a user's lies, so pipelex never reads, walks or writes there.

``/proc`` and ``/sys`` are pseudo file systems, the kernel's views of processes and settings (a process's
environment, ``/proc/self/environ``, holds the provider keys); ``/dev`` holds devices (and ``/dev/shm`` scratch
files). One list for the three places that check a path against it: the IO policy (a document a run reads), the
loader (a bundle, a manifest, a folder walked for bundles) and the CLI's arguments.
"""

import os

SYSTEM_ROOTS = ("/proc", "/sys", "/dev")


def system_root(real_path: str) -> str | None:
    """The system folder a real (resolved) path lies in, or None."""
    return next(
        (root for root in SYSTEM_ROOTS if real_path == root or real_path.startswith(root + "/")), None
    )


def opened_real_path(fd: int, path: str | os.PathLike[str]) -> str:
    """The real path of the file open as ``fd`` (the kernel's word on Linux), else ``path``'s real path now: what a
    read is checked against, so a link switched to ``/proc/self/environ`` after a look at the path is still caught."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)

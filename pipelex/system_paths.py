"""The system folders: where no file of a user's lies, so pipelex never reads, walks or writes there.

``/proc`` and ``/sys`` are pseudo file systems, the kernel's views of processes and settings (a process's
environment, ``/proc/self/environ``, holds the provider keys); ``/dev`` holds devices (and ``/dev/shm`` scratch
files). One list for the three places that check a path against it: the IO policy (a document a run reads), the
loader (a bundle, a manifest, a folder walked for bundles) and the CLI's arguments.
"""

SYSTEM_ROOTS = ("/proc", "/sys", "/dev")


def system_root(real_path: str) -> str | None:
    """The system folder a real (resolved) path lies in, or None."""
    return next(
        (root for root in SYSTEM_ROOTS if real_path == root or real_path.startswith(root + "/")), None
    )

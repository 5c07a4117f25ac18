from __future__ import annotations

import pytest

from pipelex.system_paths import system_root


@pytest.mark.parametrize(
    ("real_path", "root"),
    [
        ("/proc", "/proc"),
        ("/proc/self/environ", "/proc"),
        ("/sys/kernel/mm", "/sys"),
        ("/dev/shm/x.mthds", "/dev"),
        ("/process/x", None),  # a folder whose name starts like one is not it
        ("/devices", None),
        ("/home/u/proc/x", None),
        ("/", None),
    ],
)
def test_system_root_is_the_folder_a_real_path_lies_in(real_path: str, root: str | None) -> None:
    assert system_root(real_path) == root

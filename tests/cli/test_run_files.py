"""The JSON files of a run folder: written member by member, the bytes of the whole document's indented JSON."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from pipelex.cli.commands import (  # pyright: ignore[reportPrivateUsage]
    _json_text,
    _memory_document,
    _write_json,
    results_write_advice,
)
from pipelex.concepts.natives import JSONContent, ListContent, NumberContent, TextContent
from pipelex.memory.stuff import Absence, Stuff, WorkingMemory


def _memory() -> WorkingMemory:
    memory = WorkingMemory.with_inputs(
        {
            "note": Stuff.of("note", "native.Text", TextContent(text='naïve → ✓\n"quoted" </script>')),
            "empty": Stuff.of("empty", "native.Text", TextContent(text="")),
        }
    )
    items = [TextContent(text=f"item {i}\nline two") for i in range(3)]
    memory.store("listed", Stuff.of("listed", "native.Text", ListContent(items=items)))
    memory.store("nothing", Stuff.of("nothing", "native.Text", ListContent(items=[])))
    memory.store("number", Stuff.of("number", "native.Number", NumberContent(number=2.5)))
    memory.store(
        "data", Stuff.of("data", "native.JSON", JSONContent(json_obj={"a": [1, {"b": None}], "c": {}}))
    )
    memory.store(
        "gone",
        Absence(variable_name="gone", kind="skipped", reason="an input was absent", producing_pipe="p"),
    )
    return memory


@pytest.mark.parametrize(
    "data",
    [
        _memory_document(_memory()),
        _memory_document(WorkingMemory.with_inputs({})),
        TextContent(text="main → output"),
        {"absent": True, "variable_name": "x", "nested": {"deeper": {"deepest": [1, 2, {}]}}, "empty": {}},
        {},
        [],
    ],
)
def test_a_file_is_the_indented_json_of_its_document(tmp_path: Path, data: Any) -> None:
    path = tmp_path / "doc.json"
    _write_json(path, data)
    assert path.read_bytes() == _json_text(data).encode("utf-8")


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        (errno.ENOSPC, "free some space"),
        (errno.EDQUOT, "free some space"),
        (errno.ENOENT, "removed or replaced during the run"),
        (errno.ENOTDIR, "removed or replaced during the run"),
        (errno.EROFS, "give a writable folder"),
        (errno.EACCES, "give a writable folder"),
        (errno.EIO, "give another folder with -o"),
    ],
)
def test_a_run_folder_that_cannot_be_written_gets_advice_fitting_the_reason(code: int, advice: str) -> None:
    """The advice was "free some space" whatever the reason, also for a results folder removed during the run."""
    text = results_write_advice(OSError(code, os.strerror(code)))
    assert advice in text
    assert ("space" in text) == (code in (errno.ENOSPC, errno.EDQUOT))

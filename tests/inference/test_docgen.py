"""The local DOCX and XLSX writers (``pipelex.inference.live.docgen``) given what a model may answer.

Fourteenth hostile pass: a text holding a character XML 1.0 cannot carry (an ANSI escape from a model's answer, a NUL,
U+FFFE) was written into the package as it was: the run succeeded and its .docx or .xlsx was a file Word and Excel
refuse as corrupt (no XML reader parses it). A text making more cells in a row than an xlsx sheet has columns made a
sheet Excel refuses too; it is now a pipe error saying so. A PDF of one long paragraph (a model's answer, a 1 MB
template output) held the run for minutes in reportlab; it is now given in bounded pieces.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any
from xml.dom import minidom

import pytest

from pipelex.errors import PipeRunError
from pipelex.inference.jobs import DocGenJob
from pipelex.inference.live.docgen import (
    MAX_SHEET_COLUMNS,
    PDF_PIECE_CHARS,
    _pieces,
    render_document,
    render_docx,
    render_pdf,
    render_xlsx,
)

HOSTILE = "clip \x1b]52;c;ZWNobw==\x07 nul \x00 bell \x07 \x0e\x1f and \ufffe\uffff | tab\tkept"


def _parts(package: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


@pytest.mark.parametrize("render", [render_docx, render_xlsx])
def test_every_part_is_well_formed_xml_whatever_the_text_holds(render: Callable[[str], bytes]) -> None:
    for name, xml in _parts(render(HOSTILE + "\n\n<b>&amp;</b> ok")).items():
        minidom.parseString(xml)  # raises on a character XML cannot carry
        assert "\x1b" not in xml and "\x00" not in xml, name
    texts = "".join(_parts(render(HOSTILE)).values())
    assert "ZWNobw==" in texts and "kept" in texts  # the printable text stays


def test_a_row_wider_than_a_sheet_is_a_pipe_error() -> None:
    job = DocGenJob.model_construct(
        pipe_code="table", format="xlsx", filename="t.xlsx", text="|".join(["x"] * (MAX_SHEET_COLUMNS + 1))
    )
    with pytest.raises(PipeRunError, match="columns of an xlsx sheet"):
        render_document(job)
    job = DocGenJob.model_construct(
        pipe_code="table", format="xlsx", filename="t.xlsx", text="|".join(["x"] * MAX_SHEET_COLUMNS)
    )
    assert render_document(job)[0].startswith(b"PK")


@pytest.mark.parametrize(
    "text",
    [
        "word "
        * 200_000,  # one paragraph of 1 MB: minutes before, each split across pages wrapped the rest again
        ("x" * 5_000 + " ") * 40,  # words wider than the page: reportlab breaks them a character at a time
        "x" * 100_000,
        ("a line\n" * 3_000) + "end",
    ],
    ids=["long-paragraph", "long-words", "one-word", "many-lines"],
)
def test_a_pdf_gives_reportlab_no_paragraph_past_the_piece_bound(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cost is reportlab's, quadratic in a paragraph's length: the bound is checked on what it is given (no timing),
    and every character of the text but the blanks at a cut is still there, in order."""
    import reportlab.platypus

    given: list[str] = []
    build = reportlab.platypus.SimpleDocTemplate.build

    def recorded(document: Any, story: list[Any], *args: Any, **kwargs: Any) -> Any:
        given.extend(f.text for f in story if isinstance(f, reportlab.platypus.Paragraph))
        longest = max(len(t.replace("<br/>", "")) for t in given)
        assert longest <= PDF_PIECE_CHARS, (
            f"a paragraph of {longest} characters"
        )  # before reportlab works on it
        return build(document, story, *args, **kwargs)

    monkeypatch.setattr(reportlab.platypus.SimpleDocTemplate, "build", recorded)
    assert render_pdf(text, title="t").startswith(b"%PDF")
    assert "".join(given).replace("<br/>", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_pieces_keep_a_short_block_whole() -> None:
    assert _pieces(["Hello", "world"]) == [["Hello", "world"]]
    assert _pieces([""]) == [[""]]

"""Live document generation, local and key-free: PDF with reportlab; DOCX and XLSX written as plain Office Open
XML packages (one paragraph per text paragraph; one row per line, cells split on tabs or ``|``). PPTX is not
supported: a clear error says so.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

from pipelex.errors import DRY_RUN_FIX, PipeRunError
from pipelex.inference.jobs import DocGenJob

MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render_document(job: DocGenJob) -> tuple[bytes, str]:
    """The bytes and MIME type of the document ``job`` asks for."""
    match job.format:
        case "pdf":
            return render_pdf(job.text, title=job.title or job.filename.rsplit(".", 1)[0]), MIME_TYPES["pdf"]
        case "docx":
            return render_docx(job.text), MIME_TYPES["docx"]
        case "xlsx":
            try:
                return render_xlsx(job.text), MIME_TYPES["xlsx"]
            except SheetTooLargeError as exc:
                raise PipeRunError(
                    f"pipe {job.pipe_code!r}: {exc}: generate a shorter table, or choose another format",
                    pipe_code=job.pipe_code,
                ) from None
        case _:
            raise PipeRunError(
                f"pipe {job.pipe_code!r}: document format {job.format!r} is not supported in this "
                f"build (supported: pdf, docx, xlsx): change `format`, or {DRY_RUN_FIX}",
                pipe_code=job.pipe_code,
                error_type="doc_gen_format_not_supported",
            )


def _paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]


def render_pdf(text: str, *, title: str) -> bytes:
    """A PDF (A4) of the text, one paragraph per blank-line-separated block; same text, same bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, invariant=1)
    styles = getSampleStyleSheet()
    story: list[object] = []
    for block in _paragraphs(text) or [" "]:
        style = styles["Heading2"] if block.startswith("#") else styles["BodyText"]
        for piece in _pieces(block.lstrip("# ").splitlines()):
            story.append(Paragraph("<br/>".join(escape(line) for line in piece), style))
        story.append(Spacer(1, 6))
    document.build(story)  # pyright: ignore[reportArgumentType]
    return buffer.getvalue()


PDF_PIECE_CHARS = 2_000
"""The most characters one reportlab paragraph is given. reportlab wraps a paragraph again from the start each time it
splits it across pages, and breaks a word wider than the page a character at a time: a model's answer of one
paragraph of 40,000 words took 13 s, one of 1 MB minutes (a template may make 1 MB), a 200 KB text of 5,000-character
words 28 s. A longer block is given as consecutive paragraphs of at most this many characters (cut after a line, else
at a blank, else inside the word: :data:`PDF_WORD_CHARS`), so the work is linear in the text."""


PDF_WORD_CHARS = 200
"""Where a word longer than a piece is cut (reportlab breaks a word wider than the page at its width anyway; it does so
a character at a time, so a long cut costs: a 1 MB word took 13 s in 2,000-character cuts)."""


def _pieces(lines: list[str]) -> list[list[str]]:
    """The lines of a block in pieces of at most :data:`PDF_PIECE_CHARS` characters (a longer line cut first)."""
    segments: list[str] = []
    for line in lines:
        while len(line) > PDF_PIECE_CHARS:
            cut = line.rfind(" ", 0, PDF_PIECE_CHARS)
            cut = cut if cut > 0 else PDF_WORD_CHARS
            segments.append(line[:cut])
            line = line[cut:].lstrip(" ")
        segments.append(line)
    pieces: list[list[str]] = [[]]
    size = 0
    for segment in segments:
        if pieces[-1] and size + len(segment) > PDF_PIECE_CHARS:
            pieces.append([])
            size = 0
        pieces[-1].append(segment)
        size += len(segment) + 1
    return pieces


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)


# characters XML 1.0 cannot carry (C0 controls but tab and line breaks, U+FFFE, U+FFFF, lone surrogates): a model's
# answer or an input holding one (an ANSI escape, a NUL) made a .docx or .xlsx Word and Excel refuse as corrupt
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAX_SHEET_ROWS = 1_048_576  # an xlsx sheet's rows and columns (Excel's limits: past them the file is refused)
MAX_SHEET_COLUMNS = 16_384


class SheetTooLargeError(ValueError):
    """The text makes more rows or cells in a row than an xlsx sheet holds."""


def _xml_text(text: str) -> str:
    """``text`` as XML element content: escaped, the characters XML cannot carry left out."""
    return escape(_NOT_XML.sub("", text))


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, content)
    return buffer.getvalue()


def render_docx(text: str) -> bytes:
    """A minimal DOCX: one paragraph per block, line breaks kept."""
    body: list[str] = []
    for block in _paragraphs(text):
        runs = "<w:br/>".join(
            f'<w:t xml:space="preserve">{_xml_text(line)}</w:t>' for line in block.splitlines()
        )
        body.append(f"<w:p><w:r>{runs}</w:r></w:p>")
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + "".join(body)
        + "</w:body></w:document>"
    )
    return _zip(
        {"[Content_Types].xml": _DOCX_TYPES, "_rels/.rels": _DOCX_RELS, "word/document.xml": document}
    )


def render_xlsx(text: str) -> bytes:
    """A minimal XLSX: one row per non-empty line; cells split on tabs or ``|`` (markdown tables)."""
    rows: list[str] = []
    index = 0
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or re.fullmatch(r"[|\s:-]+", stripped):
            continue
        index += 1
        cells = stripped.strip("|").split("|") if "|" in stripped else stripped.split("\t")
        if index > MAX_SHEET_ROWS:
            raise SheetTooLargeError(
                f"the text makes more than {MAX_SHEET_ROWS:,} rows, more than an xlsx sheet holds"
            )
        if len(cells) > MAX_SHEET_COLUMNS:
            raise SheetTooLargeError(
                f"line {index} of the text makes {len(cells):,} cells, more than the {MAX_SHEET_COLUMNS:,} columns of "
                "an xlsx sheet"
            )
        row = "".join(f'<c t="inlineStr"><is><t>{_xml_text(c.strip())}</t></is></c>' for c in cells)
        rows.append(f'<row r="{index}">{row}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{main}" '
            f'xmlns:r="{rel}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet '
            f'xmlns="{main}"><sheetData>' + "".join(rows) + "</sheetData></worksheet>"
        ),
    }
    return _zip(files)

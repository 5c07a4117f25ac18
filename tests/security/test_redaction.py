"""Provider keys never reach a user, a log, a results folder or a graph: not as written, not URL-encoded, not
in base64 (at any alignment, wrapped or URL-safe), not in hex, not split by whitespace.

Unit checks of :func:`pipelex.redaction.redact` (hypothesis draws keys and the text around them), then a
provider on 127.0.0.1 that echoes the key it receives in every encoding: through the served API (problem
``detail``, a started run's problem, the server log) and through the CLI (stderr, the results folder).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelex.api.app import create_app
from pipelex.config.settings import PipelexConfig
from pipelex.redaction import environment_secrets, redact
from tests.api.conftest import serving

KEY = "sk-proj-Zq8+/w7Rk2Lm9Xv4TbN0pQ=Hs6Ej1Yc"


def encodings(key: str) -> dict[str, str]:
    """The forms a provider (or a library) may echo a key in."""
    basic = base64.b64encode(f"user:{key}".encode()).decode()
    wrapped = base64.b64encode(("x" * 50 + key).encode()).decode()
    return {
        "raw": key,
        "url": quote(key, safe=""),
        "url-lower": re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(key, safe="")),
        "url-plus": quote_plus(key),
        "base64": base64.b64encode(key.encode()).decode(),
        "base64-urlsafe": base64.urlsafe_b64encode(key.encode()).decode(),
        "base64-offset-1": base64.b64encode(b"a" + key.encode()).decode(),
        "basic-auth": basic,
        "base64-wrapped": "\n".join(wrapped[i : i + 20] for i in range(0, len(wrapped), 20)),
        "hex": key.encode().hex(),
        "spaced": " ".join(key),
        "split": key[:10] + "\n  " + key[10:20] + "\t" + key[20:],
    }


def leaks(text: str, key: str = KEY) -> list[str]:
    """Which encodings of ``key`` (each decoded back where it can be) ``text`` still shows."""
    found = []
    squeezed = "".join(text.split())
    if key in squeezed:
        found.append("raw or split")
    for name, form in encodings(key).items():
        if "".join(form.split()) in squeezed:
            found.append(name)
    b64_cores = [
        base64.b64encode(key.encode()).decode()[:-4],
        base64.urlsafe_b64encode(key.encode()).decode()[:-4],
    ]
    found.extend(f"base64 core {core[:8]}..." for core in b64_cores if core in squeezed)
    return found


# ---------------------------------------------------------------------------------------------------- unit
@pytest.mark.parametrize("form", list(encodings(KEY)))
def test_every_encoding_is_redacted(form: str) -> None:
    text = f"Incorrect API key provided: {encodings(KEY)[form]} (check your key)"
    redacted = redact(text, [KEY], include_environment=False)
    assert "***" in redacted
    assert leaks(redacted) == [], redacted
    assert redacted.startswith("Incorrect API key provided: ") and redacted.endswith("(check your key)")


_KEY_CHARS = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+/=.:~"),
    min_size=12,
    max_size=64,
)


@settings(max_examples=150, deadline=None)
@given(
    key=_KEY_CHARS,
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    form=st.sampled_from(sorted(encodings(KEY))),
)
def test_any_key_in_any_encoding_inside_any_text_is_redacted(
    key: str, before: str, after: str, form: str
) -> None:
    encoded = encodings(key)[form]
    redacted = redact(f"{before}{encoded}{after}", [key], include_environment=False)
    assert encoded not in redacted
    assert key not in "".join(redacted.split())


def test_keys_from_the_environment_are_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", "m1str4l-secret-value")
    monkeypatch.setenv("SOME_TOKEN", "tok-3456789")
    monkeypatch.setenv("SHORT_KEY", "abc")  # too short to be a secret: never redacted (it would eat words)
    assert {"m1str4l-secret-value", "tok-3456789"} <= set(environment_secrets())
    assert "abc" not in environment_secrets()
    text = "echo " + base64.b64encode(b"m1str4l-secret-value").decode() + " and " + quote("tok-3456789")
    assert leaks(redact(text), "m1str4l-secret-value") == [] and "tok-3456789" not in redact(text)


def test_text_without_secrets_is_unchanged() -> None:
    text = "pipe 'summarise' failed: the model answered 400 (invalid_request_error): bad schema"
    assert redact(text, [KEY], include_environment=False) == text
    # names that merely look like keys survive outside a provider's own words
    named = "pipe 'key_points_extractor' needs input 'api_reference_list'"
    assert redact(named) == named
    assert redact("the provider said: unknown key sk-abcdef123456", key_like=True).endswith("key ***")


# ---------------------------------------------------------------------------------------------------- end to end
@pytest.fixture
def echoing_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An OpenAI-compatible endpoint on 127.0.0.1 that refuses every call, echoing the key it got in every
    encoding; this process's provider variables point at it, with :data:`KEY` as the key."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            got = self.headers.get("Authorization", "").removeprefix("Bearer ")
            echoed = " | ".join(f"{name}={form}" for name, form in encodings(got).items())
            body = json.dumps(
                {
                    "error": {
                        "message": f"Incorrect API key provided: {echoed}",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                }
            ).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="echoing-provider")
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", base)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


BUNDLE = textwrap.dedent("""
    domain    = "echo"
    main_pipe = "say"

    [pipe.say]
    type        = "PipeLLM"
    description = "Says hello"
    output      = "Text"
    model       = "gpt-4o-mini"
    prompt      = "Say hello"
""")


def test_the_api_never_shows_an_echoed_key(echoing_provider: str, caplog: pytest.LogCaptureFixture) -> None:
    config = PipelexConfig(models={"calls": {"max_attempts": 1}})
    caplog.set_level(logging.DEBUG)
    with serving(create_app(config, api_key=None)) as url:
        executed = httpx.post(f"{url}/v1/execute", json={"mthds_contents": [BUNDLE]}, timeout=60)
        started = httpx.post(f"{url}/v1/start", json={"mthds_contents": [BUNDLE]}, timeout=60).json()
        status: dict[str, object] = {}
        for _ in range(600):
            status = httpx.get(f"{url}{started['status_url']}", timeout=30).json()
            if status["status"] != "running":
                break
            threading.Event().wait(0.05)
    assert executed.status_code == 502, executed.text
    assert "Incorrect API key provided" in executed.json()["detail"]  # the provider's words stay
    assert leaks(executed.text) == [], executed.text
    assert status["status"] == "failed"
    assert leaks(json.dumps(status)) == []
    assert leaks(caplog.text) == [], caplog.text


def test_the_cli_never_shows_an_echoed_key(echoing_provider: str, tmp_path: Path) -> None:
    (tmp_path / "echo.mthds").write_text(BUNDLE, encoding="utf-8")
    (tmp_path / "pipelex.toml").write_text("[models.calls]\nmax_attempts = 1\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELEX_")}
    code = "import sys\nfrom pipelex.cli.main import main\nsys.exit(main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", code, "run", "bundle", "echo.mthds", "--graph"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode != 0
    assert "Incorrect API key provided" in result.stderr
    assert leaks(result.stdout + result.stderr) == [], result.stderr
    written = "".join(
        p.read_text(errors="replace")
        for p in tmp_path.rglob("*")
        if p.is_file() and p.suffix in (".json", ".html", ".md", ".txt", ".mmd", ".log", ".ndjson")
    )
    assert leaks(written) == []

"""The real server, shared by the tier's modules: started once for the session, stopped after."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.real_llm.server import serve


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """The llama.cpp server's OpenAI base URL (started for this session, stopped after), or the OpenAI-compatible
    server already running at ``$PIPELEX_REAL_LLM_URL`` (an Ollama, a vLLM, ... of yours)."""
    given = os.environ.get("PIPELEX_REAL_LLM_URL")
    if given:
        yield given
        return
    with serve() as url:
        yield url

"""Live runs against a real OpenAI-compatible server nobody here wrote: llama.cpp's own ``llama-server`` or
llama-cpp-python's server (``PIPELEX_REAL_LLM_SERVER``) with SmolLM2-135M-Instruct, on the direct and the Temporal
backends, with the default configuration (only
``OPENAI_BASE_URL`` and a dummy key). The shapes and the validity of the outputs are asserted, never the tiny
model's wording.

Opt-in: ``make test-real-llm`` (builds each server once, cached; see tests/real_llm/server.py). Skipped unless
``PIPELEX_REAL_LLM=1`` and the server is prepared (or ``PIPELEX_REAL_LLM_URL`` names a server already
running). Each run's timing goes to ``<cache>/results.jsonl``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.inference.live_bundles import NOTE, TRIAGE
from tests.real_llm.server import api_key, cache_dir, is_prepared

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("PIPELEX_REAL_LLM") != "1",
        reason="the real-server tier is opt-in: `make test-real-llm`",
    ),
    pytest.mark.skipif(
        os.environ.get("PIPELEX_REAL_LLM") == "1"
        and not os.environ.get("PIPELEX_REAL_LLM_URL")
        and not is_prepared(),
        reason="the real server is not prepared: `python -m tests.real_llm.server prepare`",
    ),
    pytest.mark.timeout(900),
]

CONFIG = """
[models.calls]
timeout = 300.0
max_attempts = 2
"""

BACKENDS = {"direct": [], "temporal": ["--temporal"]}


def _env(home: Path, url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIPELEX_", "OPENAI_", "ANTHROPIC_")) and k != "PYTEST_CURRENT_TEST"
    }
    env.update({"HOME": str(home), "OPENAI_BASE_URL": url, "OPENAI_API_KEY": api_key()})
    return env


def _run(
    tmp_path: Path, url: str, pipe: str, backend: str
) -> tuple[Any, dict[str, Any], dict[str, Any], str]:
    """Run ``pipe`` of the triage bundle from the CLI; (main output, working memory, graph, stdout)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "triage.mthds").write_text(TRIAGE)
    (tmp_path / "pipelex.toml").write_text(CONFIG)
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelex.cli.main",
            "run",
            "bundle",
            "triage.mthds",
            "--pipe",
            pipe,
            "-i",
            json.dumps({"note": NOTE}),
            "--graph",
            *BACKENDS[backend],
        ],
        cwd=tmp_path,
        env=_env(tmp_path, url),
        capture_output=True,
        text=True,
        timeout=800,
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    [run_dir] = sorted((tmp_path / "results").iterdir())
    main = json.loads((run_dir / "main_stuff.json").read_text())
    memory = json.loads((run_dir / "working_memory.json").read_text())
    graph = json.loads((run_dir / "graph.json").read_text())
    assert graph["backend"] == backend and graph["mode"] == "live"
    calls = graph["usage"]["total"]["calls"]
    cache_dir().mkdir(parents=True, exist_ok=True)
    with (cache_dir() / "results.jsonl").open("a") as out:
        out.write(
            json.dumps(
                {
                    "pipe": pipe,
                    "backend": backend,
                    "seconds": round(seconds, 2),
                    "calls": calls,
                    "output_tokens": graph["usage"]["total"]["output_tokens"],
                    "warnings": sum(len(n.get("warnings", [])) for n in graph["nodes"]),
                }
            )
            + "\n"
        )
    assert "unpriced" in result.stdout  # a local model is never priced as gpt-4o
    return main, memory, graph, result.stdout


def _content(memory: dict[str, Any], name: str) -> Any:
    """The content of a stuff of the saved working memory."""
    stuff = memory["root"][name] if "root" in memory else memory[name]
    return stuff.get("content", stuff)


def _check_ticket(ticket: dict[str, Any]) -> None:
    assert set(ticket) == {"summary", "urgency", "minutes"}
    assert isinstance(ticket["summary"], str) and ticket["urgency"] in ("high", "low")
    assert isinstance(ticket["minutes"], int)


def _check_steps(steps: Any) -> list[dict[str, Any]]:
    items = steps["items"] if isinstance(steps, dict) else steps
    assert isinstance(items, list)
    for item in items:
        assert set(item) == {"action"} and isinstance(item["action"], str)
    return items


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_text(server: str, tmp_path: Path, backend: str) -> None:
    main, _, _, _ = _run(tmp_path, server, "say", backend)
    assert isinstance(main["text"], str) and main["text"].strip()


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_structured(server: str, tmp_path: Path, backend: str) -> None:
    main, _, _, _ = _run(tmp_path, server, "read_ticket", backend)
    _check_ticket(main)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_list_and_fixed_count_list(server: str, tmp_path: Path, backend: str) -> None:
    main, _, _, _ = _run(tmp_path / "free", server, "list_steps", backend)
    _check_steps(main)
    three, _, _, _ = _run(tmp_path / "three", server, "three_steps", backend)
    assert len(_check_steps(three)) == 3


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_sequence_with_a_condition_on_an_llm_field(server: str, tmp_path: Path, backend: str) -> None:
    main, memory, graph, _ = _run(tmp_path, server, "triage", backend)
    ticket = _content(memory, "ticket")
    _check_ticket(ticket)
    assert isinstance(main["text"], str)
    ran = [n["pipe_code"] for n in graph["nodes"] if n["pipe_code"] in ("page_oncall", "queue_it")]
    assert ran == ["page_oncall" if ticket["urgency"] == "high" else "queue_it"]


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_sequence_with_a_batch_over_an_llm_list(server: str, tmp_path: Path, backend: str) -> None:
    main, memory, graph, _ = _run(tmp_path, server, "plan", backend)
    steps = _check_steps(_content(memory, "steps"))
    assert len(main["items"]) == len(steps)
    assert all(isinstance(item["text"], str) for item in main["items"])
    explained = [n for n in graph["nodes"] if n["pipe_code"] == "explain_step"]
    assert len(explained) == len(steps) and all(n["status"] == "succeeded" for n in explained)

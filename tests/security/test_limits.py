"""The [limits] of pipelex.toml: list multiplicities and batch sizes are bounded, on the CLI and in Python.

Every CLI bomb runs in a child process under a watchdog (timeout and memory ceiling): before the limits,
`Text[100000000]` ran the CLI out of memory.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.config.run_settings import RunSettings
from pipelex.config.settings import LimitsConfig, parse_config
from pipelex.errors import ConfigError, LimitExceededError
from tests.security.conftest import Watched

HUGE_LIST = """domain = "bomb"
main_pipe = "many"

[pipe.many]
type = "PipeLLM"
description = "Asks for a hundred million texts"
output = "Text[100000000]"
prompt = "Write something"
"""

TEMPLATE_BOMB = """domain = "bomb"
main_pipe = "spin"

[pipe.spin]
type = "PipeCompose"
description = "Spins"
output = "Text"
template = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}done"
"""

BATCH = """domain = "fan"
main_pipe = "label_all"

[pipe.label_all]
type = "PipeBatch"
description = "Labels every note"
inputs = { notes = "Text[]" }
output = "Text[]"
branch_pipe_code = "label_one"
input_list_name = "notes"
input_item_name = "note"

[pipe.label_one]
type = "PipeCompose"
description = "Labels one note"
inputs = { note = "Text" }
output = "Text"
template = "Label: $note"
"""


def test_limits_section_parses_and_refuses_unknown_keys() -> None:
    config = parse_config("[limits]\nmax_list_items = 50\ntemplate_max_steps = 5000\n", source="t.toml")
    assert config.limits.max_list_items == 50
    assert config.limits.template_max_steps == 5000
    assert config.limits.max_batch_items == LimitsConfig().max_batch_items
    with pytest.raises(ConfigError, match="unknown key `limits.max_items`"):
        parse_config("[limits]\nmax_items = 5\n", source="t.toml")
    with pytest.raises(ConfigError, match="limits.run_memory_bytes"):
        parse_config("[limits]\nrun_memory_bytes = 10\n", source="t.toml")


def test_huge_fixed_list_is_refused_at_validation(
    tmp_path: Path, run_watched_cli: Callable[..., Watched]
) -> None:
    bundle = tmp_path / "huge.mthds"
    bundle.write_text(HUGE_LIST, encoding="utf-8")
    done = run_watched_cli("validate", "bundle", str(bundle), "--format", "json", timeout=60)
    assert not done.timed_out and done.code == 1, done.err
    (error,) = json.loads(done.out)["errors"]
    assert error["error_type"] == "limit_exceeded"
    assert error["line"] == 7 and error["pipe"] == "many" and error["field"] == "output"
    assert "100000000 items" in error["message"] and "[limits] max_list_items" in error["message"]


def test_huge_fixed_list_dry_run_does_not_exhaust_memory(
    tmp_path: Path, run_watched_cli: Callable[..., Watched]
) -> None:
    bundle = tmp_path / "huge.mthds"
    bundle.write_text(HUGE_LIST, encoding="utf-8")
    done = run_watched_cli(
        "run",
        "bundle",
        str(bundle),
        "--dry-run",
        "-o",
        str(tmp_path / "out"),
        timeout=60,
        memory_bytes=1024**3,
    )
    assert not done.timed_out and done.code == 1
    assert "[limit_exceeded]" in done.err and "max_list_items" in done.err
    assert "Traceback" not in done.err


def test_lowered_limit_in_pipelex_toml_applies_to_the_cli(
    tmp_path: Path, run_watched_cli: Callable[..., Watched]
) -> None:
    bundle = tmp_path / "five.mthds"
    bundle.write_text(HUGE_LIST.replace("Text[100000000]", "Text[5]"), encoding="utf-8")
    assert run_watched_cli("validate", "bundle", str(bundle), "--static-only", timeout=60).code == 0
    (tmp_path / "pipelex.toml").write_text("[limits]\nmax_list_items = 3\n", encoding="utf-8")
    done = run_watched_cli("validate", "bundle", str(bundle), "--static-only", timeout=60)
    assert done.code == 1
    assert "more than the 3 allowed" in done.out + done.err


def test_template_bomb_fails_the_pipe_on_the_cli(
    tmp_path: Path, run_watched_cli: Callable[..., Watched]
) -> None:
    bundle = tmp_path / "spin.mthds"
    bundle.write_text(TEMPLATE_BOMB, encoding="utf-8")
    done = run_watched_cli("run", "bundle", str(bundle), "--dry-run", "-o", str(tmp_path / "out"), timeout=60)
    assert not done.timed_out, "the template bomb hung the CLI"
    assert done.code == 1
    assert "template_max_steps" in done.err and "spin" in done.err
    validated = run_watched_cli("validate", "bundle", str(bundle), timeout=60)  # the sweep renders it too
    assert not validated.timed_out, "the template bomb hung `pipelex validate`"
    assert validated.code == 1
    assert "template_max_steps" in validated.out + validated.err


def test_batch_over_too_many_items_is_refused() -> None:
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    notes = {"notes": {"concept": "Text", "content": [f"note {i}" for i in range(20)]}}
    allowed = PipelexRunner(
        mthds_content=BATCH,
        pipe_run_mode=PipeRunMode.DRY,
        backend="direct",
        settings=RunSettings(limits=LimitsConfig(max_batch_items=20)),
    )
    assert asyncio.run(allowed.execute_pipeline(notes)).main_stuff is not None
    refused = PipelexRunner(
        mthds_content=BATCH,
        pipe_run_mode=PipeRunMode.DRY,
        backend="direct",
        settings=RunSettings(limits=LimitsConfig(max_batch_items=10)),
    )
    with pytest.raises(LimitExceededError) as caught:
        asyncio.run(refused.execute_pipeline(notes))
    assert caught.value.limit == "max_batch_items"
    assert "20 items" in str(caught.value) and "[limits] max_batch_items" in str(caught.value)


def test_limits_are_those_of_the_run_not_of_the_process() -> None:
    """Two runs at once in one process, each bounded by its own settings (no process-wide limits)."""
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    notes = {"notes": {"concept": "Text", "content": [f"note {i}" for i in range(15)]}}

    def runner(max_batch_items: int) -> PipelexRunner:
        return PipelexRunner(
            mthds_content=BATCH,
            pipe_run_mode=PipeRunMode.DRY,
            backend="direct",
            settings=RunSettings(limits=LimitsConfig(max_batch_items=max_batch_items)),
        )

    async def both() -> tuple[object, object]:
        return await asyncio.gather(
            runner(20).execute_pipeline(notes), runner(10).execute_pipeline(notes), return_exceptions=True
        )

    wide, narrow = asyncio.run(both())
    assert not isinstance(wide, BaseException), wide
    assert isinstance(narrow, LimitExceededError) and "more than the 10" in str(narrow)


def test_config_limits_reach_the_run_settings() -> None:
    config = parse_config("[limits]\nmax_batch_items = 12\n", source="t.toml")
    assert config.run_settings().limits.max_batch_items == 12
    assert config.served().run_settings().limits.max_batch_items == 12


def test_static_check_uses_the_given_limits() -> None:
    from pipelex.config.deck import default_deck
    from pipelex.language.library import build_library
    from pipelex.validation.static import check_library

    library = build_library([(HUGE_LIST.replace("Text[100000000]", "Text[5]"), "five.mthds")])
    assert not [d for d in check_library(library, default_deck()) if d.error_type == "limit_exceeded"]
    (error,) = [
        d
        for d in check_library(library, default_deck(), LimitsConfig(max_list_items=3))
        if d.error_type == "limit_exceeded"
    ]
    assert "more than the 3 allowed" in error.message

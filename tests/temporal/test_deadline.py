"""A run's deadline on Temporal: its top workflow's execution timeout (``[temporal] run_deadline_s`` for the CLI
and the Python API; the runner API uses its ``[limits] run_deadline_seconds``, see tests/api/test_limit_errors.py).

Past it Temporal ends the workflow (children included) and the run fails as a :class:`LimitExceededError`
naming the deadline, with the graph of what it did so far; without one a run takes as long as it takes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from pipelex.backends.temporal.devserver import free_port
from pipelex.config.settings import PipelexConfig
from pipelex.errors import LimitExceededError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.testing.fake_provider import FakeProvider
from tests.temporal.test_cli import fresh_env

SLOW_STEPS = textwrap.dedent("""
    domain      = "tides"
    description = "Two slow steps"
    main_pipe   = "two_steps"

    [pipe.two_steps]
    type        = "PipeSequence"
    description = "Checks the tide, then checks it again"
    output      = "Text"
    steps = [
      { pipe = "check", result = "first" },
      { pipe = "check_again", result = "second" },
    ]

    [pipe.check]
    type        = "PipeLLM"
    description = "Checks the tide"
    output      = "Text"
    prompt      = "Is the tide high?"

    [pipe.check_again]
    type        = "PipeLLM"
    description = "Checks the tide again"
    inputs      = { first = "Text" }
    output      = "Text"
    prompt      = "And now? Before: $first"
""")


def _with_deadline(config: PipelexConfig, seconds: float | None) -> PipelexConfig:
    return config.model_copy(
        update={"temporal": config.temporal.model_copy(update={"run_deadline_s": seconds})}
    )


async def test_a_run_past_its_deadline_fails_as_a_limit_error(
    temporal_booted: PipelexConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each call takes 4 s: the run fails at its 3 s deadline as a LimitExceededError, with the graph so far (the
    pipes running then ended as failed); the same run without a deadline succeeds."""
    with FakeProvider(latency=4) as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        runner = PipelexRunner(
            mthds_content=SLOW_STEPS,
            pipe_run_mode=PipeRunMode.LIVE,
            backend="temporal",
            config=_with_deadline(temporal_booted, 3),
        )
        began = time.monotonic()
        with pytest.raises(LimitExceededError) as caught:
            await runner.execute_pipeline()
        took = time.monotonic() - began
        error = caught.value
        assert error.limit == "run_deadline_seconds" and error.value == 3
        assert "deadline of 3 s" in str(error) and "[temporal] run_deadline_s" in str(error)
        assert took < 30, f"the run was not stopped at its deadline ({took:.1f} s)"
        partial = error.partial_output
        assert partial is not None and partial.graph.backend == "temporal"
        statuses = {n.pipe_code: n.status for n in partial.graph.nodes}
        assert statuses.get("two_steps") == "failed" and "check_again" not in statuses, statuses
        assert [n.error for n in partial.graph.nodes if n.pipe_code == "two_steps"] == [
            "stopped: the run passed its deadline"
        ]

        fake.latency = 0.0
        unbounded = PipelexRunner(
            mthds_content=SLOW_STEPS,
            pipe_run_mode=PipeRunMode.LIVE,
            backend="temporal",
            config=_with_deadline(temporal_booted, None),
        )
        output = await unbounded.execute_pipeline()
        assert output.main_stuff is not None


def test_the_cli_says_the_run_passed_its_deadline(tmp_path: Path, temporal_server: Any) -> None:
    """`pipelex run --temporal` with `[temporal] run_deadline_s`: one clear line, exit code 1, no traceback, and
    the run's folder says which error it was."""
    (tmp_path / "tides.mthds").write_text(SLOW_STEPS)
    (tmp_path / "pipelex.toml").write_text(
        f'[temporal]\nis_enabled = true\naddress = "{temporal_server.address}"\n'
        f'task_queue = "deadline-{free_port()}"\nin_process_worker = true\nrun_deadline_s = 2\n'
    )
    with FakeProvider(latency=20) as fake:
        result = subprocess.run(
            [sys.executable, "-m", "pipelex.cli.main", "run", "bundle", "tides.mthds", "--temporal"],
            cwd=tmp_path,
            env=fresh_env(tmp_path, fake.env()),
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "deadline" in line]
    assert lines and "the run took longer than its deadline of 2 s" in lines[0], result.stderr
    assert "[temporal] run_deadline_s" in lines[0]
    [error_file] = (tmp_path / "results").glob("*/error.json")
    error = json.loads(error_file.read_text())
    assert error["error_class"] == "LimitExceededError" and error["error_type"] == "limit_exceeded"


async def test_a_validation_past_its_deadline_fails_as_a_limit_error(temporal_config: PipelexConfig) -> None:
    """The runner API's validations on Temporal have the server's deadline too (``WfDryValidate``'s execution
    timeout): here no worker serves the queue, so the validation cannot end before its 1 s deadline."""
    from pipelex.backends.temporal import temporal_session, validate_on_temporal

    nobody = temporal_config.model_copy(
        update={
            "temporal": temporal_config.temporal.model_copy(
                update={"task_queue": f"nobody-{free_port()}", "in_process_worker": False}
            )
        }
    )
    async with temporal_session(nobody):
        began = time.monotonic()
        with pytest.raises(LimitExceededError) as caught:
            await validate_on_temporal([SLOW_STEPS], config=nobody, deadline_s=1)
    assert time.monotonic() - began < 60
    assert caught.value.limit == "run_deadline_seconds" and caught.value.value == 1
    assert "deadline of 1 s" in str(caught.value) and "[limits] run_deadline_seconds" in str(caught.value)


def test_the_cli_fails_the_same_way_on_a_limit_on_both_backends(tmp_path: Path, temporal_server: Any) -> None:
    """`pipelex run` of pipes that pass `[limits]` (a list output in an activity on Temporal, a template in the
    workflow): the same exit code, the same error line, and the same error.json on both backends."""
    from tests.api.test_limit_errors import BOUNDED

    (tmp_path / "bounds.mthds").write_text(BOUNDED)
    (tmp_path / "pipelex.toml").write_text(
        f'[limits]\nmax_batch_items = 2\ntemplate_max_steps = 100\n\n[temporal]\naddress = "{temporal_server.address}"\n'
        f'task_queue = "limits-{free_port()}"\nin_process_worker = true\n'
    )
    for pipe, limit in (("brainstorm", "max_batch_items"), ("pad_inline", "template_max_steps")):
        seen: dict[str, tuple[int, list[str], dict[str, Any]]] = {}
        for backend, flags in (("direct", []), ("temporal", ["--temporal"])):
            output_dir = tmp_path / f"results-{backend}-{pipe}"
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pipelex.cli.main",
                    "run",
                    "bundle",
                    "bounds.mthds",
                    "--pipe",
                    pipe,
                    "--dry-run",
                    "-i",
                    '{"topic": "tides"}',
                    "-o",
                    str(output_dir),
                    *flags,
                ],
                cwd=tmp_path,
                env=fresh_env(tmp_path),
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert "Traceback" not in result.stderr, result.stderr
            errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
            [error_file] = output_dir.glob("*/error.json")
            graph = json.loads((error_file.parent / "graph.json").read_text())
            assert graph["backend"] == backend, graph
            seen[backend] = (result.returncode, errors, json.loads(error_file.read_text()))
        assert seen["temporal"] == seen["direct"], (pipe, seen)
        code, errors, error = seen["direct"]
        assert code == 1 and len(errors) == 1 and limit in errors[0], (pipe, errors)
        assert error["error_class"] == "LimitExceededError" and error["pipe_code"] == pipe


def test_a_limit_error_crosses_the_wire_as_itself() -> None:
    """What a worker sends (the application error's details) is rebuilt as the same class, limit, value and
    pipe; a failure recorded before limit errors travelled as themselves still comes back as one."""
    from temporalio.exceptions import ApplicationError

    from pipelex.backends.temporal.router import failure_error, pipe_error_from
    from pipelex.errors import TemplateBudgetExceeded

    for sent in (
        LimitExceededError(
            "pipe 'p': 3 items ([limits] max_batch_items)", limit="max_batch_items", pipe_code="p"
        ),
        TemplateBudgetExceeded(
            "budget ([limits] template_max_steps)", limit="template_max_steps", pipe_code="t"
        ),
        LimitExceededError("the run took too long", limit="run_deadline_seconds", value=3.0),
    ):
        back, failure = pipe_error_from(failure_error(sent, []))
        assert type(back) is type(sent) and failure is not None
        assert isinstance(back, LimitExceededError)
        assert (back.limit, back.value, back.pipe_code, str(back)) == (
            sent.limit,
            sent.value,
            sent.pipe_code,
            str(sent),
        )
    old = ApplicationError(
        "pipe 'p': 3 items",
        {
            "message": "pipe 'p': its output has 3 items, more than the 2 allowed ([limits] max_batch_items in "
            "pipelex.toml)",
            "pipe_code": "p",
            "error_type": "limit_exceeded",
            "events": [],
            "error_class": "PipeRunError",
        },
        type="limit_exceeded",
        non_retryable=True,
    )
    back, _ = pipe_error_from(old)
    assert type(back) is LimitExceededError and back.limit == "max_batch_items" and back.pipe_code == "p"

"""Each pipe kind's job class is created the first time it is named: importing the jobs creates only the base
ones, and a kind's job found through :mod:`pipelex.inference.jobs` is its module's class."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelex.inference import jobs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(jobs.JOB_MODULES))
def test_a_kinds_job_is_its_modules_class_and_a_job(name: str) -> None:
    cls = getattr(jobs, name)
    assert cls is getattr(importlib.import_module(jobs.JOB_MODULES[name]), name)
    assert cls.__module__ == jobs.JOB_MODULES[name] and cls.__name__ == name
    assert name == "JudgeQuestionJob" or issubclass(cls, jobs.Job)


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'NopeJob'"):
        _ = jobs.NopeJob  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]


def test_importing_the_jobs_the_leaf_and_the_dry_generator_creates_no_kinds_job() -> None:
    script = (
        "import json, sys\n"
        "import pipelex.inference.jobs, pipelex.inference.leaf, pipelex.inference.dry.generator\n"
        "before = sorted(m for m in sys.modules if m.startswith('pipelex.inference.job_types.'))\n"
        "from pipelex.inference.jobs import ImgGenJob\n"
        "after = sorted(m for m in sys.modules if m.startswith('pipelex.inference.job_types.'))\n"
        "print(json.dumps([before, after]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    before, after = json.loads(result.stdout.splitlines()[-1])
    assert before == ["pipelex.inference.job_types.base"]
    assert after == ["pipelex.inference.job_types.base", "pipelex.inference.job_types.img_gen"]

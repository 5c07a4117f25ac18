"""Imported by the forkserver of the API's worker processes (:mod:`pipelex.api.isolation`): importing it runs
one tiny dry run and one validation, so every module a run loads lazily is loaded once there and each
forked worker starts warm (a run then costs a fork, not ~0.3 s of imports). Any failure here only means a
colder start; it is never fatal."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os

_BUNDLE = """domain = "warmup"
main_pipe = "hello"

[pipe.hello]
type = "PipeCompose"
description = "Says hello"
inputs = { name = "Text" }
output = "Text"
template = "Hello $name"
"""


def warm_up() -> None:
    """Run a dry ``/v1/execute`` and a ``/v1/validate`` of a tiny bundle in this process, then forget the boot."""
    from pipelex.api.models import ExecuteRequest, ValidateRequest
    from pipelex.api.service import DirectApiBackend
    from pipelex.boot import Pipelex
    from pipelex.config.settings import PipelexConfig

    try:
        backend = DirectApiBackend(PipelexConfig(), isolated=False)
        request = ExecuteRequest(mthds_contents=[_BUNDLE], dry_run=True, inputs={"name": "world"})
        asyncio.run(backend.execute_here(request))
        backend.validate_here(ValidateRequest(mthds_contents=[_BUNDLE]))
    finally:
        Pipelex.teardown()


if os.environ.get("PIPELEX_WORKER_WARMUP", "1") != "0":
    with contextlib.suppress(Exception):
        warm_up()
    gc.collect()
    gc.freeze()  # what is loaded now stays out of the collector: forked workers do not copy those pages

"""The knobs of one run (:class:`RunSettings`), made from a config's sections or given by the caller.

They live in the config layer because they are configuration: the runner, the backends, the validation sweep
and the pipes read them; none of those is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelex.config.settings import LimitsConfig
from pipelex.io.policy import IOPolicy


@dataclass(frozen=True)
class RunSettings:
    """Knobs of a run (from the ``[dry_run]``, ``[runtime]``, ``[io]`` and ``[limits]`` config sections).

    ``io_policy`` says what the run may read from outside; bare settings read nothing but ``data:`` URLs
    and the run's storage (a config's settings carry its ``[io]``, a server's its ``[api]`` policy).
    ``limits`` bound the work the run's bundle may ask for (list sizes, batch fan-out, template renders);
    they travel with the run, to Temporal workers too (in the workflow input), never through a global.
    """

    nb_list_items: int = 3
    text_gen_truncate_length: int = 256
    nb_extract_pages: int = 4
    max_concurrency: int = 8
    pipe_stack_limit: int = 64
    io_policy: IOPolicy = field(default_factory=IOPolicy)
    # the templating style of a pipe that declares none ([runtime] default_templating_style)
    tag_style: str = "xml"
    text_format: str = "plain"
    limits: LimitsConfig = field(default_factory=LimitsConfig)

"""The knobs of one run (:class:`RunSettings`), made from a config's sections or given by the caller, and the
``[limits]`` section (:class:`LimitsConfig`) they carry.

They live in the config layer because they are configuration: the runner, the backends, the validation sweep
and the pipes read them; none of those is imported here.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelex.io.policy import IOPolicy
from pipelex.record import FrozenRecord

DEFAULT_MAX_REPLY_BYTES = 64 * 1024**2
"""``[limits] max_reply_bytes``'s default: the bytes of one model call's reply."""


class LimitsConfig(BaseModel):
    """``[limits]``: bounds on the work one bundle or one run may ask for (a bundle is untrusted input).

    The list and template bounds hold everywhere (CLI, Python API, runner API, Temporal workers); the run
    deadline, memory ceiling and result-store budget are the runner API's (``docs/security.md``, "Limits").
    Defined here, beside the run settings that carry it, and read as a section of ``pipelex.toml`` by
    :class:`~pipelex.config.settings.PipelexConfig` (which re-exports it).
    """

    # defer_build: validated only when a config file has a [limits] section (the defaults are made without it)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    # the N of a fixed-count spec `Concept[N]`: above it the bundle is refused at validation
    max_list_items: int = Field(default=1_000, ge=1, le=10_000_000)
    # items one batch may fan out to, and items of any list a pipe outputs
    max_batch_items: int = Field(default=10_000, ge=1, le=10_000_000)
    # items of the lists the pipes of one run output, all together (nested batches multiply their fan-outs);
    # None: 25 times max_batch_items (250,000 by default)
    max_run_items: int | None = Field(default=None, ge=1, le=1_000_000_000)
    # pipe runs of one run, all together (a pipe calling pipes several times multiplies them); None: 10 times
    # max_batch_items (100,000 by default)
    max_pipe_runs: int | None = Field(default=None, ge=1, le=1_000_000_000)
    # one template render: loop iterations plus function/method/macro/filter calls
    template_max_steps: int = Field(default=100_000, ge=100, le=1_000_000_000)
    # one template render: characters of its output, and of any text or list built while rendering
    template_max_output_chars: int = Field(default=1_000_000, ge=1_000, le=1_000_000_000)
    # a rendered image (a PDF page for a page view, a vision model or OCR): at most this many pixels; a page
    # past it is rendered at the dpi that fits
    max_image_pixels: int = Field(default=64_000_000, ge=1_000_000, le=1_000_000_000)
    # runner API: seconds a run or a validation may take before its worker is stopped; everywhere, the CPU time
    # of the process that opens a PDF
    run_deadline_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # runner API: the address-space ceiling of the worker process of a run or a validation (bytes); everywhere,
    # of the process that opens a PDF
    run_memory_bytes: int = Field(default=2 * 1024**3, ge=128 * 1024**2)
    # everywhere: bytes of one model call's reply (raw and decompressed, error bodies too), past which the call
    # fails without reading on (a hostile or broken server or proxy answering gigabytes or without end)
    max_reply_bytes: int = Field(default=DEFAULT_MAX_REPLY_BYTES, ge=1024**2, le=2 * 1024**3)
    # runner API: "process" runs each request in a worker process with the deadline and memory ceiling
    # enforced by the OS; "thread" runs it in the server process (deadline only, not enforced on CPU-bound work)
    run_isolation: Literal["process", "thread"] = "process"
    # runner API, "process" isolation: worker processes alive at once (more runs wait their turn)
    run_workers: int = Field(default=16, ge=1, le=1024)
    # runner API: bytes of results kept for GET /v1/runs/{id}; the oldest finished runs go first
    max_stored_run_bytes: int = Field(default=256 * 1024**2, ge=1024**2)
    # runner API: seconds a client may take to send a request's headers (then the connection is closed)
    request_header_seconds: float = Field(default=10.0, gt=0, le=3600)
    # runner API: seconds a request body may stall between two chunks, and take in all (then a 408)
    request_idle_seconds: float = Field(default=10.0, gt=0, le=3600)
    request_body_seconds: float = Field(default=60.0, gt=0, le=3600)
    # runner API: connections and requests served at once; more are answered 503 at once (`pipelex api serve`)
    max_connections: int = Field(default=1000, ge=1, le=1_000_000)


class RunSettings(FrozenRecord):
    """Knobs of a run (from the ``[dry_run]``, ``[runtime]``, ``[io]`` and ``[limits]`` config sections).

    ``io_policy`` says what the run may read from outside; bare settings read nothing but ``data:`` URLs
    and the run's storage (a config's settings carry its ``[io]``, a server's its ``[api]`` policy).
    ``limits`` bound the work the run's bundle may ask for (list sizes, batch fan-out, template renders);
    they travel with the run, to Temporal workers too (in the workflow input), never through a global.
    """

    nb_list_items: int
    text_gen_truncate_length: int
    nb_extract_pages: int
    max_concurrency: int
    pipe_stack_limit: int
    io_policy: IOPolicy
    # the templating style of a pipe that declares none ([runtime] default_templating_style)
    tag_style: str
    text_format: str
    limits: LimitsConfig
    # a condition also runs, on a copy of the memory, the outcomes it did not take: what the generator of the
    # run's mode asks for (the dry one does), set where the run is set up (pipelex.inference.leaf.settings_for)
    explore_all_outcomes: bool

    FIELDS = (
        "nb_list_items",
        "text_gen_truncate_length",
        "nb_extract_pages",
        "max_concurrency",
        "pipe_stack_limit",
        "io_policy",
        "tag_style",
        "text_format",
        "limits",
        "explore_all_outcomes",
    )

    def __init__(
        self,
        nb_list_items: int = 3,
        text_gen_truncate_length: int = 256,
        nb_extract_pages: int = 4,
        max_concurrency: int = 8,
        pipe_stack_limit: int = 64,
        io_policy: IOPolicy | None = None,
        tag_style: str = "xml",
        text_format: str = "plain",
        limits: LimitsConfig | None = None,
        explore_all_outcomes: bool = False,
    ) -> None:
        self.nb_list_items = nb_list_items
        self.text_gen_truncate_length = text_gen_truncate_length
        self.nb_extract_pages = nb_extract_pages
        self.max_concurrency = max_concurrency
        self.pipe_stack_limit = pipe_stack_limit
        self.io_policy = (
            IOPolicy.model_construct() if io_policy is None else io_policy
        )  # the defaults are valid
        self.tag_style = tag_style
        self.text_format = text_format
        self.limits = LimitsConfig.model_construct() if limits is None else limits
        self.explore_all_outcomes = explore_all_outcomes

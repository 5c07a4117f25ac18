"""The content-generator protocol: what a leaf asks of a live provider layer or of the dry mock layer, and what
a run of that mode needs around its leaves (pre-flight, input normalisation, session, exploration policy)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pipelex.concepts.natives import StuffContent
from pipelex.inference.jobs import LLMJob

if TYPE_CHECKING:
    from pipelex.concepts.natives import DocumentContent, ImageContent, PageContent, SearchResultContent
    from pipelex.inference.jobs import DocGenJob, ExtractJob, FuncJob, ImgGenJob, JudgeJob, SearchJob
    from pipelex.inference.live.preflight import ModelCall
    from pipelex.memory.stuff import Stuff


class ContentGenerator(Protocol):
    """Makes the content of inference leaves. Live calls providers; dry builds mocks.

    It also owns what a run of its mode needs beside its leaves, so that nothing above the leaf branches on
    the run mode: the runner and the backends call :meth:`preflight`, :meth:`prepare_inputs` and
    :meth:`session` of the run's generator, and its ``explores_all_outcomes`` goes into the run's settings.
    """

    # a condition of a run of this mode also runs, on a copy of the memory, the outcomes it did not take
    explores_all_outcomes: ClassVar[bool]
    # a signature (a contract with no body) answers with a mock of its declared output in a run of this mode
    mocks_signatures: ClassVar[bool]

    def preflight(self, calls: Callable[[], Sequence[ModelCall]]) -> None:
        """Fail before anything runs when the run cannot succeed here (live: a provider key not set for one of
        the models the run may call; ``calls`` lists them, see :func:`pipelex.pipes.kinds.model_calls`)."""
        ...

    def prepare_inputs(self, stuffs: dict[str, Stuff]) -> dict[str, Stuff]:
        """The run's inputs as its leaves read them (live: data URLs moved into the run's store)."""
        ...

    def session(self) -> AbstractAsyncContextManager[object]:
        """What the run's leaves share while it goes (live: provider clients and a bound on calls in flight)."""
        ...

    async def make_text(self, job: LLMJob) -> str:
        """Free text."""
        ...

    async def make_object(self, job: LLMJob, model: type[StuffContent]) -> StuffContent:
        """One instance of ``model``."""
        ...

    async def make_object_list(self, job: LLMJob, model: type[StuffContent]) -> list[StuffContent]:
        """Instances of ``model`` (``job.item_count`` of them when fixed)."""
        ...

    async def make_images(self, job: ImgGenJob) -> list[ImageContent]:
        """Generated images."""
        ...

    async def make_pages(self, job: ExtractJob) -> list[PageContent]:
        """Extracted pages."""
        ...

    async def search(self, job: SearchJob) -> SearchResultContent:
        """A search answer with sources."""
        ...

    async def judge(self, job: JudgeJob) -> list[dict[str, Any]]:
        """One verdict per question (``yes_no``/``choice``/``level`` keys)."""
        ...

    async def call_function(
        self, job: FuncJob, inputs: dict[str, Any], model: type[StuffContent]
    ) -> StuffContent:
        """The function's result (live) or a mock of its declared output (dry)."""
        ...

    async def make_document(self, job: DocGenJob) -> DocumentContent:
        """A generated document."""
        ...

"""Inference jobs: everything a leaf needs, including the run mode, as plain serialisable models.

A job carries :class:`PipeRunMode`; :func:`pipelex.inference.leaf.generate` honours it at the leaf.

:class:`Job`, :class:`Attachment` and :class:`LLMJob` live in :mod:`pipelex.inference.job_types.base`; every other
kind's job lives in its own module under :mod:`pipelex.inference.job_types`, imported the first time it is named
from here (``from pipelex.inference.jobs import ImgGenJob``, inside the operator that builds it): a command
creates only the job classes of the pipe kinds it runs (~1.5 M instructions a class even with its validator
deferred).
"""

from typing import TYPE_CHECKING

from pipelex.inference.job_types.base import Attachment as Attachment
from pipelex.inference.job_types.base import Job as Job
from pipelex.inference.job_types.base import LLMJob as LLMJob
from pipelex.lazy import lazy_attributes

if TYPE_CHECKING:
    from pipelex.inference.job_types.doc_gen import DocGenJob as DocGenJob
    from pipelex.inference.job_types.extract import ExtractJob as ExtractJob
    from pipelex.inference.job_types.func import FuncJob as FuncJob
    from pipelex.inference.job_types.img_gen import ImgGenJob as ImgGenJob
    from pipelex.inference.job_types.judge import JudgeJob as JudgeJob
    from pipelex.inference.job_types.judge import JudgeQuestionJob as JudgeQuestionJob
    from pipelex.inference.job_types.search import SearchJob as SearchJob

# every job class this module gives from a kind's module -> that module
JOB_MODULES: dict[str, str] = {
    "ImgGenJob": "pipelex.inference.job_types.img_gen",
    "ExtractJob": "pipelex.inference.job_types.extract",
    "SearchJob": "pipelex.inference.job_types.search",
    "JudgeQuestionJob": "pipelex.inference.job_types.judge",
    "JudgeJob": "pipelex.inference.job_types.judge",
    "FuncJob": "pipelex.inference.job_types.func",
    "DocGenJob": "pipelex.inference.job_types.doc_gen",
}

if not TYPE_CHECKING:  # pyright sees the imports above; at run time a kind's job comes on first use
    __getattr__ = lazy_attributes(__name__, JOB_MODULES, globals())

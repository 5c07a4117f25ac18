"""The job models, split so that a command creates only the jobs of the pipe kinds it runs.

``base`` holds :class:`Job`, :class:`Attachment` and :class:`LLMJob` (every LLM-backed operator builds one); each
other module holds one kind's job. Import them through :mod:`pipelex.inference.jobs`.
"""

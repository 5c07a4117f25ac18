"""What a run may read from outside, and the one gate every such read goes through.

- :mod:`pipelex.io.policy`: :class:`~pipelex.io.policy.IOPolicy`, a typed, frozen description of what a
  run may read (local files, which folders, URLs, internal addresses, size and time bounds), with the pure
  checks of a reference and of a network address. It travels with the run (in its settings, in every
  job, over the Temporal wire), never as a global.
- :mod:`pipelex.io.gate`: :func:`~pipelex.io.gate.read_reference`, the only code that turns a reference
  (``data:``, ``pipelex-storage://``, a path, ``file://``, ``http(s)://``) into bytes: it applies the policy,
  resolves a host once and connects to the address it checked, re-checks every redirect hop, caps the size
  and bounds the time.
"""

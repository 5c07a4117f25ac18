"""Tests of ``pipelex.backends``: the Backend protocol and its direct implementation."""

"""Backends: where pipes run (direct: this process; temporal: workers)."""

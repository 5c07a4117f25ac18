"""Pipelines: the runner API and its output."""

"""Run mode and the pipe-router protocol."""

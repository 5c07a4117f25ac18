"""Concepts: the native ones, and those a bundle declares, compiled into pydantic models."""

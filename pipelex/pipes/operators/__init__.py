"""Operators: the leaves of a method."""

"""Test helpers shipped with pipelex: a fake AI provider served over real HTTP on 127.0.0.1."""

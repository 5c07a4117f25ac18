"""Inference leaves: jobs, the content-generator protocol, live providers and dry mocks."""

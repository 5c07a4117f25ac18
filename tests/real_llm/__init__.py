"""The opt-in real tier: live runs against a real OpenAI-compatible server (``make test-real-llm``)."""

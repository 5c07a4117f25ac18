"""Live content generation: calls to AI providers."""

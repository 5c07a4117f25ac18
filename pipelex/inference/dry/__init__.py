"""Dry content generation: format-compliant mocks, no provider, no storage IO."""

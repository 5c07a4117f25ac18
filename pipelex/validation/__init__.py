"""Static validation, diagnostics and the dry-run sweep."""

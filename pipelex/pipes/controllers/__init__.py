"""Controllers: sequence, parallel, condition, batch."""

"""The native content classes made on first use (all but ``Text``'s and the lists'), one module per kind or per
kinds made together: see :mod:`pipelex.concepts.natives`, which gives them by name."""

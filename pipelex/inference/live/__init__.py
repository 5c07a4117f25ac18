"""Live inference: the content generator that calls providers (``generator``), retries (``calls``), extraction
(``extract``), document generation (``docgen``), the pre-flight key check (``preflight``)."""

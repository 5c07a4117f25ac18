"""The MTHDS language: TOML text to typed blueprint models."""

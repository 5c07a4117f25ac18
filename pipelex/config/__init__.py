"""Configuration: pipelex.toml loading and the model deck."""

"""The package's version and the MTHDS Protocol version it serves (re-exported by ``pipelex``).

A module of its own, at the bottom of the layers, so that what needs the version (the tracer's resource, the
runner API, the MCP server, ``pipelex --version``) does not import the package root and its public API.
"""

__version__ = "0.1.0"
# the MTHDS Protocol version the runner API serves (mthds.protocol.protocol.PROTOCOL_VERSION; a test keeps them equal)
MTHDS_PROTOCOL_VERSION = "2.0.0"

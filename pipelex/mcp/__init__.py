"""The MCP server (``pipelex mcp serve``): validate, dry-run and run bundles from AI agents."""

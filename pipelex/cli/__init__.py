"""The command line: an adapter that parses arguments, calls the core and maps errors to exit codes."""

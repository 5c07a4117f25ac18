"""The CLI's exit codes: 0 done, 1 the work failed (an invalid bundle, a failed run), 2 unusable arguments.

Their own module so the parser (``main.py``) and the commands (``commands.py``, ``build.py``) share them
without importing each other.
"""

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

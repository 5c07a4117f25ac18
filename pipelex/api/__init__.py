"""The runner API: a FastAPI adapter over the core (``pipelex api serve``).

Modules: ``models`` (request and response bodies), ``problems`` (errors as RFC 9457 documents),
``security`` (API key, body limit, input policy), ``runs`` (the bounded store of started runs),
``service`` (the direct backend), ``temporal`` (the Temporal backend), ``app`` (routes) and ``cli``
(the server command). Importing this package imports nothing heavy; ``pipelex.api.app`` imports FastAPI.
"""

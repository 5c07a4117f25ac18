"""How the API's routes read a JSON request body: parsed with the garbage collector paused.

A body is parsed on the event loop that answers every client. Parsing builds one container per JSON array or object
(up to ~1,700,000 in a body under ``max_body_bytes``), and each few hundred new containers start a collection that
walks the young ones, and now and then every object of the server: 1,200,000 empty lists took ~0.8 s to parse instead
of ~0.1 s (twelfth hostile pass: twenty such bodies at once held ``/health`` for 8 s). What ``json.loads`` builds holds
no cycle, so pausing the collector while it runs frees nothing later than it would have been.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def parse_json_body(body: bytes) -> Any:
    """``json.loads(body)``, with the garbage collector paused while it runs (and resumed if it was running)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return json.loads(body)
    finally:
        if was_enabled:
            gc.enable()


class BodyRequest(Request):
    """A request whose JSON body is parsed by :func:`parse_json_body`; otherwise starlette's own."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json_body(await self.body())
        return self._json


class BodyRoute(APIRoute):
    """The API's routes: FastAPI's, reading the body through :class:`BodyRequest` (``APIRouter(route_class=...)``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(BodyRequest(request.scope, request.receive))

        return handle

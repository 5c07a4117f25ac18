"""How the API's routes read a JSON request body: parsed with the garbage collector paused.

A body is parsed on the event loop that answers every client. Parsing builds one container per JSON array or object
(up to ~1,700,000 in a body under ``max_body_bytes``), and each few hundred new containers start a collection that
walks the young ones, and now and then every object of the server: 1,200,000 empty lists took ~0.8 s to parse instead
of ~0.1 s (twelfth hostile pass: twenty such bodies at once held ``/health`` for 8 s). What ``json.loads`` builds holds
no cycle, so pausing the collector while it runs frees nothing later than it would have been.

A body's bytes also tell, in one scan, when it cannot hold a lone UTF-16 surrogate (the request models refuse one
anywhere in a body, fifth hostile pass): the models' check then skips its walk of every value, ~0.3 s of the event
loop for 470,000 values (thirteenth hostile pass). When they show one (a surrogate escape: a lone one, an emoji a JSON
encoder escaped as a pair, or an escaped backslash before ``ud800``), the walk runs here, in a thread of its own, and
the models read its result: on the event loop, one such escape beside 5 MB of small values held every client 2-4 s
(seventeenth hostile pass). The walk is Python, so the loop keeps its turn while it runs.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from fastapi import Request, Response
from fastapi.routing import APIRoute

from pipelex.api.models import CHECKED_BODY
from pipelex.narrowing import unencodable_path


def parse_json_body(body: bytes) -> Any:
    """``json.loads(body)``, with the garbage collector paused while it runs (and resumed if it was running)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return json.loads(body)
    finally:
        if was_enabled:
            gc.enable()


# what a lone surrogate is in a JSON text: a \uD800-\uDFFF escape, or one encoded as UTF-8 (json decodes a body's
# bytes with "surrogatepass"); `\\ud800` (an escaped backslash) matches too, and only costs the walk
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def holds_no_surrogate(body: bytes) -> bool:
    """True when the JSON ``body`` cannot hold a lone surrogate once parsed: UTF-8 (``json`` reads UTF-16 and UTF-32
    too, which this scan does not read), with no surrogate escape and no surrogate encoded as UTF-8."""
    return json.detect_encoding(body) in ("utf-8", "utf-8-sig") and _SURROGATE.search(body) is None


_walker: ThreadPoolExecutor | None = None


async def surrogate_path(parsed: Any) -> str | None:
    """:func:`unencodable_path` of a parsed body, in a thread of its own (one body at a time: the walks of many bodies
    take the GIL from the event loop no more than one does)."""
    global _walker
    if _walker is None:
        _walker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipelex-body-walk")
    return await asyncio.get_running_loop().run_in_executor(_walker, unencodable_path, parsed)


class BodyRequest(Request):
    """A request whose JSON body is parsed by :func:`parse_json_body`; otherwise starlette's own."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            self._json = parse_json_body(body)
            path = None if holds_no_surrogate(body) else await surrogate_path(self._json)
            # in this request's task only: the models validating this body read the result instead of walking it
            CHECKED_BODY.set((self._json, path))
        return self._json


def inputs_source(request: Request, inputs: dict[str, Any] | None) -> bytes | None:
    """The JSON body of ``request`` when ``inputs`` holds the very values parsed from its ``inputs`` (so parsing the
    body again gives them back), else None."""
    parsed = getattr(request, "_json", None)
    body = getattr(request, "_body", None)
    if not inputs or not isinstance(parsed, dict) or not isinstance(body, bytes):
        return None
    given = cast(dict[str, Any], parsed).get("inputs")
    if not isinstance(given, dict) or given.keys() != inputs.keys():
        return None
    return body if all(inputs[name] is value for name, value in cast(dict[str, Any], given).items()) else None


class BodyRoute(APIRoute):
    """The API's routes: FastAPI's, reading the body through :class:`BodyRequest` (``APIRouter(route_class=...)``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(BodyRequest(request.scope, request.receive))

        return handle

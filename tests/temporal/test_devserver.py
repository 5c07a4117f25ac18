"""The local dev server started on ports picked free: a port another process takes before the bind is picked again."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from pipelex.backends.temporal import devserver
from pipelex.backends.temporal.devserver import DevServer
from pipelex.errors import TemporalUnavailableError


def _taken_port(holder: socket.socket) -> int:
    """A port bound by ``holder`` (not listening: a connection to it is refused, a bind of it fails)."""
    holder.bind(("127.0.0.1", 0))
    return int(holder.getsockname()[1])


def test_a_port_taken_before_the_bind_is_picked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        taken = _taken_port(holder)
        real_free_port = devserver.free_port
        picks: Iterator[int] = iter(
            [taken]
        )  # the first pick (the frontend's) loses the race; then real picks
        monkeypatch.setattr(devserver, "free_port", lambda: next(picks, None) or real_free_port())
        server = DevServer().wait_ready()
        try:
            assert server.port != taken
            with socket.create_connection(("127.0.0.1", server.port), timeout=5):
                pass
        finally:
            server.stop()


def test_a_port_the_caller_chose_and_cannot_have_is_a_clear_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        taken = _taken_port(holder)
        server = DevServer(port=taken)
        with pytest.raises(TemporalUnavailableError, match="address already in use"):
            server.wait_ready()
        server.stop()

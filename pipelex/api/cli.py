"""``pipelex api serve``: the runner API under uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelex.config.settings import PipelexConfig


def serve(args: argparse.Namespace) -> int:
    """Boot pipelex, build the app and serve it until interrupted; return the exit code."""
    import uvicorn

    from pipelex.api.app import configured_api_key, create_app, forced_dry_run
    from pipelex.api.protocol import PROTOCOL_VERSION
    from pipelex.boot import Pipelex

    config = Pipelex.config()
    if args.temporal and not config.temporal.is_enabled:
        config = config.model_copy(
            update={"temporal": config.temporal.model_copy(update={"is_enabled": True})}
        )
    if getattr(args, "dry_run", False):
        config = config.model_copy(update={"api": config.api.model_copy(update={"force_dry_run": True})})
    Pipelex.make(config=config)
    if config.temporal.is_enabled and config.temporal.address:
        problem = _temporal_unreachable(config)
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            return 1
    key = configured_api_key(config)
    if key is None and not _is_loopback(args.host):
        print(
            f"warning: serving on {args.host} with no API key: anyone who can reach it can run bundles; set "
            f"{config.api.api_key_env}",
            file=sys.stderr,
        )
    app = create_app(config, api_key=key)
    backend = "temporal" if config.temporal.is_enabled else "direct"
    dry = " every run dry;" if forced_dry_run(config) else ""
    print(
        f"pipelex runner API (MTHDS Protocol {PROTOCOL_VERSION}) on http://{args.host}:{args.port} (backend "
        f"{backend},{dry} API key {'required' if key else 'not required'}; OpenAPI at /openapi.json)",
        file=sys.stderr,
        flush=True,
    )
    from pipelex.api.guards import uvicorn_config

    server = uvicorn.Server(
        uvicorn_config(
            app,
            config.limits,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=args.access_log,
        )
    )
    server.run()
    return 0


def _temporal_unreachable(config: PipelexConfig) -> str | None:
    """Why the configured Temporal server cannot be reached (checked before serving), or None."""
    import asyncio

    from pipelex.backends.temporal.client import connect
    from pipelex.errors import PipelexError

    try:
        asyncio.run(connect(config))
    except PipelexError as exc:
        return str(exc)
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

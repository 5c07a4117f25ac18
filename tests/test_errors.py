"""The error tree drawn in ``pipelex/errors.py`` is the class hierarchy, and every error pipelex raises on purpose
is defined there (a test, so the drawing can never drift from the classes again)."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pipelex.errors as errors_module
from pipelex.errors import PipelexError

PACKAGE = Path(errors_module.__file__).parent
_TREE_LINE = re.compile(r"^(?P<indent>(?:[│ ] {3})*)(?:[├└]── )?(?P<name>[A-Z]\w+)(?:\s|$)")


def drawn_tree() -> dict[str, str | None]:
    """``class name -> parent name`` as the module docstring draws it (None for the root)."""
    doc = errors_module.__doc__ or ""
    block = doc.split("::", 1)[1]
    parents: dict[str, str | None] = {}
    stack: list[str] = []  # the names on the path to the current line, one per depth
    for line in block.splitlines():
        stripped = line[4:] if line.startswith("    ") else None
        if not stripped or not stripped.strip():
            if parents:
                break  # the drawing ends at the first blank line after it
            continue
        match = _TREE_LINE.match(stripped)
        assert match is not None, f"not a line of the tree: {line!r}"
        depth = len(match["indent"]) // 4 + (0 if stripped.startswith(match["name"]) else 1)
        name = match["name"]
        assert name not in parents, f"{name} is drawn twice"
        del stack[depth:]
        parents[name] = stack[-1] if stack else None
        stack.append(name)
    return parents


def defined_errors() -> dict[str, type[BaseException]]:
    return {
        name: value
        for name, value in vars(errors_module).items()
        if inspect.isclass(value)
        and issubclass(value, PipelexError)
        and value.__module__ == errors_module.__name__
    }


def test_the_drawn_tree_is_the_class_hierarchy() -> None:
    drawn = drawn_tree()
    classes = defined_errors()
    assert set(drawn) == set(classes), (
        f"drawn but not defined: {sorted(set(drawn) - set(classes))}; "
        f"defined but not drawn: {sorted(set(classes) - set(drawn))}"
    )
    for name, cls in classes.items():
        bases = [b.__name__ for b in cls.__bases__ if issubclass(b, PipelexError)]
        actual = bases[0] if bases else None
        assert drawn[name] == actual, f"{name} is drawn under {drawn[name]}, but derives from {actual}"


def test_the_drawing_is_read_as_a_tree() -> None:
    # the parser above is itself checked on a known shape: a wrong depth would pass the test above vacuously
    drawn = drawn_tree()
    assert drawn["PipelexError"] is None
    assert drawn["BundleError"] == "PipelexError"
    assert drawn["MissingKeyError"] == "ProviderError"
    assert drawn["TemplateBudgetExceeded"] == "LimitExceededError"
    assert drawn["UsageError"] == "PipelexError"
    assert len(drawn) >= 25


def test_no_error_of_the_tree_is_defined_outside_errors_py() -> None:
    tree = set(drawn_tree())
    elsewhere: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == Path(errors_module.__file__):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {
                    b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
                    for b in node.bases
                }
                if bases & tree:
                    elsewhere.append(
                        f"{path.relative_to(PACKAGE.parent)}: class {node.name}({', '.join(sorted(bases))})"
                    )
    assert not elsewhere, "define these in pipelex/errors.py and draw them in its tree:\n" + "\n".join(
        elsewhere
    )

"""A template may not reach pydantic's machinery through a content object.

Jinja2's sandbox refuses underscore names, but a content object is a pydantic model, whose public methods include
``parse_file`` (reads any file of the server: a JSON file's values came back in the validation error) and
``parse_raw(text, content_type="application/pickle", allow_pickle=True)``, which unpickles a string the template
chose: a runner API caller ran a shell command on the server with ``{{ t.parse_raw(t.text, ...) }}`` and a
protocol-0 pickle as the input ``t``. Only the fields, pipelex's own methods and pydantic's read-only dumps stay.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from pipelex.concepts.natives import TextContent
from pipelex.pipes.sandbox import BudgetedEnvironment
from tests.security.conftest import Watched, served_api


def _bundle(template: str) -> str:
    return (
        'domain = "t"\nmain_pipe = "p"\n\n[pipe.p]\ntype = "PipeCompose"\ndescription = "x"\n'
        f'inputs = {{ t = "Text" }}\noutput = "Text"\ntemplate = {json.dumps(template)}\n'
    )


def _pickle_running(command: str) -> str:
    """A protocol-0 pickle (ASCII) that calls ``os.system(command)`` when unpickled."""
    return f"cos\nsystem\n(S'{command}'\ntR."


ESCAPES = [
    "{{ t.parse_raw(t.text, content_type='application/pickle', allow_pickle=True) }}",
    "{{ (t|attr('parse_raw'))(t.text, content_type='application/pickle', allow_pickle=True) }}",
    "{{ t['parse_raw'](t.text, content_type='application/pickle', allow_pickle=True) }}",
    "{{ t.model_validate_json(t.text) }}",
]


@pytest.mark.parametrize(
    "attr",
    ["parse_file", "parse_raw", "parse_obj", "model_validate", "model_validate_json", "model_construct",
     "construct", "model_rebuild", "update_forward_refs", "model_copy", "copy", "from_orm", "schema_json",
     "model_json_schema", "model_post_init"],
)  # fmt: skip
def test_pydantic_machinery_is_unsafe_on_a_content_object_and_its_class(attr: str) -> None:
    env = BudgetedEnvironment()
    content = TextContent(text="hello")
    assert not env.is_safe_attribute(content, attr, getattr(content, attr))
    assert not env.is_safe_attribute(TextContent, attr, getattr(TextContent, attr))


def test_fields_pipelex_methods_and_dumps_stay_readable() -> None:
    env = BudgetedEnvironment()
    content = TextContent(text="hello")
    for attr in ("text", "markdown_text", "model_dump", "model_dump_json", "dict", "json"):
        if hasattr(content, attr):
            assert env.is_safe_attribute(content, attr, getattr(content, attr)), attr
    rendered = env.from_string("{{ t.text }} {{ t.model_dump()['text'] }}").render(t=content)
    assert rendered == "hello hello"


def test_a_field_named_like_a_pydantic_method_is_read_as_its_value() -> None:
    from pydantic import create_model

    model = create_model("Shadow", schema_=(str, "x"), copy_=(str, "y"))
    env = BudgetedEnvironment()
    assert env.from_string("{{ s.schema_ }}{{ s.copy_ }}").render(s=model()) == "xy"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("api-escapes")
    with served_api(folder, "") as url:
        yield url, folder


@pytest.mark.parametrize("template", ESCAPES)
def test_the_api_runs_no_code_a_template_unpickles(api: tuple[str, Path], template: str) -> None:
    url, folder = api
    marker = folder / "pwned"
    answer = httpx.post(
        f"{url}/v1/execute",
        json={
            "mthds_contents": [_bundle(template)],
            "inputs": {"t": _pickle_running(f"touch {marker}")},
            "dry_run": False,
        },
        timeout=60,
    )
    assert not marker.exists(), "a template ran a shell command on the server"
    assert answer.status_code == 422, answer.text[:1000]
    assert "unsafe" in answer.json()["detail"], answer.text[:1000]


def test_the_api_reads_no_server_file_through_a_template(api: tuple[str, Path]) -> None:
    url, folder = api
    secret = folder / "secret.json"
    secret.write_text('{"text": "a secret of the server", "key": "sk-not-for-callers"}', encoding="utf-8")
    answer = httpx.post(
        f"{url}/v1/execute",
        json={"mthds_contents": [_bundle(f"{{{{ t.parse_file({str(secret)!r}) }}}}")], "inputs": {"t": "x"}},
        timeout=60,
    )
    assert "secret of the server" not in answer.text and "sk-not-for-callers" not in answer.text
    assert answer.status_code == 422, answer.text[:1000]


def test_the_cli_refuses_the_same_template(run_watched_cli: Callable[..., Watched], tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    (tmp_path / "t.mthds").write_text(_bundle(ESCAPES[0]), encoding="utf-8")
    inputs = json.dumps({"t": _pickle_running(f"touch {marker}")})
    watched = run_watched_cli("run", "bundle", "t.mthds", "-i", inputs, "-o", "out", "--no-graph", timeout=90)
    assert not marker.exists()
    assert watched.code == 1, (watched.code, watched.err[-2000:])
    assert "Traceback" not in watched.err and "unsafe" in watched.err, watched.err[-2000:]


ADDRESS_LEAKS = [
    "{{ d.fromisoformat }}",
    "{{ t.text.upper }}",
    "{{ t.model_dump }}",
    "{{ range }}",
    "{{ joiner() }}",
    "{{ cycler(1) }}",
    "{{ [1, 2]|map('string') }}",
    "{{ [1]|reverse }}",
    "{{ d.fromisoformat ~ '' }}",
    "{{ d.fromisoformat|string|upper }}",
    "{{ '%s' % d.fromisoformat }}",
    "{{ '{}'.format(d.fromisoformat) }}",
    "{{ '{0.replace}'.format(d) }}",
    "{{ [d.fromisoformat]|join }}",
    "{{ {'a': range} }}",
    "{% set f = d['replace'] %}{{ f }}",
    "{{ t|attr('model_dump') }}",
]


@pytest.mark.parametrize("template", ADDRESS_LEAKS)
def test_no_printed_value_shows_a_memory_address(template: str) -> None:
    """Python's default ``repr`` of a function, a method, an iterator or an object holds its address (``<built-in
    method fromisoformat of type object at 0x7f...>``): a template printed the server's memory layout."""
    import datetime

    from pipelex.pipes.rendering import render_template  # the renderer every pipe uses

    rendered = render_template(
        template, {"d": datetime.date(2026, 1, 2), "t": TextContent(text="hi")}, pipe_code="p"
    )
    assert "0x" not in rendered.lower(), rendered
    assert rendered.strip(), template


def test_functions_still_work_where_they_are_called_or_iterated() -> None:
    import datetime

    from pipelex.pipes.rendering import render_template

    context = {"d": datetime.date(2026, 1, 2), "t": TextContent(text="hi")}
    cases = {
        "{{ d.replace(year=2027) }}": "2027-01-02",
        "{{ t.text.upper() }}|{{ (t|attr('model_dump'))()['text'] }}": "HI|hi",
        "{{ [1, 2]|map('string')|join(',') }}{% for x in [3, 1]|reverse %}{{ x }}{% endfor %}": "1,213",
        "{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ range(3)|list }}": "ab[0, 1, 2]",
        "{{ '{}-{}'.format(1, 2) }}{{ t.model_dump is callable }}": "1-2True",
    }
    for template, expected in cases.items():
        assert render_template(template, context, pipe_code="p") == expected, template

"""Template renders have a budget: steps (loop iterations and calls) and size (output and built values).

The bombs run in one child process under a watchdog (timeout and memory ceiling): a regression fails
these tests instead of hanging or exhausting the machine.
"""

from __future__ import annotations

import json
import sys
import textwrap
from typing import Any

import pytest

from tests.security.conftest import watched

BOMBS: dict[str, tuple[str, str]] = {  # name -> (template, the limit that stops it)
    "nested loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "template_max_steps",
    ),
    "huge range to a list": ("{{ range(1000000000)|list|length }}", "template_max_steps"),
    "exponential macro": (
        "{% macro f(n) %}{% if n > 0 %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
        "template_max_steps",
    ),
    "repeated text": ("{{ 'a' * 10000000000 }}", "template_max_output_chars"),
    "repeated list": ("{{ ([1] * 100000) * 100000 }}", "template_max_output_chars"),
    "center filter": ("{{ 'a'|center(1000000000) }}", "template_max_output_chars"),
    "ljust method": ("{{ 'a'.ljust(1000000000) }}", "template_max_output_chars"),
    "percent width": ("{{ '%0999999999d' % 1 }}", "template_max_output_chars"),
    "percent star width": ("{{ '%*d' % (999999999, 1) }}", "template_max_output_chars"),
    "format width": ("{{ '{:>999999999}'.format(1) }}", "template_max_output_chars"),
    "format nested width": ("{{ '{:{w}}'.format(1, w=999999999) }}", "template_max_output_chars"),
    "namespace doubling": (
        "{% set ns = namespace(x='a') %}{% for i in range(60) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}",
        "template_max_output_chars",
    ),
    "block set doubling": (
        "{% set ns = namespace(x='a') %}{% for i in range(60) %}{% set ns.x %}{{ ns.x }}{{ ns.x }}{% endset %}"
        "{% endfor %}",
        "template_max_output_chars",
    ),
    "list extend doubling": (
        "{% set l = [1] %}{% for i in range(60) %}{{ l.extend(l) }}{% endfor %}",
        "template_max_output_chars",
    ),
    "replace blow-up": ("{{ ('a' * 100000)|replace('a', 'a' * 100000) }}", "template_max_output_chars"),
    "indent blow-up": ("{{ ('\\n' * 100000)|indent(100000) }}", "template_max_output_chars"),
    "join blow-up": ("{{ (['x'] * 100000)|join('y' * 100000) }}", "template_max_output_chars"),
    "long output": (
        "{% for i in range(90000) %}{{ 'abcdefghijklmnop' }}{% endfor %}",
        "template_max_output_chars",
    ),
    "big power": ("{{ 2 ** 100000000 }}", "template_max_int_bits"),
    "tojson indent": ("{{ {'a': [1, 2]}|tojson(indent=999999999) }}", "template_max_output_chars"),
    # each value under the size limit, kept together: 100,000 texts of ~1 MB in one list took 100 GB
    "append texts": (
        "{% set l = [] %}{% for i in range(100000) %}{{ l.append('a' * 999990 ~ i) }}{% endfor %}",
        "template_max_output_chars",
    ),
    "update texts": (
        "{% set d = {} %}{% for i in range(100000) %}{{ d.update({i: 'a' * 999990 ~ i}) }}{% endfor %}",
        "template_max_output_chars",
    ),
    "namespace list of texts": (
        "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = ns.l + ['a' * 999990 ~ i] %}"
        "{% endfor %}",
        "template_max_output_chars",
    ),
    "lists of lists": (
        "{% set l = [] %}{% for i in range(100000) %}{{ l.append(range(100000)|list) }}{% endfor %}",
        "template_max_output_chars",
    ),
    "map center": ("{{ (['a'] * 100000)|map('center', 999999)|list|length }}", "template_max_output_chars"),
    # the case-folding filters lowercase each text they compare, a copy per item: 3,000 references to one text of
    # ~1 MB made 3 GB of copies (~4 s of CPU) while every value stayed under the limits
    "unique of big texts": ("{{ (['x' * 999999] * 3000)|unique|list|length }}", "template_max_output_chars"),
    "sort of big texts": ("{{ (['x' * 999999] * 3000)|sort|length }}", "template_max_output_chars"),
    "max of big texts": ("{{ (['x' * 999999] * 3000)|max|length }}", "template_max_output_chars"),
    "unique of big attributes": (
        "{{ ([{'a': 'x' * 999999}] * 3000)|unique(attribute='a')|list|length }}",
        "template_max_output_chars",
    ),
    "groupby of big texts": (
        "{{ ([{'a': 'x' * 999999}] * 3000)|groupby('a')|list|length }}",
        "template_max_output_chars",
    ),
    "sum of lists": ("{{ ([[1] * 999999] * 1000)|sum(start=[])|length }}", "template_max_output_chars"),
    # bytes have the text methods and % formatting too; an int makes any number of bytes
    "bytes center": ("{{ 'a'.encode().center(10000000000)|length }}", "template_max_output_chars"),
    "bytes percent width": ("{{ ('%0999999999d'.encode() % 1)|length }}", "template_max_output_chars"),
    "bytes expandtabs": ("{{ '\t'.encode().expandtabs(10000000000)|length }}", "template_max_output_chars"),
    "int to_bytes": ("{{ (1).to_bytes(10000000000, 'big')|length }}", "template_max_output_chars"),
    # the width after a field name or key the size check's patterns did not read (ninth hostile pass): a field
    # name holding `}` in brackets, a `%` key holding parentheses; each allocated before the check of what was built
    "format field name holding a brace": (
        "{{ '{0[}]:>999999999999}'.format({'}': 1})|length }}",
        "template_max_output_chars",
    ),
    "format_map field name holding a brace": (
        "{{ '{a[}]:>999999999999}'.format_map({'a': {'}': 1}})|length }}",
        "template_max_output_chars",
    ),
    "format nested width after a brace": (
        "{{ '{0[}]:>{w}}'.format({'}': 1}, w=999999999999)|length }}",
        "template_max_output_chars",
    ),
    "percent key holding parentheses": (
        "{{ ('%((a))999999999999s' % {'(a)': 1})|length }}",
        "template_max_output_chars",
    ),
    # a width an argument holds in a shape the size check did not read, and a field repeated (tenth hostile
    # pass): each was built (3 GB, past this child's 2 GiB ceiling) before the check of what was built
    "format nested width from a text": (
        "{{ '{:{w}}'.format('a', w='2999999999')|length }}",
        "template_max_output_chars",
    ),
    "format nested width from a list": (
        "{{ '{0:{1[0]}}'.format('a', [2999999999])|length }}",
        "template_max_output_chars",
    ),
    "format_map nested width from the mapping": (
        "{{ '{a:{w}}'.format_map({'a': 'x', 'w': 2999999999})|length }}",
        "template_max_output_chars",
    ),
    # a container's text: a few thousand references to one text under the budget (3,000 items of a list) are 3 GB
    # of text once written, which the checks of lengths (items, not characters) let pass until it was built
    "printed list of one text": ("{{ ['a' * 999999] * 3000 }}", "template_max_output_chars"),
    "list as a string": ("{{ (['a' * 999999] * 3000)|string|length }}", "template_max_output_chars"),
    "list concatenated": ("{{ ('' ~ (['a' * 999999] * 3000))|length }}", "template_max_output_chars"),
    "list percent-formatted": (
        "{{ ('%s' % ((['a' * 999999] * 3000),))|length }}",
        "template_max_output_chars",
    ),
    "list str-formatted": ("{{ '{}'.format(['a' * 999999] * 3000)|length }}", "template_max_output_chars"),
    "list to json": ("{{ (['a' * 999999] * 3000)|tojson|length }}", "template_max_output_chars"),
    "list joined": ("{{ (['a' * 999999] * 3000)|join|length }}", "template_max_output_chars"),
    "mapping url-encoded": (
        "{{ {'a': ['x' * 999999] * 3000}|urlencode|length }}",
        "template_max_output_chars",
    ),
    "mapping as attributes": (
        "{{ {'a': ['x' * 999999] * 3000}|xmlattr|length }}",
        "template_max_output_chars",
    ),
    "list tagged": ("{{ (['a' * 999999] * 3000)|tag|length }}", "template_max_output_chars"),
    "namespace printed": (
        "{% set ns = namespace(l=['a' * 999999] * 3000) %}{{ ns }}",
        "template_max_output_chars",
    ),
    "shared inner list": ("{% set x = ['a' * 500000] %}{{ [x] * 3000 }}", "template_max_output_chars"),
    "dict items printed": (
        "{% set d = {'k': 'a' * 999999} %}{{ [d.items()] * 3000 }}",
        "template_max_output_chars",
    ),
    "percent key repeated": (
        "{{ (('%(a)s' * 3000) % {'a': 'a' * 999999})|length }}",
        "template_max_output_chars",
    ),
    "format field repeated": (
        "{{ ('{0}' * 3000).format('a' * 999999)|length }}",
        "template_max_output_chars",
    ),
    "format_map field repeated": (
        "{{ ('{t}' * 3000).format_map({'t': 'a' * 999999})|length }}",
        "template_max_output_chars",
    ),
}

_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pipelex.errors import LimitExceededError, PipeRunError
    from pipelex.pipes.rendering import render_template
    results = {}
    for name, template in json.loads(sys.stdin.read()).items():
        started = time.monotonic()
        try:
            render_template(template, {}, pipe_code="bomb")
            results[name] = {"outcome": "rendered"}
        except LimitExceededError as exc:
            results[name] = {"outcome": "limit", "limit": exc.limit, "message": str(exc), "pipe": exc.pipe_code}
        except PipeRunError as exc:
            results[name] = {"outcome": "failed", "message": str(exc)}
        results[name]["seconds"] = time.monotonic() - started
    print(json.dumps(results))
    """
)


@pytest.fixture(scope="module")
def bomb_results() -> dict[str, Any]:
    done = watched(
        [sys.executable, "-c", _CHILD],
        timeout=120,
        memory_bytes=2 * 1024**3,
        stdin=json.dumps({name: template for name, (template, _) in BOMBS.items()}),
    )
    assert not done.timed_out, "a template bomb was not stopped (the watchdog killed the renderer)"
    assert done.code == 0, done.err[-3000:]
    return json.loads(done.out)


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bomb_is_stopped_by_its_limit(name: str, bomb_results: dict[str, Any]) -> None:
    result = bomb_results[name]
    assert result["outcome"] == "limit", result
    assert result["limit"] == BOMBS[name][1]
    assert result["pipe"] == "bomb"
    assert result["message"].startswith("pipe 'bomb': ")
    if result["limit"] != "template_max_int_bits":  # the message names the setting to raise
        assert f"[limits] {result['limit']}" in result["message"]


_SLOW_FORMATS = {  # a format text of ~1 M characters the size check read in quadratic time (hours)
    "brace spec": "{{ ('{' ~ ':' * 999000).format() }}",
    "percent keys": "{{ ('%(' * 499000) % {} }}",
    "percent keys closed": "{{ ('%(' * 499000 ~ ')' * 10) % {} }}",
}


def test_the_size_check_of_a_format_text_is_linear() -> None:
    """The widths of a format text are read in one pass: a template formatting a 1 M-character text that is not a
    valid format fails at once, as formatting it would (the patterns searched from every `{` or `%` took hours)."""
    child = textwrap.dedent(
        """
        import json, sys, time
        from pipelex.errors import PipeRunError
        from pipelex.pipes.rendering import render_template
        results = {}
        for name, template in json.loads(sys.stdin.read()).items():
            started = time.monotonic()
            try:
                render_template(template, {}, pipe_code="slow")
                results[name] = "rendered"
            except PipeRunError as exc:
                results[name] = str(exc)
            results[name + " seconds"] = time.monotonic() - started
        print(json.dumps(results))
        """
    )
    done = watched([sys.executable, "-c", child], timeout=60, stdin=json.dumps(_SLOW_FORMATS))
    assert not done.timed_out, "the size check of a format text did not end"
    assert done.code == 0, done.err[-3000:]
    results = json.loads(done.out)
    assert "unmatched '{' in format spec" in results["brace spec"]
    assert "incomplete format key" in results["percent keys"]
    assert "incomplete format key" in results["percent keys closed"]
    for name in _SLOW_FORMATS:
        assert results[name + " seconds"] < 5, results


def test_format_texts_are_read_as_python_reads_them() -> None:
    """Escaped braces and a literal `%%` hold no width: the texts they look like are rendered, not refused."""
    from pipelex.pipes.rendering import render_template

    template = (
        "{{ '{{:999999999999}}'.format() }} {{ '%%999999999999d' % () }} {{ '%(a)s|%((b))5s' % {'a': 1, '(b)': 2} }} "
        "{{ '{0[}]:>4}|{w:{p}}'.format({'}': 'x'}, w='y', p=3) }}"
    )
    assert render_template(template, {}, pipe_code="p") == "{:999999999999} %999999999999d 1|    2    x|y  "
    formats = (
        "{{ '{0:>5}|{1:.2f}|{x!r:^7}|{:{}}|'.format('ab', 3.14159, x='q') if false }}"
        "{{ '{:>{}}|{:.{p}f}'.format('a', 3, 2.5, p=1) }}|{{ '{a[b]}-{c:{w}}'.format_map({'a': {'b': 7}, 'c': 'z', 'w': 2}) }}"
        "|{{ ('{0}' * 3).format('ab') }}|{{ '{0.upper}'.format('a') }}"
    )
    assert render_template(formats, {}, pipe_code="p") == "  a|2.5|7-z |ababab|<method upper>"


def test_containers_print_as_before() -> None:
    """The weighing of a container's text refuses nothing an ordinary template prints (each check reads at most the
    texts the container holds, which every way of writing it writes in full)."""
    from pipelex.pipes.rendering import render_template

    template = (
        "{{ [[1, 2], [3]] }} {{ (['x'] * 3)|join(',') }} {{ {'a': [1]}|tojson }} {{ '%s-%s' % ('a', [1, 2]) }} "
        "{{ [1, 2]|string }} {{ '%(a)s %(a)r %%' % {'a': 'q'} }} {{ '%*d|%-3s|' % (3, 1, 'x') }} "
        "{{ '{:>3}{}'.format('a', ['b']) }} {% set l = [1] %}{{ l.append(l) or '' }}{{ l }} {{ ('y' ~ [2]) }}"
    )
    expected = "[[1, 2], [3]] x,x,x {\"a\": [1]} a-[1, 2] [1, 2] q 'q' %   1|x  |   a['b'] [1, [...]] y[2]"
    assert render_template(template, {}, pipe_code="p") == expected
    # a list just under the budget (1,000,000 characters of text) prints; past it, it is refused before it is built
    assert len(render_template("{{ ['a' * 1000] * 990 }}", {}, pipe_code="p")) == 990 * 1004


def test_the_text_size_of_a_value_is_at_most_its_text() -> None:
    """:func:`text_size` is a lower bound of every way a value is written (``str``, ``repr``, JSON), on values drawn
    with shared parts, nesting and every kind of leaf."""
    import json as json_module
    import random

    from pipelex.pipes.sandbox import text_size

    rng = random.Random(7)

    def draw(depth: int) -> Any:
        kind = rng.randrange(7 if depth < 4 else 4)
        if kind == 0:
            return "".join(rng.choice('ab"\\é\n') for _ in range(rng.randrange(6)))
        if kind == 1:
            return rng.randrange(-(10**6), 10**6)
        if kind == 2:
            return rng.choice([None, True, 1.5])
        if kind == 3:
            return ""
        if kind == 4:
            return [draw(depth + 1) for _ in range(rng.randrange(4))]
        if kind == 5:
            return {str(rng.randrange(9)): draw(depth + 1) for _ in range(rng.randrange(3))}
        shared = draw(depth + 1)
        return [shared] * rng.randrange(1, 4)

    for _ in range(2000):
        value = draw(0)
        size = text_size(value, 10**9)
        assert size <= len(str(value)) and size <= len(json_module.dumps(value, ensure_ascii=False)), value

    # contents: a text's counts (so `[note] * 3000` of a large input is weighed); an image's URL (a data URL, written
    # as a link or a token) and a ListContent inside a list (written by its count) do not
    from pipelex.concepts.native_classes.base import TextContent
    from pipelex.concepts.natives import ImageContent, ListContent

    note = TextContent(text="n" * 1000)
    image = ImageContent(url="data:image/png;base64," + "A" * 1000)
    listed = ListContent(items=[note, note])
    for value in ([note] * 3, [image, listed], {"k": [note, image]}):
        assert text_size(value, 10**9) <= len(str(value)), value
    assert text_size([note] * 3, 10**9) == 3000
    assert text_size([image, listed], 10**9) == 0


def test_lipsum_is_not_offered() -> None:
    from pipelex.errors import PipeRunError
    from pipelex.pipes.rendering import render_template

    with pytest.raises(PipeRunError, match="'lipsum' is undefined"):
        render_template("{{ lipsum(n=2000000) }}", {}, pipe_code="p")


def test_ordinary_templates_still_render() -> None:
    from pipelex.concepts.natives import TextContent
    from pipelex.pipes.rendering import render_template

    template = (
        "Hello $name. {% for i in range(3) %}{{ i }},{% endfor %} {{ '%05d' % 42 }} {{ '{:>6}'.format('x') }} "
        "{{ 'Total 2000000 %s' % 1 }} {{ 'ab' * 3 }} {{ ['a', 'b']|join(', ') }} {{ 2 ** 64 }} "
        "{{ '{}'.format(5000000) }}"
    )
    out = render_template(template, {"name": TextContent(text="Ada")}, pipe_code="p")
    assert out == ("Hello Ada. 0,1,2, 00042      x Total 2000000 1 ababab a, b 18446744073709551616 5000000")
    # accumulating in a loop, the usual Jinja idiom, stays within what a render may build in all (each step
    # builds the whole text again: 1,000 pieces of 100 characters build 50 M characters)
    accumulated = (
        "{% set ns = namespace(x='', l=[]) %}{% for i in range(1000) %}{% set ns.x = ns.x ~ ('y' * 100) %}"
        "{% set ns.l = ns.l + [i] %}{% endfor %}{{ ns.x|length }} {{ ns.l|length }} {{ range(1000)|sum }}"
    )
    assert render_template(accumulated, {}, pipe_code="p") == "100000 1000 499500"


def test_budget_comes_from_the_given_limits() -> None:
    from pipelex.config.settings import LimitsConfig
    from pipelex.errors import LimitExceededError
    from pipelex.pipes.rendering import render_template

    template = "{% for i in items %}x{% endfor %}"
    items = {"items": list(range(500))}
    assert render_template(template, items, pipe_code="p") == "x" * 500
    with pytest.raises(LimitExceededError) as caught:
        render_template(template, items, pipe_code="p", limits=LimitsConfig(template_max_steps=100))
    assert caught.value.limit == "template_max_steps"
    assert "more than 100 steps" in str(caught.value)
    with pytest.raises(LimitExceededError):
        render_template(
            "{% for i in range(2000) %}x{% endfor %}",
            {},
            pipe_code="p",
            limits=LimitsConfig(template_max_output_chars=1000),
        )


# ---------------------------------------------------------------------------------------------------- nesting
_DEEP_TEMPLATES = {  # nested past what Jinja2's recursive parser (or Python's compiler) handles
    "brackets": "{{ " + "(" * 300 + "1" + ")" * 300 + " }}",
    "filters": "{{ 1" + "|string" * 3000 + " }}",
    "ifs": "{% if true %}" * 3000 + "x" + "{% endif %}" * 3000,
}


@pytest.mark.parametrize("name", sorted(_DEEP_TEMPLATES))
def test_a_template_nested_too_deeply_is_a_template_error_with_its_place(name: str) -> None:
    """Validation reports it as a template syntax error of the pipe's field (file, line, pipe), not a crash: the
    CLI printed no location and the runner API answered 500."""
    from pipelex.config.deck import default_deck
    from pipelex.diagnostics import ErrorType
    from pipelex.language.library import build_library
    from pipelex.validation.static import check_library

    template = _DEEP_TEMPLATES[name]
    bundle = (
        'domain = "deep"\n\n[pipe.go]\ntype = "PipeCompose"\ndescription = "d"\noutput = "Text"\n'
        f"template = {json.dumps(template)}\n"
    )
    library = build_library([(bundle, "deep.mthds")])
    errors = check_library(library, default_deck())
    assert [e.error_type for e in errors] == [ErrorType.TEMPLATE_SYNTAX], errors
    assert "nests too deeply" in errors[0].message and errors[0].pipe == "go", errors[0]
    assert errors[0].file == "deep.mthds" and errors[0].line == 7


@pytest.mark.parametrize(
    "template",
    [
        pytest.param(
            "".join(f"{{% for a{i} in [1] %}}" for i in range(25)) + "x" + "{% endfor %}" * 25, id="loops"
        ),
        pytest.param("{% if true %}" * 120 + "x" + "{% endif %}" * 120, id="blocks"),
    ],
)
def test_a_template_python_cannot_compile_fails_its_pipe_clearly(template: str) -> None:
    """Past 20 nested loops or 100 nested blocks the code Jinja2 generates does not compile: the pipe fails with
    a template error that says so, not a SyntaxError about a line of generated Python."""
    from pipelex.errors import PipeRunError
    from pipelex.pipes.rendering import render_template

    with pytest.raises(PipeRunError) as caught:
        render_template(template, {}, pipe_code="p")
    assert "nests too deeply to be compiled" in str(caught.value)
    assert "<template>" not in str(caught.value) and "SyntaxError" not in str(caught.value)


_MODEL_CHILD = textwrap.dedent(
    """
    import json
    from pipelex.concepts.natives import ListContent, TextContent
    from pipelex.errors import LimitExceededError
    from pipelex.pipes.rendering import render_template
    context = {"t": TextContent(text="a"), "l": ListContent(items=[TextContent(text="b")] * 3)}
    results = {}
    for name, template in [("model", "{{ t.model_dump_json(indent=999999999) }}"),
                           ("list", "{{ l.model_dump_json(indent=3000000) }}"),
                           ("ordinary", "{{ t.model_dump_json(indent=2) }}|{{ l.model_dump_json(indent=1) }}")]:
        try:
            results[name] = render_template(template, context, pipe_code="bomb")
        except LimitExceededError as exc:
            results[name] = {"limit": exc.limit, "message": str(exc)}
    print(json.dumps(results))
    """
)


def test_a_json_dump_indented_past_the_budget_is_refused_before_it_is_built() -> None:
    # model_dump_json(indent=999999999) of a one-field model asked pydantic for gigabytes: on the runner API
    # the worker hit its memory ceiling (or pydantic's serializer panicked: a 500), on the CLI nothing bounded it
    done = watched([sys.executable, "-c", _MODEL_CHILD], timeout=120, memory_bytes=2 * 1024**3)
    assert not done.timed_out and done.code == 0, done.err[-3000:]
    results = json.loads(done.out)
    for name in ("model", "list"):
        assert results[name]["limit"] == "template_max_output_chars", results[name]
        assert "an indented JSON text" in results[name]["message"]
    assert results["ordinary"] == '{\n  "text": "a"\n}|' + json.dumps(
        {"items": [{"text": "b"}] * 3}, indent=1
    )


def test_case_folding_filters_still_compare_ignoring_case() -> None:
    """The read-ahead of `unique`, `sort`, `min`, `max`, `dictsort` and `groupby` counts their lowercased copies and
    changes nothing of what they return, with or without `case_sensitive`, on lists, attributes, mappings and
    iterators (read as they come, never ahead)."""
    from pipelex.pipes.rendering import render_template

    cases = {
        "{{ ['b', 'A', 'a', 'B']|unique|join(',') }}": "b,A",
        "{{ ['b', 'A', 'a', 'B']|unique(case_sensitive=true)|join(',') }}": "b,A,a,B",
        "{{ ['b', 'A', 'c']|sort|join(',') }}": "A,b,c",
        "{{ ['b', 'A', 'c']|sort(reverse=true, case_sensitive=true)|join(',') }}": "c,b,A",
        "{{ ['b', 'A', 'c']|min }}{{ ['b', 'A', 'c']|max }}": "Ac",
        "{{ [{'n': 'B'}, {'n': 'a'}]|sort(attribute='n')|map(attribute='n')|join(',') }}": "a,B",
        "{{ {'b': 1, 'A': 2}|dictsort|map('first')|join(',') }}": "A,b",
        "{{ {'x': 'b', 'y': 'A'}|dictsort(by='value')|map('last')|join(',') }}": "A,b",
        "{% for g in [{'k': 'a'}, {'k': 'A'}, {'k': 'b'}]|groupby('k') %}{{ g.grouper }}{{ g.list|length }} {% endfor %}": "a2 b1 ",
        "{{ ['b', 'a', 'B']|map('lower')|unique|join(',') }}": "b,a",
        "{{ [3, 1, 2]|sort|join(',') }}{{ [1, 'a']|unique|list|length }}": "1,2,32",
    }
    for template, expected in cases.items():
        assert render_template(template, {}, pipe_code="p") == expected, template

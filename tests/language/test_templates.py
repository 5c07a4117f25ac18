"""Template sigils (``$x``, ``@x``, ``@?x``, ``@@``) and the static analysis of what a template reads."""

from __future__ import annotations

import pytest

from pipelex.language.templates import (
    TemplateSyntaxProblem,
    analyze,
    inline_at_message,
    inline_at_sigils,
    preprocess,
)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hello $name", "Hello {{ name|format }}"),
        ("Ship to $parcel.address now", "Ship to {{ parcel.address|format }} now"),
        ("Total: $invoice.total.", "Total: {{ invoice.total|format }}."),
        ("It costs $100", "It costs $100"),
        ("A lone $ sign", "A lone $ sign"),
        ("${x}", "${x}"),
        ("@review", '{{ review|tag("review") }}'),
        ("  @review  ", '  {{ review|tag("review") }}'),
        ("@page.page_view", '{{ page.page_view|tag("page.page_view") }}'),
        ("@?notes", '{% if notes is defined %}{{ notes|tag("notes") }}{% endif %}'),
        ("@?a.b", '{% if a is defined %}{% if a.b %}{{ a.b|tag("a.b") }}{% endif %}{% endif %}'),
        ("Mail a@@b.com", "Mail a@b.com"),
        ("bob@example.com", "bob@example.com"),
        ("x @ y", "x @ y"),
        ("{{ '@x' }}", "{{ '@x' }}"),
        ("{% if y %}{{ y.z }}{% endif %}", "{% if y %}{{ y.z }}{% endif %}"),
        ("Intro $a\n@doc\nEnd", 'Intro {{ a|format }}\n{{ doc|tag("doc") }}\nEnd'),
    ],
    ids=[
        "dollar",
        "dollar-path",
        "dollar-trailing-dot",
        "dollar-digit",
        "dollar-alone",
        "dollar-brace",
        "at-line",
        "at-line-indented",
        "at-path",
        "at-optional",
        "at-optional-path",
        "at-escape",
        "email-untouched",
        "spaced-at",
        "at-inside-jinja",
        "raw-jinja",
        "multi-line",
    ],
)
def test_preprocess(template: str, expected: str) -> None:
    assert preprocess(template) == expected


@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("Sentiment of @review", "review"),
        ("@review:", "review"),
        ("Dear @?name,", "name"),
        ("{{ y }} then @x", "x"),
        ("Look at @page.page_view now", "page.page_view"),
    ],
    ids=["inline", "trailing-colon", "optional-inline", "after-jinja", "inline-path"],
)
def test_inline_at_sigil_is_found_with_a_fix(template: str, name: str) -> None:
    # validation refuses it when the name is an input of the pipe (tests/validation/test_reference_rules_wild.py)
    found = inline_at_sigils(template)
    assert found == ((template, name),)
    message = inline_at_message(*found[0])
    assert f"must appear alone on its own line: put '@{name}' on a line of its own, use '${name}'" in message
    assert "'@@' for a literal '@'" in message


def test_inline_at_sigil_message_snapshot() -> None:
    assert inline_at_message(*inline_at_sigils("Sentiment of @review")[0]) == (
        "the '@' sigil in 'Sentiment of @review' produces tag-wrapped block content and must appear alone on its own "
        "line: put '@review' on a line of its own, use '$review' for an inline value, or write '@@' for a literal '@'"
    )


@pytest.mark.parametrize(
    "template",
    [
        "@review",
        "  @?review.text",
        "mail me: a@@b.c",
        "team@example.com",
        "{{ '@x' }}",
        "{% if '@y' %}ok{% endif %}",
    ],
)
def test_an_at_alone_escaped_after_a_letter_or_in_jinja_is_not_inline(template: str) -> None:
    assert inline_at_sigils(template) == ()


def test_an_inline_at_is_text_to_the_preprocessor() -> None:
    # what it means is validation's to say (it knows the pipe's inputs): the preprocessor leaves it as written
    assert preprocess("Sign as @support_team, $name") == "Sign as @support_team, {{ name|format }}"


@pytest.mark.parametrize(
    ("template", "roots", "unguarded", "private"),
    [
        ("Hello $name", {"name"}, {"name"}, set()),
        ("$a and $b.c", {"a", "b"}, {"a", "b"}, set()),
        ("@?notes", {"notes"}, set(), set()),
        ("{% if opt is defined %}{{ opt }}{% endif %}", {"opt"}, set(), set()),
        ("{% if opt %}{{ opt.x }}{% endif %}", {"opt"}, set(), set()),
        ("{{ a if a is defined else 'none' }}", {"a"}, set(), set()),
        ("{% if a is defined %}A{% else %}{{ a }}{% endif %}", {"a"}, {"a"}, set()),
        ("{% if a %}A{% elif b %}{{ b }}{% else %}{{ c }}{% endif %}", {"a", "b", "c"}, {"c"}, set()),
        ("{% for i in items %}{{ i.name }} {{ loop.index }}{% endfor %}", {"items"}, {"items"}, set()),
        ("{% set z = a %}{{ z }}", {"a"}, {"a"}, set()),
        ("{{ x._secret }}", {"x"}, {"x"}, {"_secret"}),
        ("$_hidden", {"_hidden"}, {"_hidden"}, {"_hidden"}),
        ("{{ a['k'] }} {{ b|upper }}", {"a", "b"}, {"a", "b"}, set()),
        ("Plain text, no variables.", set(), set(), set()),
    ],
    ids=[
        "dollar",
        "two-dollars",
        "optional-block",
        "if-defined",
        "if-truthy",
        "cond-expr",
        "else-unguarded",
        "elif-chain",
        "for-loop-locals",
        "set-local",
        "private-attr",
        "private-root",
        "subscript-filter",
        "none",
    ],
)
def test_analyze(template: str, roots: set[str], unguarded: set[str], private: set[str]) -> None:
    analysis = analyze(template)
    assert analysis.roots == roots
    assert analysis.unguarded == unguarded
    assert roots - unguarded <= analysis.guarded
    assert analysis.private_names == private


def test_analyze_records_the_full_path_read() -> None:
    analysis = analyze("$invoice.customer.name")
    assert "invoice.customer.name" in analysis.paths


@pytest.mark.parametrize(
    ("expression", "roots", "private"),
    [
        ("parcel.size", {"parcel"}, set()),
        ("a.b and c > 3", {"a", "c"}, set()),
        ("_x.y == 'a'", {"_x"}, {"_x"}),
    ],
    ids=["path", "boolean", "private"],
)
def test_analyze_expression(expression: str, roots: set[str], private: set[str]) -> None:
    analysis = analyze(expression, is_expression=True)
    assert analysis.roots == roots
    assert analysis.private_names == private


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("{{ x", "Jinja2 syntax error at template line 1: unexpected end of template"),
        ("line\n{% if %}", "Jinja2 syntax error at template line 2"),
        ("{{ a @b }}", "unexpected char '@'"),
    ],
    ids=["unclosed", "empty-if-line-2", "at-in-expression"],
)
def test_analyze_reports_jinja_syntax(template: str, fragment: str) -> None:
    with pytest.raises(TemplateSyntaxProblem) as info:
        analyze(template)
    assert fragment in str(info.value)


def test_analyze_reads_no_variable_in_an_inline_at() -> None:
    assert analyze("Sentiment of @review, by $author").roots == frozenset({"author"})


def test_syntax_errors_are_value_errors() -> None:
    assert issubclass(TemplateSyntaxProblem, ValueError)


def test_dollar_inside_a_jinja_expression_is_left_alone() -> None:
    assert preprocess('{{ "costs $x" }}') == '{{ "costs $x" }}'


def test_with_block_names_are_local() -> None:
    assert analyze("{% with w = v %}{{ w }}{% endwith %}").roots == {"v"}


def test_macro_parameters_are_local() -> None:
    assert analyze("{% macro m(p) %}{{ p }}{% endmacro %}{{ m(q) }}").roots == {"q"}


def test_negated_defined_test_does_not_guard() -> None:
    assert analyze("{% if x is not defined %}{{ x }}{% endif %}").unguarded == {"x"}


@pytest.mark.parametrize(
    ("template", "unguarded"),
    [
        ("{% if x is not defined %}none{% else %}{{ x }}{% endif %}", set()),
        ("{% if not x %}none{% else %}{{ x }}{% endif %}", set()),
        ("{% if x is defined and y is defined %}{{ x }}{{ y }}{% endif %}", set()),
        ("{% if x is defined or y is defined %}{{ x }}{% endif %}", {"x"}),
        ("{% if not (x is defined and y is defined) %}{% else %}{{ y }}{% endif %}", set()),
        ("{{ 'none' if x is not defined else x }}", set()),
    ],
)
def test_guards_follow_not_and_or(template: str, unguarded: set[str]) -> None:
    assert analyze(template).unguarded == unguarded


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Write {{ '{{' }} for $name", "Write {{ '{{' }} for {{ name|format }}"),
        ('Write {{ "{%" }} for $name', 'Write {{ "{%" }} for {{ name|format }}'),
        ('{{ "}}" }} then $name', '{{ "}}" }} then {{ name|format }}'),
        ("{# a note #} $name", "{# a note #} {{ name|format }}"),
        ("{# $name #}", "{# $name #}"),
        ("{% if x %}{{ '}}' }}{% endif %} $name", "{% if x %}{{ '}}' }}{% endif %} {{ name|format }}"),
        ("{{ x ~ '$name' }}", "{{ x ~ '$name' }}"),
        ("{{ x $name", "{{ x $name"),
        ("a { $name }", "a { {{ name|format }} }"),
    ],
    ids=[
        "quoted-open-print",
        "quoted-open-statement",
        "quoted-close",
        "after-comment",
        "inside-comment",
        "quoted-in-if",
        "quoted-dollar",
        "unclosed",
        "single-braces",
    ],
)
def test_a_jinja_tag_ends_at_its_first_closing_delimiter_outside_quotes(template: str, expected: str) -> None:
    """A Jinja2 tag is read as Jinja2 reads it: a delimiter inside a quoted string is text, so a ``$name`` after
    ``{{ '{{' }}`` (how a template prints two braces) is outside any tag and is a sigil."""
    assert preprocess(template) == expected


def test_a_sigil_after_quoted_braces_is_read() -> None:
    assert analyze("Write {{ '{{' }} for $ticket.title").roots == {"ticket"}


@pytest.mark.parametrize(
    ("template", "roots"),
    [
        ("{% for n in notes %}{{ loop.index }}{% endfor %}", {"notes"}),
        ("{% for n in notes %}{% if loop.last %}.{% endif %}{% endfor %}", {"notes"}),
        ("{{ loop.index }}", {"loop"}),
        ("{% for n in notes %}{{ n }}{% endfor %}{{ loop.length }}", {"notes", "loop"}),
        ("{% for n in notes %}{{ n }}{% else %}{{ loop.index }}{% endfor %}", {"notes", "loop"}),
    ],
    ids=["in-body", "in-test", "outside", "after-loop", "in-else"],
)
def test_loop_is_a_variable_of_a_for_body_only(template: str, roots: set[str]) -> None:
    """``loop`` exists inside a ``{% for %}`` body only (Jinja2); elsewhere it is a name the template reads."""
    assert analyze(template).roots == roots


@pytest.mark.parametrize(
    ("template", "roots"),
    [
        ("{% set t %}$ticket.title{% endset %}{{ t }}", {"ticket"}),
        ("{% set t | upper %}{{ note }}{% endset %}Hello {{ t }}", {"note"}),
        ("{% set a, b = pair %}{% set c %}{{ a }}{% endset %}{{ c }}{{ b }}", {"pair"}),
        ("{{ t }}{% set t %}x{% endset %}", {"t"}),
        ("{% set t %}{{ other }}{% endset %}", {"other"}),
    ],
    ids=["block-set", "block-set-filter", "after-a-set", "read-before", "body-reads"],
)
def test_a_block_set_writes_its_name_and_reads_its_body(template: str, roots: set[str]) -> None:
    """``{% set x %}...{% endset %}`` assigns ``x`` as ``{% set x = ... %}`` does: the names its body reads are
    the template's, ``x`` after it is local."""
    assert analyze(template).roots == roots


@pytest.mark.parametrize(
    ("template", "roots"),
    [
        ("{% macro m(x=ticket.title) %}[{{ x }}]{% endmacro %}{{ m() }}", {"ticket"}),
        ("{% macro m(a, b=a) %}{{ b }}{% endmacro %}{{ m(note) }}", {"note"}),
        ("{% macro m(x=y) %}{% endmacro %}", {"y"}),
        ("{% macro box(w=width) %}[{{ caller() }}]{% endmacro %}{% call box() %}hi{% endcall %}", {"width"}),
    ],
    ids=["default-reads-an-input", "default-reads-a-parameter", "unused-macro", "call-block"],
)
def test_a_macro_default_reads_the_template_context(template: str, roots: set[str]) -> None:
    """A parameter's default is evaluated when a call leaves the parameter out: the names it reads are the
    template's (an earlier parameter excepted)."""
    assert analyze(template).roots == roots


def test_a_line_of_many_tags_and_sigils_is_read_tag_by_tag() -> None:
    """Each ``$`` of a long line is placed against the line's tags found once (a quoted ``}}`` included)."""
    unit = "{{ '}}' }} $name {% if x %}$name{% endif %} {# $name #} "
    assert preprocess(unit * 2000) == (
        "{{ '}}' }} {{ name|format }} {% if x %}{{ name|format }}{% endif %} {# $name #} " * 2000
    )
    assert inline_at_sigils("{{ '@x' }} " * 500 + "@guest") == (("{{ '@x' }} " * 500 + "@guest", "guest"),)


def test_an_analysis_is_made_once_per_template_and_an_error_is_raised_every_time() -> None:
    from pipelex.language.templates import TemplateSyntaxProblem, analyze

    first = analyze("Note: $note_for_the_cache")
    assert analyze("Note: $note_for_the_cache") is first  # immutable: shared
    assert first.roots == frozenset({"note_for_the_cache"})
    assert analyze("Note: $other_for_the_cache").roots == frozenset({"other_for_the_cache"})
    assert analyze("note_for_the_cache", is_expression=True) is not first
    for _ in range(2):
        with pytest.raises(TemplateSyntaxProblem):
            analyze("{% if x %}never closed, for the cache")


def test_analysing_a_new_sigil_template_runs_no_import_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path of a sigil template reaches its module once (a 400-step bundle analyses 400 distinct
    templates); its analysis is the one Jinja2's parse gives, private names in a path included."""
    import builtins

    from pipelex.language.templates import analyze_with_jinja

    analyze("Warm up: $first_template")
    imported: list[str] = []
    real_import = builtins.__import__

    def counting_import(name: str, *args: object, **kwargs: object) -> object:
        imported.append(name)
        return real_import(name, *args, **kwargs)  # pyright: ignore[reportArgumentType]

    monkeypatch.setattr(builtins, "__import__", counting_import)
    analysis = analyze("Fresh: $only_here._private.field and $_nb_output")
    monkeypatch.undo()
    assert imported == []
    assert analysis == analyze_with_jinja("Fresh: $only_here._private.field and $_nb_output")
    assert analysis.private_names == frozenset({"_private", "_nb_output"})

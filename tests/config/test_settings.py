"""pipelex.toml: sections, unknown keys, search order, environment overrides."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.config.settings import PipelexConfig, Section, default_config, load_config, parse_config
from pipelex.errors import ConfigError


def test_defaults_when_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PIPELEX_CONFIG", raising=False)
    config = load_config()
    assert config.source is None
    assert config.dry_run.nb_list_items == 3
    assert config.temporal.is_enabled is False
    assert config == PipelexConfig()


SECTIONS: list[type[Section]] = [
    type(default)
    for name in PipelexConfig.field_names()
    for default in [getattr(PipelexConfig, name)]
    if isinstance(default, Section)
]


@pytest.mark.parametrize("section", [PipelexConfig, *SECTIONS], ids=lambda cls: cls.__name__)
def test_defaults_made_without_a_validator_are_the_validated_defaults(section: type[Section]) -> None:
    """A command without a config file takes every default without validating it (no validator made): that
    must stay the instance the validator makes, e.g. if a section gains a validator that changes a value."""
    defaults = section()
    validated = section.model_validate({})
    assert type(validated) is section
    assert defaults == validated == section.model_construct()
    assert defaults.model_dump() == validated.model_dump() == section.validator()().model_dump()
    assert set(defaults.model_dump()) == set(section.field_names()) - {"source"}
    # each field, and nothing else, is the validator's field
    assert list(section.validator().model_fields) == list(section.field_names())


def test_a_section_is_validated_when_made_with_values() -> None:
    from pydantic import ValidationError

    from pipelex.config.settings import DryRunConfig, TemporalConfig

    with pytest.raises(ValidationError):
        DryRunConfig(nb_list_items=0)
    with pytest.raises(ValidationError):
        TemporalConfig(no_such_key=1)
    temporal = TemporalConfig(address="127.0.0.1:7233", retry_max_attempts="5")  # coerced, as pydantic does
    assert (temporal.address, temporal.retry_max_attempts, temporal.namespace) == (
        "127.0.0.1:7233",
        5,
        "default",
    )
    config = PipelexConfig(temporal=temporal)
    assert config.temporal == temporal and isinstance(config.temporal, TemporalConfig)
    assert config.model_copy(update={"source": "x"}).source == "x" and config.source is None
    # each instance has its own lists (as pydantic copies a mutable default)
    first, second = DryRunConfig(), DryRunConfig()
    assert (
        first.allowed_to_fail_pipes == [] and first.allowed_to_fail_pipes is not second.allowed_to_fail_pipes
    )


def test_a_config_round_trips_through_its_dump_and_pickle() -> None:
    import pickle

    config = parse_config("[dry_run]\nnb_list_items = 5\n[io]\nlocal_roots = ['a']\n", source="x.toml")
    again = PipelexConfig.model_validate(config.model_dump())
    assert again == config.model_copy(update={"source": None})
    assert pickle.loads(pickle.dumps(config)) == config
    assert config.model_dump(mode="json")["io"]["local_roots"] == ["a"]
    assert "source" not in config.model_dump()


def test_a_section_left_out_of_a_file_is_its_defaults() -> None:
    config = parse_config("[dry_run]\nnb_list_items = 5\n", source="x.toml")
    assert config.runtime == type(config.runtime)()
    assert config.limits == type(config.limits)()
    assert default_config().run_settings() == PipelexConfig().run_settings()


def test_sections_are_read_and_become_run_settings() -> None:
    config = parse_config("[dry_run]\nnb_list_items = 5\n[runtime]\nmax_concurrency = 3\n", source="x.toml")
    settings = config.run_settings()
    assert (settings.nb_list_items, settings.max_concurrency) == (5, 3)
    assert config.source == "x.toml"


def test_unknown_key_names_file_key_and_known_keys() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("[temporal]\nis_enabeld = true\n", source="proj/pipelex.toml")
    message = str(info.value)
    assert "proj/pipelex.toml" in message
    assert "temporal.is_enabeld" in message
    assert "is_enabled" in message


def test_bad_toml_and_bad_value_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config("[dry_run\n", source="p.toml")
    with pytest.raises(ConfigError, match="dry_run.nb_list_items"):
        parse_config("[dry_run]\nnb_list_items = 0\n", source="p.toml")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_utf16_config_file_is_told_as_such(tmp_path: Path, encoding: str) -> None:
    """Robustness pass (robust16): a pipelex.toml saved as UTF-16 (PowerShell's `>`) was "not UTF-8 text (byte 0)"
    with its byte-order mark, and without it "not valid TOML (Invalid initial character...)"."""
    path = tmp_path / "pipelex.toml"
    path.write_bytes("[dry_run]\nnb_list_items = 7\n".encode(encoding))
    with pytest.raises(ConfigError, match="it is UTF-16 text; save it as UTF-8") as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_search_order_and_explicit_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PIPELEX_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / ".pipelex").mkdir()
    (tmp_path / ".pipelex" / "pipelex.toml").write_text("[dry_run]\nnb_list_items = 7\n")
    assert load_config().dry_run.nb_list_items == 7
    (tmp_path / "pipelex.toml").write_text("[dry_run]\nnb_list_items = 9\n")
    assert load_config().dry_run.nb_list_items == 9
    other = tmp_path / "other.toml"
    other.write_text("[dry_run]\nnb_list_items = 2\n")
    monkeypatch.setenv("PIPELEX_CONFIG", str(other))
    assert load_config().dry_run.nb_list_items == 2
    monkeypatch.setenv("PIPELEX_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_config()


def test_temporal_env_overrides() -> None:
    config = PipelexConfig().with_env_overrides(
        {"PIPELEX_TEMPORAL_ADDRESS": "127.0.0.1:7233", "PIPELEX_TEMPORAL_TASK_QUEUE": "q2"}
    )
    assert config.temporal.address == "127.0.0.1:7233"
    assert config.temporal.task_queue == "q2"
    assert config.temporal.namespace == "default"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "is a folder, not a file"),
        (lambda p: os.mkfifo(p), "is not a regular file"),
        (lambda p: None, "does not exist"),
    ],
    ids=["folder", "named-pipe", "missing"],
)
def test_pipelex_config_naming_no_file_says_what_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Callable[[Path], object], expected: str
) -> None:
    target = tmp_path / "pipelex.toml"
    make(target)
    monkeypatch.setenv("PIPELEX_CONFIG", str(target))
    with pytest.raises(ConfigError, match=expected):
        load_config()


def test_a_config_file_with_a_byte_order_mark_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="byte-order mark.*without a BOM"):
        parse_config("\ufeff[dry_run]\nnb_list_items = 7\n", source="pipelex.toml")


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            'queue_by_kind = { PipeLLM = "q" }',
            "the key `PipeLLM` of `temporal.queue_by_kind`: Input should be 'llm'",
        ),
        ('queue_by_kind = { LLM = "q" }', "the key `LLM` of `temporal.queue_by_kind`"),
        (
            'queue_by_kind = { llm = "" }',
            "`temporal.queue_by_kind.llm`: String should have at least 1 character",
        ),
        (
            'queue_by_model = { "gpt-4o" = "" }',
            "`temporal.queue_by_model.gpt-4o`: String should have at least 1",
        ),
    ],
    ids=["pipe-type", "capitals", "empty-queue", "empty-model-queue"],
)
def test_temporal_routing_names_kinds_and_queues_that_route_nothing(table: str, expected: str) -> None:
    """A key outside the activity kinds (a typo, the pipe's type) or an empty queue was accepted, and the activities
    it meant to route went to the default queue without a word."""
    with pytest.raises(ConfigError) as caught:
        parse_config(f"[temporal]\n{table}\n", source="pipelex.toml")
    assert expected in str(caught.value)


def test_the_routed_kinds_are_the_operators_task_kinds() -> None:
    from typing import get_args

    from pipelex.config.settings import TaskKind
    from pipelex.pipes.kinds import all_kinds

    task_kinds = {kind.task_kind for kind in all_kinds().values() if kind.task_kind is not None}
    assert set(get_args(TaskKind)) == task_kinds
    config = parse_config('[temporal]\nqueue_by_kind = { llm = "a", img_gen = "gpu", func = "python" }\n')
    assert config.temporal.queue_by_kind == {"llm": "a", "img_gen": "gpu", "func": "python"}

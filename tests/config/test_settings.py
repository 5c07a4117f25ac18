"""pipelex.toml: sections, unknown keys, search order, environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from pipelex.config.settings import PipelexConfig, default_config, load_config, parse_config
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


SECTIONS: list[type[BaseModel]] = [
    field.annotation
    for field in PipelexConfig.model_fields.values()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
]


@pytest.mark.parametrize("section", [PipelexConfig, *SECTIONS], ids=lambda cls: cls.__name__)
def test_defaults_made_without_a_validator_are_the_validated_defaults(section: type[BaseModel]) -> None:
    """A command without a config file takes every default by ``model_construct`` (no validator built): that
    must stay the instance the validator makes, e.g. if a section gains a validator that changes a value."""
    constructed, validated = section.model_construct(), section()
    assert constructed == validated
    assert constructed.model_dump() == validated.model_dump()
    assert constructed.model_fields_set == validated.model_fields_set == set()


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

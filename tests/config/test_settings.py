"""pipelex.toml: sections, unknown keys, search order, environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelex.config.settings import PipelexConfig, load_config, parse_config
from pipelex.errors import ConfigError


def test_defaults_when_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PIPELEX_CONFIG", raising=False)
    config = load_config()
    assert config.source is None
    assert config.dry_run.nb_list_items == 3
    assert config.temporal.is_enabled is False


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

"""Settings are validated at start-up; a wrong one stops it with a message that names it."""

import pytest
from typer.testing import CliRunner

from parkbrain.cli import app as cli
from parkbrain.settings import SettingsError, load_settings


def test_defaults_and_port_from_either_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("PORT", raising=False)
    assert load_settings().port == 8000
    monkeypatch.setenv("PORT", "8123")
    assert load_settings().port == 8123
    monkeypatch.setenv("PARKBRAIN_HOME", str(tmp_path))
    assert load_settings().warehouse_path == tmp_path / "warehouse.duckdb"


@pytest.mark.parametrize(("variable", "value", "named"), [
    ("PORT", "eighty", "PORT"),
    ("PARKBRAIN_PORT", "70000", "PORT"),
    ("PARKBRAIN_LANG", "fr", "PARKBRAIN_LANG"),
    ("PARKBRAIN_WAREHOUSE_MEMORY_LIMIT", "lots", "PARKBRAIN_WAREHOUSE_MEMORY_LIMIT"),
    ("PARKBRAIN_HOMEDIR", "/tmp", "PARKBRAIN_HOMEDIR"),
])
def test_a_wrong_setting_is_named(monkeypatch, variable, value, named):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert named in str(caught.value)


def test_cli_stops_on_a_wrong_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("PORT", "abc")
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "status"])
    assert result.exit_code == 2 and "PORT" in result.output


def test_home_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(SettingsError, match="not a directory"):
        load_settings(home=tmp_path / "f")


def test_language_follows_locale_unless_set(monkeypatch):
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    assert load_settings().language == "en"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert load_settings().language == "zh"
    assert load_settings(lang="en").language == "en"

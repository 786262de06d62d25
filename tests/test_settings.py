"""Settings: defaults, the TOML file (flat or grouped in tables), then PYLEROMA_* variables."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from pyleroma.settings import REGISTRATION_MODES, Settings, SettingsError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyleroma.toml"
    path.write_text(text)
    return path


def test_defaults_without_file_or_environment():
    settings = load_settings(None, env={})

    assert settings.base_url == "http://127.0.0.1:4000" and settings.port == 4000
    assert settings.registrations == "open"
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("data/pyleroma.sqlite3")
    assert settings.is_sqlite and settings.domain == "127.0.0.1:4000"


def test_toml_flat_keys_and_tables(tmp_path):
    path = write(
        tmp_path,
        """
base_url = "https://social.example/"
registrations = "approval"
reserved_nicknames = ["one", "two"]

[instance]
name = "Example Social"
description = "A place"

[server]
port = 8080
host = "0.0.0.0"

[database]
url = "postgresql+asyncpg://pyleroma@db/pyleroma"
""",
    )

    settings = load_settings(path, env={})

    assert settings.base_url == "https://social.example"  # normalised: no trailing slash
    assert settings.domain == "social.example"
    assert settings.instance_name == "Example Social"
    assert settings.instance_description == "A place"
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)
    assert settings.database_url == "postgresql+asyncpg://pyleroma@db/pyleroma"
    assert not settings.is_sqlite
    assert settings.registrations == "approval"
    assert settings.reserved_nicknames == ["one", "two"]


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, 'instance_name = "From file"\nport = 5000\n')
    env = {
        "PYLEROMA_INSTANCE_NAME": "From env",
        "PYLEROMA_ACCOUNT_ACTIVATION_REQUIRED": "yes",
        "PYLEROMA_DATA_DIR": str(tmp_path / "elsewhere"),
        "PYLEROMA_RESERVED_NICKNAMES": "a, b ,c",
    }

    settings = load_settings(path, env=env)

    assert settings.instance_name == "From env"
    assert settings.port == 5000  # not overridden: the file wins over the default
    assert settings.account_activation_required is True
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.database_file == tmp_path / "elsewhere" / "pyleroma.sqlite3"
    assert settings.reserved_nicknames == ["a", "b", "c"]


def test_config_path_from_environment(tmp_path):
    path = write(tmp_path, 'instance_name = "Via PYLEROMA_CONFIG"\n')

    settings = load_settings(None, env={"PYLEROMA_CONFIG": str(path)})

    assert settings.instance_name == "Via PYLEROMA_CONFIG"


@pytest.mark.parametrize("mode", REGISTRATION_MODES)
def test_every_registration_mode_is_accepted(mode):
    assert load_settings(None, env={"PYLEROMA_REGISTRATIONS": mode}).registrations == mode


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        ('registrations = "sometimes"\n', {}, "registrations must be one of"),
        ("", {"PYLEROMA_REGISTRATIONS": "invite-only"}, "registrations must be one of"),
        ('base_url = "ftp://example.com"\n', {}, r"base_url must be an http\(s\) URL"),
        ('base_url = "example.com"\n', {}, r"base_url must be an http\(s\) URL"),
        ('port = "eighty"\n', {}, "port: expected an integer"),
        ("", {"PYLEROMA_PORT": "eighty"}, "PYLEROMA_PORT: expected an integer"),
        ("", {"PYLEROMA_ALLOW_PRIVATE_FETCH": "maybe"}, "expected a boolean"),
        ("colour = 'blue'\n", {}, "unknown setting 'colour'"),
        ("[instance]\ncolour = 'blue'\n", {}, "unknown setting 'instance_colour'"),
        ("port = = 1\n", {}, "is not valid TOML"),
        ('nodeinfo_software_name = "PyLeroma"\n', {}, "nodeinfo_software_name must be"),
        ("", {"PYLEROMA_NODEINFO_SOFTWARE_NAME": "py leroma"}, "nodeinfo_software_name must"),
        ('[instance]\nemail = "not an address"\n', {}, "instance_email must be an email"),
    ],
)
def test_bad_values_raise_settings_error(tmp_path, toml, env, message):
    path = write(tmp_path, toml)

    with pytest.raises(SettingsError, match=message):
        load_settings(path, env=env)


def test_missing_config_file(tmp_path):
    with pytest.raises(SettingsError, match="config file not found"):
        load_settings(tmp_path / "absent.toml", env={})


def test_settings_error_is_a_value_error():
    """Callers that only know ValueError (e.g. argument parsers) still catch it."""
    assert issubclass(SettingsError, ValueError)
    with pytest.raises(ValueError):
        Settings(registrations="nope").validate()


def test_every_setting_is_documented():
    """docs/configuration.md lists each setting; add a row there when adding a field."""
    docs = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text()
    missing = [f.name for f in fields(Settings) if f"| `{f.name}` |" not in docs]
    assert missing == [], f"settings missing from docs/configuration.md: {missing}"


def test_table_prefix_examples_from_the_docs(tmp_path):
    path = write(
        tmp_path,
        "[job]\nmax_attempts = 3\n[instance]\nregistrations = 'closed'\nlanguages = ['fr']\n",
    )

    settings = load_settings(path, env={})

    assert settings.job_max_attempts == 3
    assert settings.registrations == "closed" and settings.instance_languages == ["fr"]

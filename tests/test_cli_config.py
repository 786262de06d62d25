"""`pyleroma config migrate-to-db | migrate-from-db | dump` (cli_config.py)."""

from __future__ import annotations

import json
import tomllib

from sqlalchemy import select

from pyleroma.models.config_entry import ConfigEntry
from pyleroma.settings import load_settings
from tests.test_cli import cli, database_url, fresh  # noqa: F401  (fixtures)

ON = {"PYLEROMA_CONFIGURABLE_FROM_DATABASE": "true"}
FROM_ENV = {
    **ON,
    "PYLEROMA_INSTANCE_NAME": "Env Garden",
    "PYLEROMA_REGISTRATIONS": "invite",
    "PYLEROMA_MRF_POLICIES": "SimplePolicy",
    "PYLEROMA_MRF_SIMPLE_REJECT": "bad.example",
}


async def _rows(session):
    rows = await session.scalars(select(ConfigEntry).order_by(ConfigEntry.id))
    return {(row.group, row.key): row.value for row in rows}


def test_config_alone_still_prints_the_effective_settings(cli):  # noqa: F811
    out = cli.ok("config", PYLEROMA_INSTANCE_NAME="Shown")
    assert "instance_name = Shown" in out
    assert "configurable_from_database = False" in out


def test_the_database_commands_need_configdb_on(cli):  # noqa: F811
    for command in ("migrate-to-db", "migrate-from-db", "dump"):
        assert "configurable_from_database" in cli.fails("config", command)


def test_migrate_to_db_saves_what_the_file_and_environment_set(cli):  # noqa: F811
    out = cli.ok("config", "migrate-to-db", **FROM_ENV)
    assert ":pleroma, :instance: :name, :registrations_open, :invites_enabled" in out
    assert ":pleroma, :mrf_simple: :reject" in out
    rows = cli.query(_rows)
    instance = rows[(":pleroma", ":instance")]
    assert {"tuple": [":name", "Env Garden"]} in instance
    assert {"tuple": [":limit", 5000]} not in instance  # defaults are not saved
    assert rows[(":pleroma", ":mrf")] == [
        {"tuple": [":policies", ["Pleroma.Web.ActivityPub.MRF.SimplePolicy"]]}
    ]
    assert rows[(":pleroma", ":mrf_simple")] == [
        {"tuple": [":reject", [{"tuple": ["bad.example", ""]}]]}
    ]
    # Where the database is, and the secret key, never go there.
    assert str(cli.settings.data_dir) not in json.dumps(list(rows.values()))
    dumped = cli.ok("config", "dump", **ON)
    assert ':pleroma, :instance = [{"tuple": [":name", "Env Garden"]}' in dumped


def test_migrate_from_db_writes_toml_the_settings_read_back(cli, tmp_path):  # noqa: F811
    cli.ok("config", "migrate-to-db", **FROM_ENV)
    printed = cli.ok("config", "migrate-from-db", **ON)
    assert 'instance_name = "Env Garden"' in printed
    assert 'registrations = "invite"' in printed
    assert 'mrf_simple_reject = ["bad.example"]' in printed
    tomllib.loads(printed)
    target = tmp_path / "from-db.toml"
    out = cli.ok("config", "migrate-from-db", "--output", str(target), "--delete", **ON)
    assert f"to {target}" in out and "Deleted" in out
    settings = load_settings(target, env={})
    assert (settings.instance_name, settings.registrations) == ("Env Garden", "invite")
    assert settings.mrf_policies == ["Pleroma.Web.ActivityPub.MRF.SimplePolicy"]
    assert cli.query(_rows) == {}
    assert cli.ok("config", "dump", **ON) == "No settings are saved in the database.\n"
    assert "exists" in cli.fails("config", "migrate-from-db", "--output", str(target), **ON)

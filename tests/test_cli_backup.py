"""`pyleroma user backup NICKNAME`: the archive built in-process, its path printed, the backup
listed like one the API made (complete, no mail); an unknown user is an error."""

from __future__ import annotations

import zipfile
from pathlib import Path

import orjson
from sqlalchemy import select

from pyleroma.models import Account, Backup, Job
from pyleroma.services.accounts import backups
from pyleroma.services.statuses.posting import StatusDraft, post_status
from tests.test_cli import cli, database_url, fresh  # noqa: F401  (fixtures)


def _post(cli, nickname: str, text: str, visibility: str = "public") -> None:  # noqa: F811
    async def work(session):
        account = await session.scalar(select(Account).where(Account.nickname == nickname))
        draft = StatusDraft(text=text, visibility=visibility)
        await post_status(session, cli.settings, account, draft)

    cli.query(work)


def test_user_backup_writes_the_archive_and_prints_its_path(cli):  # noqa: F811
    cli.ok("user", "new", "alice", "alice@example.com", "--password", "correct horse battery")
    _post(cli, "alice", "one")
    _post(cli, "alice", "two", "private")

    out = cli.ok("user", "backup", "alice")
    [backup] = cli.query(lambda s: _all(s, Backup))
    path = Path(out.splitlines()[0])
    assert path == backups.archive_path(cli.settings, backup.file_name) and path.is_file()
    assert f"download: {backups.download_url(cli.settings, backup)}" in out
    assert f"{backup.processed_number} items, {backup.file_size} bytes" in out
    assert (backup.state, backup.file_size) == ("complete", path.stat().st_size)
    assert backup.processed_number == 3  # the actor and two posts
    with zipfile.ZipFile(path) as archive:
        outbox = orjson.loads(archive.read("outbox.json"))
        actor = orjson.loads(archive.read("actor.json"))
    assert [i["object"]["content"] for i in outbox["orderedItems"]] == ["one", "two"]
    assert actor["preferredUsername"] == "alice"
    # The admin's backup: no build job (it was built here) and no mail.
    kinds = {j.kind for j in cli.query(lambda s: _all(s, Job))}
    assert backups.BUILD_JOB not in kinds and "mail.send" not in kinds
    assert backups.DELETE_JOB in kinds

    # Not limited to one per backup_limit_days; the older one is replaced.
    second = Path(cli.ok("user", "backup", "@alice").splitlines()[0])
    assert second.is_file() and not path.exists()
    assert len(cli.query(lambda s: _all(s, Backup))) == 1


def test_user_backup_of_an_unknown_user_fails(cli):  # noqa: F811
    assert "no local user 'nobody'" in cli.fails("user", "backup", "nobody")
    assert cli.query(lambda s: _all(s, Backup)) == []


def test_user_backup_needs_a_migrated_database(fresh):  # noqa: F811
    assert "pyleroma migrate" in fresh.fails("user", "backup", "alice")


async def _all(session, model):
    return list(await session.scalars(select(model).order_by(model.id)))

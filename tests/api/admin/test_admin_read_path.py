"""The admin API's list reads follow DESIGN.md's read path: a page costs a fixed number of
SQL statements whatever its length. Each route is read with a page of 5 rows and one of 40,
with the entity cache empty (cold) and then filled (warm); the counts must be the same and
stay under a small ceiling. The rows are made varied on purpose (distinct authors,
reporters, targets and note writers; local and remote accounts; replies, mentions,
hashtags, polls, media, reblogs; chats with messages both ways), so that anything loaded
per row shows up as a difference between the two pages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import insert, select

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Account, MediaAttachment, Report, Status
from tests.api.admin.helpers import admin, moderator
from tests.statement_counter import counting_statements

SMALL, LARGE = 5, 40
ROWS = LARGE + 2  # more rows than the large page, so both pages are full
CEILING = 30  # statements for a whole page, authentication included
REMOTE = "remote.example"


# --- the rows ---------------------------------------------------------------------------------


async def bulk_accounts(db, count: int, prefix: str, *, domain: str | None = None) -> list[int]:
    """``count`` accounts in one INSERT, varied: display names with a custom emoji, profile
    fields, tags, some staff, some pending (local) or silenced (remote)."""
    rows = []
    for n in range(count):
        username = f"{prefix}{n:02d}"
        nickname = f"{username}@{domain}" if domain else username
        host = domain or "local.invalid"
        rows.append(
            {
                "id": new_id(),
                "nickname": nickname,
                "nickname_key": nickname.lower(),
                "domain": domain,
                "local": domain is None,
                "ap_id": f"https://{host}/users/{username}",
                "url": f"https://{host}/@{username}",
                "display_name": f"{username} :blob:",
                "emojis": {"blob": f"https://{host}/emoji/blob.png"} if domain else {},
                "fields": [{"name": "site", "value": f"https://{host}/{username}"}],
                "tags": ["mrf_tag:force-unlisted"] if n % 3 == 0 else [],
                "email": None if domain else f"{username}@example.com",
                "is_moderator": domain is None and n % 7 == 0,
                "is_approved": domain is not None or n % 5 != 0,
                "registration_reason": None if domain else f"I am {username}",
                "statuses_count": 1,
            }
        )
    async with db() as session:
        await session.execute(insert(Account), rows)
        await session.commit()
    return [row["id"] for row in rows]


async def _media(session, account_id: int, n: int, status_id: int | None = None) -> int:
    ident = new_id()
    session.add(
        MediaAttachment(
            id=ident,
            account_id=account_id,
            status_id=status_id,
            type="image",
            mime_type="image/png",
            remote_url=f"https://{REMOTE}/media/{n}.png",
            description=f"picture {n}",
            meta={"original": {"width": 4, "height": 3, "aspect": 4 / 3}},
        )
    )
    await session.flush()
    return ident


async def post(app, author_id: int, text: str, **draft) -> Status:
    """A status through the posting service; a picture with ``media=True``."""
    from pyleroma.services.statuses.posting import StatusDraft, post_status

    with_media = draft.pop("media", False)
    async with app.state.sessionmaker() as session:
        author = await session.get(Account, author_id)
        if with_media:
            draft["media_ids"] = [await _media(session, author_id, len(text))]
        status = await post_status(session, app.state.settings, author, StatusDraft(text, **draft))
        await session.commit()
        return status


async def reblog(app, booster_id: int, status_id: int) -> None:
    from pyleroma.services.statuses.reblogs import reblog as boost

    async with app.state.sessionmaker() as session:
        booster = await session.get(Account, booster_id)
        original = await session.get(Status, status_id)
        await boost(session, app.state.settings, booster, original)
        await session.commit()


async def rich_statuses(app, author_ids: list[int], nicknames: list[str]) -> list[Status]:
    """One status by each author, each a reply to the one before, mentioning the next
    author, with a hashtag, and a poll or a picture in turn; every other one reblogged."""
    poll = {"options": ["yes", "no"], "expires_in": 3600}
    statuses: list[Status] = []
    for n, author_id in enumerate(author_ids):
        text = f"post {n} #topic{n % 4} @{nicknames[(n + 1) % len(nicknames)]}"
        extra = {"poll": poll} if n % 2 else {"media": True}
        parent = statuses[-1].id if statuses else None
        statuses.append(await post(app, author_id, text, in_reply_to_id=parent, **extra))
        if n % 2:
            await reblog(app, author_ids[(n + 3) % len(author_ids)], statuses[-1].id)
    return statuses


async def remote_statuses(db, author_ids: list[int]) -> list[int]:
    """A status by each remote author, as federation stores them, each with a picture."""
    ids = []
    async with db() as session:
        for n, author_id in enumerate(author_ids):
            ident = new_id()
            session.add(
                Status(
                    id=ident,
                    account_id=author_id,
                    local=False,
                    uri=f"https://{REMOTE}/objects/{ident}",
                    visibility="public",
                    content=f"<p>remote post {n} :blob:</p>",
                    source=f"remote post {n}",
                    emojis={"blob": f"https://{REMOTE}/emoji/blob.png"},
                    conversation_id=ident,
                    created_at=utcnow(),
                )
            )
            await session.flush()
            await _media(session, author_id, 1000 + n, status_id=ident)
            ids.append(ident)
        await session.commit()
    return ids


@dataclass
class World:
    staff: object  # the admin reading
    local_ids: list[int]
    nicknames: list[str]


async def world(app, factory, db) -> World:
    staff = await admin(factory)
    local_ids = await bulk_accounts(db, ROWS, "member")
    return World(staff, local_ids, [f"member{n:02d}" for n in range(ROWS)])


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Reading:
    cold: list[str]
    warm: list[str]
    body: object


async def read(app, client, url: str, headers: dict) -> Reading:
    """The statements of a read with the entity cache empty, then of the same read again."""
    app.state.entity_cache.forget_all()
    with counting_statements(app.state.engine) as cold:
        response = await client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.text)
    with counting_statements(app.state.engine) as warm:
        again = await client.get(url, headers=headers)
    assert again.status_code == 200 and again.json() == response.json(), url
    return Reading(cold, warm, response.json())


def _repeated(statements: list[str]) -> str:
    """The statements run more than once, the likely N+1, for the failure message."""
    counts = Counter(statements)
    return "\n".join(f"{n}x {sql[:200]}" for sql, n in counts.most_common() if n > 1)


async def check_bounded(app, client, headers: dict, url_of, rows_of) -> tuple[int, int]:
    """Read a page of SMALL rows and one of LARGE: same statements cold and warm, under the
    ceiling; answers the (cold, warm) counts."""
    await client.get(url_of(1), headers=headers)  # the route table and token, outside
    small = await read(app, client, url_of(SMALL), headers)
    large = await read(app, client, url_of(LARGE), headers)
    assert len(rows_of(small.body)) == SMALL
    assert len(rows_of(large.body)) == LARGE
    for name in ("cold", "warm"):
        few, many = getattr(small, name), getattr(large, name)
        assert len(few) == len(many), (name, len(few), len(many), _repeated(many))
        assert len(many) <= CEILING, (name, len(many), _repeated(many))
    assert len(large.warm) <= len(large.cold)
    return len(large.cold), len(large.warm)


# --- the routes -------------------------------------------------------------------------------


async def test_users_list_is_a_fixed_number_of_statements(app, client, factory, db):
    w = await world(app, factory, db)
    await bulk_accounts(db, ROWS, "far", domain=REMOTE)
    await check_bounded(
        app,
        client,
        w.staff.headers,
        lambda n: f"/api/pleroma/admin/users?page_size={n}",
        lambda body: body["users"],
    )


async def test_users_list_reads_one_page_not_every_account(app, client, factory, db):
    """The page is cut by the database: the statement asks for page_size rows."""
    w = await world(app, factory, db)
    with counting_statements(app.state.engine) as statements:
        response = await client.get(
            "/api/pleroma/admin/users?page_size=3&page=2&filters=local", headers=w.staff.headers
        )
    body = response.json()
    assert [u["nickname"] for u in body["users"]] == ["member02", "member03", "member04"]
    assert body["count"] == ROWS + 1  # the admin too ("boss" comes first)
    listing = [sql for sql in statements if "FROM accounts" in sql and "count(" not in sql]
    assert any("LIMIT" in sql for sql in listing), listing


async def test_users_list_with_tags_pages_in_the_database(app, client, factory, db):
    w = await world(app, factory, db)
    url = "/api/pleroma/admin/users?tags[]=mrf_tag:force-unlisted&tags[]=none&page_size=4"
    first = (await client.get(url, headers=w.staff.headers)).json()
    second = (await client.get(url + "&page=2", headers=w.staff.headers)).json()
    tagged = [f"member{n:02d}" for n in range(ROWS) if n % 3 == 0]
    assert first["count"] == second["count"] == len(tagged)
    assert [u["nickname"] for u in first["users"] + second["users"]] == tagged[:8]


async def test_statuses_lists_are_a_fixed_number_of_statements(app, client, factory, db):
    w = await world(app, factory, db)
    await rich_statuses(app, w.local_ids, w.nicknames)
    for query in ("", "&godmode=true&with_reblogs=true", "&local_only=true"):
        await check_bounded(
            app,
            client,
            w.staff.headers,
            lambda n, q=query: f"/api/pleroma/admin/statuses?page_size={n}{q}",
            lambda body: body,
        )


async def test_user_statuses_are_a_fixed_number_of_statements(app, client, factory, db):
    w = await world(app, factory, db)
    prolific = w.local_ids[0]
    targets = await rich_statuses(app, w.local_ids[1:], w.nicknames[1:])
    poll = {"options": ["a", "b"], "expires_in": 3600}
    for n, target in enumerate(targets):
        extra = {"poll": poll} if n % 2 else {"media": True}
        text = f"answer {n} #reply{n % 3} @{w.nicknames[n + 1]}"
        await post(app, prolific, text, in_reply_to_id=target.id, **extra)
    await check_bounded(
        app,
        client,
        w.staff.headers,
        lambda n: f"/api/pleroma/admin/users/member00/statuses?page_size={n}&with_reblogs=true",
        lambda body: body["activities"],
    )


async def test_instance_statuses_are_a_fixed_number_of_statements(app, client, factory, db):
    w = await world(app, factory, db)
    remote_ids = await bulk_accounts(db, ROWS, "far", domain=REMOTE)
    await remote_statuses(db, remote_ids)
    await check_bounded(
        app,
        client,
        w.staff.headers,
        lambda n: f"/api/pleroma/admin/instances/{REMOTE}/statuses?page_size={n}",
        lambda body: body["activities"],
    )


async def test_the_check_catches_a_read_per_row(app, client, factory, db, monkeypatch):
    """The measure has teeth: authors read one by one make the large page cost more."""
    import pytest

    from pyleroma.services.moderation import admin_statuses

    async def one_by_one(session, ids):
        found = {}
        for ident in {i for i in ids if i is not None}:
            found[ident] = await session.scalar(select(Account).where(Account.id == ident))
        return found

    w = await world(app, factory, db)
    await remote_statuses(db, await bulk_accounts(db, ROWS, "far", domain=REMOTE))
    monkeypatch.setattr(admin_statuses, "account_rows", one_by_one)
    with pytest.raises(AssertionError, match="40x SELECT accounts"):
        await check_bounded(
            app,
            client,
            w.staff.headers,
            lambda n: f"/api/pleroma/admin/instances/{REMOTE}/statuses?page_size={n}",
            lambda body: body["activities"],
        )


async def reports(app, factory, db, w: World) -> list[int]:
    """A report by each local account about a distinct account (local and remote in turn)
    citing its status, each with a note by the admin or a moderator; a third resolved."""
    from pyleroma.services.moderation import report_notes
    from pyleroma.services.moderation.reports import ReportDraft, create_report

    remote_ids = await bulk_accounts(db, ROWS, "far", domain=REMOTE)
    remote = await remote_statuses(db, remote_ids)
    local = await rich_statuses(app, w.local_ids, w.nicknames)
    mod = await moderator(factory)
    ids = []
    for n, reporter_id in enumerate(w.local_ids):
        target_n = (n + 1) % ROWS
        target, status = (
            (remote_ids[target_n], remote[target_n])
            if n % 2
            else (w.local_ids[target_n], local[target_n].id)
        )
        async with app.state.sessionmaker() as session:
            reporter = await session.get(Account, reporter_id)
            draft = ReportDraft(target, status_ids=[status], comment=f"report {n} <b>bad</b>")
            report, _ = await create_report(session, app.state.settings, reporter, draft)
            ids.append(report.id)
        async with app.state.sessionmaker() as session:
            stored = await session.get(Report, ids[-1])
            writer = await session.get(Account, (w.staff if n % 2 else mod).account.id)
            await report_notes.add_note(session, writer, stored, f"note on {n}")
            if n % 3 == 0:
                stored.state = "resolved"
            await session.commit()
    return ids


async def test_reports_lists_are_a_fixed_number_of_statements(app, client, factory, db):
    w = await world(app, factory, db)
    ids = await reports(app, factory, db, w)
    async with db() as session:
        assert len((await session.scalars(select(Report.id))).all()) == len(ids)
    await check_bounded(
        app,
        client,
        w.staff.headers,
        lambda n: f"/api/pleroma/admin/reports?page_size={n}",
        lambda body: body["reports"],
    )
    await check_bounded(
        app,
        client,
        w.staff.headers,
        lambda n: f"/api/v1/admin/reports?limit={n}&resolved=true&unresolved=true",
        lambda body: body,
    )


async def test_moderation_log_is_a_fixed_number_of_statements(app, client, factory, db):
    from pyleroma.services.moderation.moderation_log import log_action, user_map

    w = await world(app, factory, db)
    actions = ("activate", "deactivate", "approve", "grant")
    async with app.state.sessionmaker() as session:
        actor = await session.get(Account, w.staff.account.id)
        for n, account_id in enumerate(w.local_ids):
            subject = await session.get(Account, account_id)
            fields = {"permission": "moderator"} if actions[n % 4] == "grant" else {}
            await log_action(session, actor, actions[n % 4], subject=[user_map(subject)], **fields)
        await session.commit()
    await check_bounded(
        app,
        client,
        w.staff.headers,
        lambda n: f"/api/pleroma/admin/moderation_log?page_size={n}",
        lambda body: body["items"],
    )


async def test_mastodon_accounts_list_is_a_fixed_number_of_statements(app, client, factory, db):
    w = await world(app, factory, db)
    await bulk_accounts(db, ROWS, "far", domain=REMOTE)
    for query in ("", "&local=true", "&remote=true"):
        await check_bounded(
            app,
            client,
            w.staff.headers,
            lambda n, q=query: f"/api/v1/admin/accounts?limit={n}{q}",
            lambda body: body,
        )


async def test_user_chats_are_a_fixed_number_of_statements(app, client, factory, db):
    """Chats are not paged (every chat of the account): an account with 5 chats and one
    with 40, each chat with a message both ways, a picture in every other one."""
    from pyleroma.services.chats.messages import post_chat_message

    w = await world(app, factory, db)
    remote_ids = await bulk_accounts(db, 3, "far", domain=REMOTE)
    owners = {SMALL: w.local_ids[0], LARGE: w.local_ids[1]}
    settings = app.state.settings
    for size, owner_id in owners.items():
        partners = [i for i in w.local_ids[2:] + remote_ids if i != owner_id][:size]
        for n, partner_id in enumerate(partners):
            async with app.state.sessionmaker() as session:
                owner = await session.get(Account, owner_id)
                partner = await session.get(Account, partner_id)
                media = await _media(session, owner_id, 2000 + n) if n % 2 else None
                await post_chat_message(
                    session, settings, owner, partner, f"hi {n}", media_id=media
                )
                if partner.local:
                    await post_chat_message(session, settings, partner, owner, f"hello {n}")
    nick = {owner_id: f"member{w.local_ids.index(owner_id):02d}" for owner_id in owners.values()}
    await check_bounded(
        app,
        client,
        w.staff.headers,
        lambda n: f"/api/pleroma/admin/users/{nick[owners.get(n, owners[SMALL])]}/chats",
        lambda body: body,
    )


async def test_warm_pages_show_changes_at_once(app, client, factory, db):
    """The pages render from the entity caches once warm (a status's shared rendering, an
    author's Account entity): a change made through the admin API shows on the next read,
    in the status, its author's admin view and the report that cites it."""
    w = await world(app, factory, db)
    picked = (1, 2, 3, 4, 6, 8)  # approved, untagged accounts (member08 posts last)
    statuses = await rich_statuses(
        app, [w.local_ids[i] for i in picked], [w.nicknames[i] for i in picked]
    )
    target = statuses[-1]
    author = w.nicknames[8]
    headers = w.staff.headers
    admin_url = "/api/pleroma/admin"
    async with app.state.sessionmaker() as session:
        from pyleroma.services.moderation.reports import ReportDraft, create_report

        reporter = await session.get(Account, w.local_ids[0])
        draft = ReportDraft(target.account_id, status_ids=[target.id], comment="look")
        report, _ = await create_report(session, app.state.settings, reporter, draft)

    async def pages() -> tuple[dict, dict, dict]:
        listed = (await client.get(f"{admin_url}/statuses?godmode=true", headers=headers)).json()
        own = await client.get(f"{admin_url}/users/{author}/statuses?godmode=1", headers=headers)
        reports = (await client.get(f"{admin_url}/reports", headers=headers)).json()
        by_id = {s["id"]: s for s in listed}
        return by_id[str(target.id)], own.json()["activities"][0], reports["reports"][0]

    for _ in range(2):  # fill the caches
        status, own, cited = await pages()
    assert status["sensitive"] is False and status["visibility"] == "public"
    assert status["account"]["tags"] == [] and status["account"]["is_active"] is True
    assert cited["statuses"][0]["sensitive"] is False

    changed = await client.put(
        f"{admin_url}/statuses/{target.id}",
        json={"sensitive": True, "visibility": "unlisted"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    tagged = await client.put(
        f"{admin_url}/users/tag", json={"nicknames": [author], "tags": ["watched"]}, headers=headers
    )
    assert tagged.status_code == 200, tagged.text
    renamed = await client.patch(
        "/api/v1/accounts/update_credentials",
        data={"display_name": "Renamed"},
        headers={"Authorization": f"Bearer {await factory.token(await _account(db, target))}"},
    )
    assert renamed.status_code == 200, renamed.text

    status, own, cited = await pages()
    for shown in (status, own, cited["statuses"][0]):
        assert (shown["sensitive"], shown["visibility"]) == (True, "unlisted")
        assert shown["account"]["display_name"] == "Renamed"
    for shown in (status, own):
        assert shown["account"]["tags"] == ["watched"]
    assert cited["account"]["tags"] == ["watched"]
    assert cited["account"]["display_name"] == "Renamed"


async def _account(db, status: Status) -> Account:
    async with db() as session:
        return await session.get(Account, status.account_id)

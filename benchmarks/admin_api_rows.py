"""The data benchmarks/admin_api.py reads, made without the API so that thousands of rows
cost seconds: accounts, statuses, reports and their notes written in bulk, the newest
statuses posted through the posting service (replies, mentions, hashtags, polls, pictures,
reblogs: what the first page of a listing shows), moderation log entries written by
``log_action`` (Pleroma's data and sentence), chats through the chat service.

Everything is deterministic (no randomness): the n-th row's author, target, visibility
and extras follow from n.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

PROLIFIC_EVERY = 10  # one status in ten is by the prolific account
REMOTE_SHARE = 4  # one account in four is remote
SILENCE_TAG = "mrf_tag:force-unlisted"


@dataclass
class Sizes:
    accounts: int
    statuses: int
    rich: int
    reports: int
    log_entries: int
    chats: int

    @property
    def remote_accounts(self) -> int:
        return self.accounts // REMOTE_SHARE

    @property
    def domains(self) -> int:
        """Remote instances: 20 at full size, at least one."""
        return max(1, min(20, self.remote_accounts // 25))


@dataclass
class Seeded:
    """What was written, for the benchmark's checks and its requests."""

    admin_id: int = 0
    moderator_id: int = 0
    local_ids: list[int] = field(default_factory=list)
    remote_ids: list[int] = field(default_factory=list)
    prolific: str = ""  # nickname
    chatter: str = ""  # nickname
    host: str = ""  # the remote instance read
    report_id: int = 0  # a report with notes and statuses
    counts: dict[str, int] = field(default_factory=dict)


def _host(k: int) -> str:
    return f"remote{k}.bench.invalid"


async def _insert(sessionmaker, model, rows: list[dict], chunk: int = 1000) -> None:
    from sqlalchemy import insert

    async with sessionmaker() as session:
        for start in range(0, len(rows), chunk):
            await session.execute(insert(model), rows[start : start + chunk])
        await session.commit()


async def bulk_accounts(sessionmaker, settings, sizes: Sizes, seeded: Seeded) -> None:
    """Local accounts ``user0000``... and remote ones ``far0000@remoteK...``, varied as an
    instance's are: profile fields, custom emoji in remote names, a tenth silenced, a few
    moderators, pending, unconfirmed or deactivated registrations."""
    from pyleroma.db.ids import new_id
    from pyleroma.models import Account

    base = settings.base_url
    rows = []
    local_count = sizes.accounts - sizes.remote_accounts
    for n in range(sizes.accounts):
        local = n < local_count
        if local:
            name, domain, nickname = f"user{n:04d}", None, f"user{n:04d}"
            ap_id, url = f"{base}/users/{name}", f"{base}/@{name}"
        else:
            name, domain = f"far{n:04d}", _host(n % sizes.domains)
            nickname = f"{name}@{domain}"
            ap_id, url = f"https://{domain}/users/{name}", f"https://{domain}/@{name}"
        rows.append(
            {
                "id": new_id(),
                "nickname": nickname,
                "nickname_key": nickname.lower(),
                "domain": domain,
                "local": local,
                "ap_id": ap_id,
                "url": url,
                "inbox": None if local else f"{ap_id}/inbox",
                "display_name": f"{name} :blob:" if not local else f"User {n}",
                "emojis": {} if local else {"blob": f"https://{domain}/emoji/blob.png"},
                "note_html": f"<p>about {name}</p>",
                "note_source": f"about {name}",
                "fields": [{"name": "site", "value": f"https://{name}.example"}],
                "tags": [SILENCE_TAG] if n % 10 == 3 else [],
                "email": f"{name}@mail.bench.invalid" if local else None,
                "email_key": f"{name}@mail.bench.invalid" if local else None,
                "is_moderator": local and n % 97 == 5,
                "is_approved": not (local and n % 50 == 7),
                "is_confirmed": not (local and n % 40 == 9),
                "is_active": n % 60 != 11,
                "registration_reason": "I would like to join" if local and n % 50 == 7 else None,
            }
        )
    await _insert(sessionmaker, Account, rows)
    seeded.local_ids = [r["id"] for r in rows if r["local"]]
    seeded.remote_ids = [r["id"] for r in rows if not r["local"]]
    seeded.moderator_id = next(r["id"] for r in rows if r["is_moderator"])
    seeded.prolific = rows[1]["nickname"]
    seeded.host = _host(0)


def _visibility(n: int) -> str:
    return {0: "private", 1: "direct", 2: "unlisted", 3: "unlisted"}.get(n % 20, "public")


async def bulk_statuses(sessionmaker, settings, sizes: Sizes, seeded: Seeded) -> dict[int, list]:
    """``statuses - rich`` older statuses: every tenth by the prolific account, the others
    spread over every account (a quarter remote); a twentieth private, a twentieth direct,
    a tenth unlisted; one in 25 a reblog of the status before; a picture on one in four.
    Answers each author's reportable statuses (public originals), by author id."""
    from pyleroma.db.base import utcnow
    from pyleroma.db.ids import new_id
    from pyleroma.models import MediaAttachment, Status
    from pyleroma.urls import object_uri

    authors = seeded.local_ids + seeded.remote_ids
    domains = {}
    for n, account_id in enumerate(seeded.remote_ids):
        local_count = len(seeded.local_ids)
        domains[account_id] = _host((local_count + n) % sizes.domains)
    prolific = seeded.local_ids[1]
    count = sizes.statuses - sizes.rich
    start = utcnow() - dt.timedelta(seconds=count + 60)
    statuses, media = [], []
    reportable: dict[int, list] = {}
    previous = None
    for n in range(count):
        ident = new_id()
        # The others in turn (k counts them, so every account gets its share).
        k = n - n // PROLIFIC_EVERY
        author = prolific if n % PROLIFIC_EVERY == 0 else authors[(k * 7) % len(authors)]
        domain = domains.get(author)
        uri = object_uri(settings, ident) if domain is None else f"https://{domain}/objects/{ident}"
        reblog_of = previous if n % 25 == 24 and previous is not None else None
        text = "" if reblog_of else f"status {n}: the quick brown fox jumps over the lazy dog"
        visibility = "public" if reblog_of else _visibility(n)
        statuses.append(
            {
                "id": ident,
                "uri": uri,
                "account_id": author,
                "local": domain is None,
                "visibility": visibility,
                "source": text,
                "content": f"<p>{text}</p>" if text else "",
                "conversation_id": ident,
                "reblog_of_id": reblog_of,
                "created_at": start + dt.timedelta(seconds=n),
            }
        )
        if reblog_of is None and visibility == "public":
            previous = ident
            reportable.setdefault(author, []).append(ident)
            if n % 4 == 0:
                media.append(
                    {
                        "id": new_id(),
                        "account_id": author,
                        "status_id": ident,
                        "type": "image",
                        "mime_type": "image/png",
                        "remote_url": f"https://media.bench.invalid/{ident}.png",
                        "description": f"picture {n}",
                        "meta": {"original": {"width": 640, "height": 480, "aspect": 4 / 3}},
                    }
                )
    await _insert(sessionmaker, Status, statuses)
    await _insert(sessionmaker, MediaAttachment, media)
    return reportable


async def _unattached_picture(session, account_id: int, n: int) -> int:
    from pyleroma.db.ids import new_id
    from pyleroma.models import MediaAttachment

    ident = new_id()
    session.add(
        MediaAttachment(
            id=ident,
            account_id=account_id,
            type="image",
            mime_type="image/png",
            remote_url=f"https://media.bench.invalid/rich{n}.png",
            description=f"rich picture {n}",
            meta={"original": {"width": 640, "height": 480, "aspect": 4 / 3}},
        )
    )
    await session.flush()
    return ident


async def rich_statuses(sessionmaker, settings, sizes: Sizes, seeded: Seeded) -> None:
    """The newest ``rich`` statuses, posted through the posting service by active local
    accounts (every third by the prolific one): each with a hashtag and a mention, every
    other one a reply to the one before, a poll on one in three, a picture on another one
    in three; one in four reblogged by another account."""
    from sqlalchemy import select

    from pyleroma.models import Account, Status
    from pyleroma.services.statuses.posting import StatusDraft, post_status
    from pyleroma.services.statuses.reblogs import reblog

    authors = [i for n, i in enumerate(seeded.local_ids) if n % 60 != 11 and n % 50 != 7]
    prolific = seeded.local_ids[1]
    async with sessionmaker() as session:
        rows = await session.execute(
            select(Account.id, Account.nickname).where(Account.id.in_(authors[:50]))
        )
        nicknames = dict(rows.all())
    mentionable = list(nicknames.values())
    poll = {"options": ["yes", "no", "maybe"], "expires_in": 86400}
    previous = None
    reblogs = 0
    for n in range(sizes.rich):
        author_id = prolific if n % 3 == 0 else authors[(n * 11) % len(authors)]
        text = f"rich post {n} #topic{n % 7} @{mentionable[n % len(mentionable)]} hello"
        async with sessionmaker() as session:
            author = await session.get(Account, author_id)
            draft = StatusDraft(text=text, in_reply_to_id=previous if n % 2 else None)
            if n % 3 == 1:
                draft.poll = poll
            elif n % 3 == 2:
                draft.media_ids = [await _unattached_picture(session, author_id, n)]
            status = await post_status(session, settings, author, draft)
            await session.commit()
            previous = status.id
        if n % 4 == 3:
            booster_id = authors[(n * 13 + 1) % len(authors)]
            if booster_id != author_id:
                async with sessionmaker() as session:
                    booster = await session.get(Account, booster_id)
                    original = await session.get(Status, status.id)
                    await reblog(session, settings, booster, original)
                    await session.commit()
                reblogs += 1
    seeded.counts["rich_reblogs"] = reblogs


async def bulk_reports(
    sessionmaker, sizes: Sizes, seeded: Seeded, reportable: dict[int, list]
) -> None:
    """Reports by local accounts, each about the author of a public status citing up to
    two of its statuses; a fifth resolved, an eleventh closed; a note by the admin on every
    other one, one by the moderator on every third."""
    from pyleroma.db.base import utcnow
    from pyleroma.db.ids import new_id
    from pyleroma.models import Report, ReportNote

    targets = sorted(reportable)
    reporters = seeded.local_ids
    categories = ("spam", "violation", "other")
    start = utcnow() - dt.timedelta(seconds=sizes.reports + 30)
    reports, notes = [], []
    for n in range(sizes.reports):
        target = targets[(n * 37) % len(targets)]
        reporter = reporters[(n * 13 + 2) % len(reporters)]
        if reporter == target:
            reporter = reporters[(n * 13 + 3) % len(reporters)]
        ident = new_id()
        state = "resolved" if n % 5 == 0 else "closed" if n % 11 == 0 else "open"
        created = start + dt.timedelta(seconds=n)
        reports.append(
            {
                "id": ident,
                "account_id": reporter,
                "target_account_id": target,
                "status_ids": reportable[target][:2],
                "comment": f"report {n}: this breaks rule {n % 4 + 1} <really>",
                "category": categories[n % 3],
                "state": state,
                "created_at": created,
                "updated_at": created,
            }
        )
        writers = ([seeded.admin_id] if n % 2 == 0 else []) + (
            [seeded.moderator_id] if n % 3 == 0 else []
        )
        for k, writer in enumerate(writers):
            notes.append(
                {
                    "id": new_id(),
                    "report_id": ident,
                    "account_id": writer,
                    "content": f"note {k} on report {n}",
                    "created_at": created + dt.timedelta(milliseconds=k + 1),
                }
            )
    await _insert(sessionmaker, Report, reports)
    await _insert(sessionmaker, ReportNote, notes)
    with_notes = [r for r in reports if r["status_ids"]]
    seeded.report_id = with_notes[-1]["id"] if with_notes else reports[-1]["id"]
    seeded.counts["reports"] = len(reports)
    seeded.counts["open_reports"] = sum(r["state"] == "open" for r in reports)
    seeded.counts["report_notes"] = len(notes)


async def log_entries(sessionmaker, sizes: Sizes, seeded: Seeded) -> None:
    """Entries written by ``log_action`` as the admin API writes them, the actions in turn:
    (de)activation, tags, grants, report updates, status updates and deletions."""
    from sqlalchemy import select

    from pyleroma.models import Account
    from pyleroma.services.moderation.moderation_log import log_action, user_map

    async with sessionmaker() as session:
        actor = await session.get(Account, seeded.admin_id)
        subjects = list(
            await session.scalars(
                select(Account).where(Account.id.in_(seeded.local_ids[:200] or [0]))
            )
        )
        for n in range(sizes.log_entries):
            subject = subjects[n % len(subjects)]
            kind = n % 6
            if kind == 0:
                await log_action(session, actor, "deactivate", subject=[user_map(subject)])
            elif kind == 1:
                await log_action(
                    session, actor, "tag", nicknames=[subject.nickname], tags=[SILENCE_TAG]
                )
            elif kind == 2:
                await log_action(
                    session, actor, "grant", subject=[user_map(subject)], permission="moderator"
                )
            elif kind == 3:
                await log_action(
                    session,
                    actor,
                    "report_update",
                    subject={"type": "report", "id": str(n), "state": "resolved"},
                    subject_actor=user_map(subject),
                )
            elif kind == 4:
                await log_action(
                    session,
                    actor,
                    "status_update",
                    subject={"type": "status", "id": str(n)},
                    sensitive=True,
                    visibility=None,
                )
            else:
                await log_action(session, actor, "status_delete", subject_id=str(n))
            if n % 500 == 499:
                await session.flush()
        await session.commit()


async def chats(sessionmaker, settings, sizes: Sizes, seeded: Seeded) -> None:
    """``chats`` chats of one local account, each with a message both ways (a picture in
    every other first message)."""
    from pyleroma.models import Account
    from pyleroma.services.chats.messages import post_chat_message

    active = [i for n, i in enumerate(seeded.local_ids) if n % 60 != 11]
    chatter_id, partners = active[2], active[3 : 3 + sizes.chats]
    for n, partner_id in enumerate(partners):
        async with sessionmaker() as session:
            chatter = await session.get(Account, chatter_id)
            partner = await session.get(Account, partner_id)
            picture = await _unattached_picture(session, chatter_id, 100000 + n) if n % 2 else None
            await post_chat_message(
                session, settings, chatter, partner, f"hi {n}", media_id=picture
            )
            await post_chat_message(session, settings, partner, chatter, f"hello back {n}")
    async with sessionmaker() as session:
        seeded.chatter = (await session.get(Account, chatter_id)).nickname
    seeded.counts["chats"] = len(partners)


async def recount(sessionmaker) -> None:
    """Each account's statuses_count from its statuses (the bulk rows skip the counters)."""
    from sqlalchemy import func, select, update

    from pyleroma.models import Account, Status

    counted = (
        select(func.count())
        .where(Status.account_id == Account.id)
        .correlate(Account)
        .scalar_subquery()
    )
    async with sessionmaker() as session:
        await session.execute(update(Account).values(statuses_count=counted))
        await session.commit()

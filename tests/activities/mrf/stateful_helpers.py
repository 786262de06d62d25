"""Shared by the tests of the policies that read stored state (TagPolicy, AntiFollowbot,
AntiLinkSpam, InlineQuote, StealEmoji): remote accounts, raw activities as other servers
send them, and running the chain or the real receive path."""

from __future__ import annotations

from itertools import count as counter

from pyleroma.activities.context import PipelineContext
from pyleroma.activities.mrf import MrfContext, filter_activity
from pyleroma.activities.normalize import normalize_activity
from pyleroma.models import Account
from tests.api.relationship_helpers import remote_account, set_fields

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_ids = counter(1)


async def remote(db, name: str, domain: str, **fields) -> Account:
    """A stored remote account with its followers collection; ``fields`` set after (the
    shared helper fixes some columns, such as ``tags``)."""
    base = fields.pop("ap_id", f"https://{domain}/users/{name}")
    account = await remote_account(
        db, name, domain, ap_id=base, inbox=f"{base}/inbox", followers_url=f"{base}/followers"
    )
    if fields:
        await set_fields(db, account.id, **fields)
        for key, value in fields.items():
            setattr(account, key, value)
    return account


def note(
    actor: Account | str,
    *,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    content: str = "<p>hello</p>",
    attachments: list[dict] | None = None,
    tags: list[dict] | None = None,
    kind: str = "Create",
    **extra,
) -> dict:
    """A Create (or Update) of a Note as Mastodon sends one; public unless told."""
    ap_id = actor if isinstance(actor, str) else actor.ap_id
    number = next(_ids)
    to = [PUBLIC] if to is None else to
    cc = [f"{ap_id}/followers"] if cc is None else cc
    obj = {
        "id": f"{ap_id}/statuses/{number}",
        "type": "Note",
        "attributedTo": ap_id,
        "content": content,
        "published": "2025-03-14T09:26:53Z",
        "to": list(to),
        "cc": list(cc),
        "attachment": attachments or [],
        "tag": tags or [],
        **extra,
    }
    return {
        "id": f"{ap_id}/statuses/{number}/activity",
        "type": kind,
        "actor": ap_id,
        "published": "2025-03-14T09:26:53Z",
        "to": list(to),
        "cc": list(cc),
        "object": obj,
    }


def image(url: str = "https://files.remote.test/media/cat.png") -> dict:
    return {"type": "Document", "mediaType": "image/png", "url": url, "name": "a cat"}


def follow(actor: Account, target: Account) -> dict:
    return {
        "id": f"{actor.ap_id}/follows/{next(_ids)}",
        "type": "Follow",
        "actor": actor.ap_id,
        "object": target.ap_id,
    }


async def run_chain(settings, raw: dict, actor=None, session=None) -> dict:
    """The configured chain on ``raw`` as the receive path normalises it."""
    return await filter_activity(MrfContext(settings, session, actor), normalize_activity(raw))


async def receive(app, actor: Account, raw: dict):
    """The inbox's path (federation/receive.py): normalise, filter, resolve, run, commit."""
    from pyleroma.federation.receive import receive as receive_activity

    async with app.state.sessionmaker() as session:
        ctx = PipelineContext(session, app.state.settings)
        signer = await session.get(Account, actor.id)
        return await receive_activity(ctx, signer, raw)

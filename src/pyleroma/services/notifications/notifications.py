"""Notifications: the rules that create or suppress one, and the reads and writes on them.

Creation (``notify``) follows Pleroma's ``Notification`` module:
- never to oneself (a poll ending is the exception), never to a remote or deactivated
  recipient, never from an account the recipient blocks, nor from a domain the recipient
  blocks unless the recipient follows that account, nor from a stranger when the recipient's
  ``block_from_strangers`` is on (polls excepted), nor about a status the recipient cannot
  see; a second "follow"/"follow_request" from the same account is not repeated (Pleroma's
  ``recently_followed``), so follow/unfollow loops cannot flood anyone.
- a notification from an account the recipient mutes (any mute) or about a thread the
  recipient muted is stored already *seen*. Those muted "with notifications" and muted
  threads are then hidden when listing, unless the client asks ``with_muted=true`` — Pleroma
  stores them and filters at read time, so that flag has something to show.

Reading (``readable_conditions``) hides, whatever was stored: notifications from deactivated
accounts, from accounts the viewer blocks or that block the viewer, from domains the viewer
blocks (accounts the viewer follows excepted), and about statuses the viewer can no longer
see. A block applied later therefore hides old notifications too, and lifting it shows them
again, as in Pleroma.

Rows are added to the caller's session; verbs that are whole requests commit at their end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    DateTime,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.db.base import utcnow
from pyleroma.db.fastread import Prepared, reader, row_type
from pyleroma.db.ids import js_number_range, new_id, parse_id
from pyleroma.db.paging import Page, in_display_order
from pyleroma.errors import BadRequest, NotFound
from pyleroma.models import (
    Account,
    Block,
    DomainBlock,
    Mute,
    Notification,
    Status,
    ThreadMute,
)
from pyleroma.policy.relations import follows, mute_in_force
from pyleroma.policy.visibility import can_see, visible_filter
from pyleroma.services.notifications import push_subscriptions
from pyleroma.services.statuses.status_batches import ACCOUNT_COLUMNS, AccountRow
from pyleroma.services.timelines import markers
from pyleroma.services.timelines.prepared_pages import (
    VIEWER,
    PageShape,
    PreparedCache,
    bounded,
    page_params,
    page_shape,
)
from pyleroma.streaming.events import emit

NOTIFICATION_TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "move",
    "pleroma:emoji_reaction",
    "pleroma:report",
    "pleroma:chat_mention",
    "pleroma:participation_request",
    "pleroma:participation_accepted",
    "pleroma:event_update",
)
# What a list shows when the client names no types: reports only on request (as Pleroma),
# chat messages too (Pleroma's default types leave them out: the chat API shows them).
DEFAULT_TYPES = frozenset(NOTIFICATION_TYPES) - {"pleroma:report", "pleroma:chat_mention"}
# Types that stay even from strangers when block_from_strangers is on.
_ALWAYS_FROM_STRANGERS = {"poll"}
_FOLLOW_TYPES = ("follow", "follow_request")
VISIBILITIES = frozenset({"public", "unlisted", "local", "private", "direct"})
# Pleroma's POST /api/v1/pleroma/notifications/read answers at most this many for max_id.
READ_UP_TO_LIMIT = 80


# --- creation ----------------------------------------------------------------------------


async def notification_allowed(
    session: AsyncSession,
    recipient: Account,
    sender_id: int,
    kind: str,
    status: Status | None = None,
) -> bool:
    """Whether a notification of ``kind`` from ``sender_id`` is stored for ``recipient``.

    True also for muted senders and muted threads: those are stored seen (``notify``) and
    hidden when listing, as Pleroma does.
    """
    if recipient.id == sender_id and kind != "poll":
        return False
    if not recipient.local or not recipient.is_active:
        return False
    settings = recipient.notification_settings or {}
    strangers_blocked = bool(settings.get("block_from_strangers"))
    sender_domain = select(Account.domain).where(Account.id == sender_id).scalar_subquery()
    checks = [
        exists().where(Block.account_id == recipient.id, Block.target_id == sender_id),
        exists().where(DomainBlock.account_id == recipient.id, DomainBlock.domain == sender_domain),
        follows(recipient.id, sender_id),
    ]
    if kind in _FOLLOW_TYPES:
        checks.append(
            exists().where(
                Notification.account_id == recipient.id,
                Notification.from_account_id == sender_id,
                Notification.type.in_(_FOLLOW_TYPES),
            )
        )
    blocked, domain_blocked, following, *already = (await session.execute(select(*checks))).one()
    if recipient.id != sender_id:
        if blocked or (domain_blocked and not following):
            return False
        if strangers_blocked and kind not in _ALWAYS_FROM_STRANGERS and not following:
            return False
    if any(already):
        return False
    return status is None or await can_see(session, recipient, status)


async def _stored_seen(
    session: AsyncSession, recipient: Account, sender_id: int, status: Status | None
) -> bool:
    """A notification from a muted account or about a muted thread arrives already read."""
    if recipient.id == sender_id:
        return False
    muted = [
        exists().where(
            Mute.account_id == recipient.id, Mute.target_id == sender_id, mute_in_force(utcnow())
        )
    ]
    if status is not None and status.conversation_id is not None:
        muted.append(
            exists().where(
                ThreadMute.account_id == recipient.id,
                ThreadMute.conversation_id == status.conversation_id,
            )
        )
    return bool(await session.scalar(select(or_(*muted))))


async def create_notification(
    session: AsyncSession,
    recipient: Account,
    sender_id: int,
    kind: str,
    status: Status | None = None,
    *,
    notification_id: int | None = None,
) -> Notification | None:
    """Add a notification to the session unless a rule suppresses it; returns it or None.

    Its web push deliveries are queued as jobs in the same transaction; the stream event is
    the caller's to send (``Effects.notified`` in the activity pipeline, ``notify`` here).
    A notification from a muted account or about a muted thread comes back with ``seen``
    already true (Pleroma's ``mark_as_read?``); a streaming or push layer should not alert
    for those muted "with notifications" or for muted threads (Pleroma's ``do_send: false``).
    ``notification_id``: the id to give it (a reaction's notification takes the reaction
    row's own id, so each names its reaction exactly: notifications point at statuses).
    """
    if kind not in NOTIFICATION_TYPES:
        raise ValueError(f"unknown notification type {kind}")
    if not await notification_allowed(session, recipient, sender_id, kind, status):
        return None
    notification = Notification(
        id=notification_id or new_id(),
        account_id=recipient.id,
        from_account_id=sender_id,
        type=kind,
        status_id=status.id if status is not None else None,
        seen=await _stored_seen(session, recipient, sender_id, status),
    )
    session.add(notification)
    await push_subscriptions.queue_deliveries(session, notification)
    return notification


async def notify(
    session: AsyncSession,
    recipient: Account,
    sender_id: int,
    kind: str,
    status: Status | None = None,
) -> Notification | None:
    """``create_notification`` and its stream event, for verbs outside the activity pipeline."""
    notification = await create_notification(session, recipient, sender_id, kind, status)
    if notification is not None and not notification.seen:
        event = {"notification_id": notification.id, "account_id": recipient.id}
        emit(session, {"type": "notification", **event})
    return notification


async def retract(
    session: AsyncSession,
    recipient_id: int,
    sender_id: int,
    kinds: Iterable[str],
    status_id: int | None = None,
) -> None:
    """Delete the notifications an undone action caused (unfavourite, withdrawn request...).

    Pleroma deletes a notification with the activity it points at; our notifications
    point at statuses, so the verb that undoes an action calls this. Does not commit.
    """
    stmt = delete(Notification).where(
        Notification.account_id == recipient_id,
        Notification.from_account_id == sender_id,
        Notification.type.in_(list(kinds)),
    )
    if status_id is not None:
        stmt = stmt.where(Notification.status_id == status_id)
    await session.execute(stmt)


async def follow_request_accepted(session: AsyncSession, followed_id: int, follower_id: int):
    """An authorized request's notification becomes a "follow" one (Pleroma's update)."""
    await session.execute(
        update(Notification)
        .where(
            Notification.account_id == followed_id,
            Notification.from_account_id == follower_id,
            Notification.type == "follow_request",
        )
        .values(type="follow")
        .execution_options(synchronize_session=False)
    )


async def follow_request_dropped(session: AsyncSession, followed_id: int, follower_id: int):
    """A rejected, withdrawn or blocked request leaves no notification to answer."""
    await retract(session, followed_id, follower_id, ["follow_request"])


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationFilter:
    """The list filters of GET /api/v1/notifications, already validated."""

    include_types: frozenset[str] = DEFAULT_TYPES
    exclude_types: frozenset[str] = frozenset()
    exclude_visibilities: frozenset[str] = frozenset()
    account_id: int | None = None
    with_muted: bool = False


def known_types(values: Iterable[str]) -> frozenset[str]:
    """The notification types among ``values``; unknown names are ignored.

    Mastodon clients send types this server never produces (``admin.sign_up``,
    ``severed_relationships``...); Pleroma and Mastodon both ignore them, so do we.
    """
    return frozenset(v for v in values if v in NOTIFICATION_TYPES)


def build_filter(
    *,
    types: list[str],
    include_types: list[str],
    exclude_types: list[str],
    exclude_visibilities: list[str],
    account_id: int | None,
    with_muted: bool,
) -> NotificationFilter:
    """Mastodon's ``types[]`` and Pleroma's ``include_types[]`` both narrow the list; when a
    client names only types we do not know, nothing matches."""
    asked = [*types, *include_types]
    include = known_types(asked) if asked else DEFAULT_TYPES
    return NotificationFilter(
        include_types=include,
        exclude_types=known_types(exclude_types),
        exclude_visibilities=frozenset(v for v in exclude_visibilities if v in VISIBILITIES),
        account_id=account_id,
        with_muted=with_muted,
    )


def readable_conditions(viewer_id, sender=Account, *, with_muted: bool = False, now=None) -> list:
    """SQL conditions on ``Notification`` (joined to its ``sender``) for what a viewer sees
    (``viewer_id`` and ``now``: values, or parameters of a prepared statement)."""
    now = utcnow() if now is None else now
    status = aliased(Status)
    conditions = [
        Notification.account_id == viewer_id,
        sender.is_active.is_(True),
        ~exists().where(Block.account_id == viewer_id, Block.target_id == sender.id),
        ~exists().where(Block.account_id == sender.id, Block.target_id == viewer_id),
        or_(
            sender.domain.is_(None),
            ~exists().where(
                DomainBlock.account_id == viewer_id, DomainBlock.domain == sender.domain
            ),
            follows(viewer_id, sender.id),
        ),
        or_(
            Notification.status_id.is_(None),
            exists().where(status.id == Notification.status_id, visible_filter(viewer_id, status)),
        ),
    ]
    if not with_muted:
        thread = aliased(Status)
        conditions.append(
            ~exists().where(
                Mute.account_id == viewer_id,
                Mute.target_id == sender.id,
                Mute.hide_notifications.is_(True),
                mute_in_force(now),
            )
        )
        conditions.append(
            or_(
                Notification.status_id.is_(None),
                ~exists().where(
                    thread.id == Notification.status_id,
                    ThreadMute.account_id == viewer_id,
                    ThreadMute.conversation_id == thread.conversation_id,
                ),
            )
        )
    return conditions


def _visibility_excluded(excluded: frozenset[str]):
    """Notifications about a status of an excluded visibility; a reblog counts as its
    original's visibility (Pleroma looks at the reblogged post)."""
    status = aliased(Status)
    original = aliased(Status)
    return exists().where(
        status.id == Notification.status_id,
        or_(
            and_(status.reblog_of_id.is_(None), status.visibility.in_(excluded)),
            exists().where(original.id == status.reblog_of_id, original.visibility.in_(excluded)),
        ),
    )


def _readable_select(viewer: Account, *, with_muted: bool = False):
    return (
        select(Notification, Account)
        .join(Account, Account.id == Notification.from_account_id)
        .where(*readable_conditions(viewer.id, Account, with_muted=with_muted))
    )


async def resolve_account_filter(session: AsyncSession, ident: str | None) -> int | None:
    """The ``account_id`` filter: an existing account's id, else 404 (as Pleroma)."""
    if ident is None or ident == "":
        return None
    account_id = parse_id(ident)
    account = await session.get(Account, account_id) if account_id is not None else None
    if account is None:
        raise NotFound("Account is not found")
    return account.id


async def list_notifications(
    session: AsyncSession, viewer: Account, filters: NotificationFilter, page: Page
) -> list[tuple[Notification, Account]]:
    """A page of the viewer's notifications with their senders, newest first."""
    types = tuple(sorted(filters.include_types - filters.exclude_types))
    if not types:
        return []
    shape = (
        types,
        filters.with_muted,
        filters.account_id is not None,
        tuple(sorted(filters.exclude_visibilities)),
        page_shape(page),
    )
    prepared = _NOTIFICATION_PAGES.get(shape, lambda: _notification_page(*shape))
    params = page_params(page) | {
        "viewer_id": viewer.id,
        "now": utcnow(),
        "from_account_id": filters.account_id,
    }
    rows = await (await reader(session)).one(prepared, params)
    width = len(NotificationRow._fields)
    pairs = [(NotificationRow._make(r[:width]), AccountRow._make(r[width:])) for r in rows]
    return in_display_order(pairs, page)


NotificationRow, _NOTIFICATION_COLUMNS = row_type(Notification)
_NOTIFICATION_PAGES = PreparedCache()


def _notification_page(
    types: tuple[str, ...],
    with_muted: bool,
    by_account: bool,
    excluded: tuple[str, ...],
    shape: PageShape,
) -> Prepared:
    """A page of (notification, sender) rows for one shape of the client's filters; the
    viewer, the time and the bounds are parameters."""
    now = bindparam("now", type_=DateTime())
    stmt = (
        select(*_NOTIFICATION_COLUMNS, *ACCOUNT_COLUMNS)
        .join(Account, Account.id == Notification.from_account_id)
        .where(
            *readable_conditions(VIEWER, Account, with_muted=with_muted, now=now),
            Notification.type.in_(types),
        )
    )
    if by_account:
        stmt = stmt.where(
            Notification.from_account_id == bindparam("from_account_id", type_=BigInteger)
        )
    if excluded:
        stmt = stmt.where(~_visibility_excluded(frozenset(excluded)))
    return Prepared(bounded(stmt, Notification.id, shape))


async def _own(session: AsyncSession, viewer: Account, notification_id) -> Notification | None:
    """The viewer's notification with this id; for an id a JavaScript client rounded to a
    double (Pleroma-FE), the viewer's notification nearest to it within that rounding."""
    parsed = parse_id(notification_id)
    if parsed is None:
        return None
    notification = await session.get(Notification, parsed)
    if notification is not None and notification.account_id == viewer.id:
        return notification
    rounded = js_number_range(parsed)
    if rounded is None:
        return None
    candidates = await session.scalars(
        select(Notification).where(
            Notification.account_id == viewer.id, Notification.id.between(*rounded)
        )
    )
    return min(candidates, key=lambda found: abs(found.id - parsed), default=None)


async def get_notification(
    session: AsyncSession, viewer: Account, notification_id: str
) -> tuple[Notification, Account]:
    """One of the viewer's own notifications, by the listing's rules (muted ones included);
    anyone else's, or one the viewer may no longer see, is a 404 like a missing one."""
    parsed = parse_id(notification_id)
    row = None
    if parsed is not None:
        row = (
            await session.execute(
                _readable_select(viewer, with_muted=True).where(Notification.id == parsed)
            )
        ).first()
    if row is None:
        raise NotFound("Record not found")
    return row[0], row[1]


async def unread_count(session: AsyncSession, account_id: int) -> int:
    """Unseen notifications, counted raw (as Pleroma's unread_notifications_count)."""
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.account_id == account_id, Notification.seen.is_(False))
    )
    return count or 0


# --- the owner's writes ------------------------------------------------------------------


async def dismiss(session: AsyncSession, viewer: Account, notification_id) -> None:
    """Delete one of the viewer's notifications; 404 for a missing or foreign one."""
    notification = await _own(session, viewer, notification_id)
    if notification is None:
        raise NotFound("Record not found")
    await session.delete(notification)
    await session.commit()


async def clear(session: AsyncSession, viewer: Account) -> None:
    await session.execute(delete(Notification).where(Notification.account_id == viewer.id))
    await session.commit()


async def destroy_multiple(session: AsyncSession, viewer: Account, ids: list[int]) -> None:
    """Delete the given notifications of the viewer's; other ids are ignored (as Pleroma)."""
    if ids:
        await session.execute(
            delete(Notification).where(
                Notification.account_id == viewer.id, Notification.id.in_(ids)
            )
        )
    await session.commit()


async def read_one(
    session: AsyncSession, viewer: Account, notification_id
) -> tuple[Notification, Account]:
    """Mark one notification seen; Pleroma answers a missing one with 400."""
    notification = await _own(session, viewer, notification_id)
    sender = await session.get(Account, notification.from_account_id) if notification else None
    if notification is None or sender is None:
        raise BadRequest("Cannot get notification")
    notification.seen = True
    await session.flush()
    await markers.follow_read_notifications(session, viewer)
    await session.commit()
    return notification, sender


async def read_up_to(
    session: AsyncSession, viewer: Account, max_id: int
) -> list[tuple[Notification, Account]]:
    """Mark every unseen notification up to ``max_id`` seen (and within the rounding of an
    id a JavaScript client parsed as a number: Pleroma-FE sends its newest id that way).

    Answers the ones it marked that the viewer can see, newest first, at most 80
    (Pleroma's limit), without loading the whole backlog into memory.
    """
    if js_number_range(max_id) is not None:  # the notification a rounded id stands for
        meant = await _own(session, viewer, max_id)
        if meant is not None:
            max_id = meant.id
    shown = (
        await session.execute(
            _readable_select(viewer)
            .where(Notification.id <= max_id, Notification.seen.is_(False))
            .order_by(Notification.id.desc())
            .limit(READ_UP_TO_LIMIT)
        )
    ).all()
    await session.execute(
        update(Notification)
        .where(
            Notification.account_id == viewer.id,
            Notification.id <= max_id,
            Notification.seen.is_(False),
        )
        .values(seen=True)
        .execution_options(synchronize_session="evaluate")
    )
    await markers.follow_read_notifications(session, viewer)
    await session.commit()
    return [(row[0], row[1]) for row in shown]

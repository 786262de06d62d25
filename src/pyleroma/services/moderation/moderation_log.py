"""The moderation log (Pleroma's ``ModerationLog``): one entry per admin action, written in
the action's own transaction so that a refused or failed action leaves no entry.

``log_action(session, actor, action, **fields)`` stores Pleroma's ``data`` (``actor`` as
{id, nickname, type}, ``action``, then the fields: ``subject`` a list of users, ``tags``,
``nicknames``, ``permission`` ...) and the message Pleroma words for it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.models import Account, ModerationLog


def user_map(account: Account) -> dict:
    return {"id": str(account.id), "nickname": account.nickname, "type": "user"}


def _users(users) -> str:
    return ", ".join(f"@{user['nickname']}" for user in users)


def _nicknames(nicknames) -> str:
    return ", ".join(f"@{nickname}" for nickname in nicknames)


_USERS_MESSAGES = {
    "activate": "activated users",
    "deactivate": "deactivated users",
    "approve": "approved users",
    "delete": "deleted users",
    "create": "created users",
    "confirm_email": "confirmed email for users",
    "resend_confirmation_email": "re-sent confirmation email for users",
    "force_password_reset": "forced password reset for users",
    "updated_users": "updated users",
    "add_suggestion": "added suggested users",
    "remove_suggestion": "removed suggested users",
    # Not logged by Pleroma; sentences of ours in its style.
    "reject": "rejected users",
    "disable_mfa": "disabled two-factor authentication for users",
}


def _on_user(data: dict, before: str, after: str = "") -> str:
    """`` (on user @nick)`` when the entry names the reported account (``subject_actor``)."""
    subject_actor = data.get("subject_actor") or {}
    return f"{before}@{subject_actor['nickname']}{after}" if subject_actor.get("nickname") else ""


def _status_update(actor: str, data: dict) -> str:
    changes = []
    if data.get("sensitive") is not None:
        changes.append(f"sensitive: '{str(data['sensitive']).lower()}'")
    if data.get("visibility") is not None:
        changes.append(f"visibility: '{data['visibility']}'")
    return f"{actor} updated status #{data['subject']['id']}, set {', '.join(changes)}"


def message_for(data: dict) -> str:
    """Pleroma's sentence for an entry (``ModerationLog.get_log_entry_message``)."""
    actor = "@" + data["actor"]["nickname"]
    action = data["action"]
    if "followed" in data and "follower" in data:
        follower, followed = data["follower"]["nickname"], data["followed"]["nickname"]
        return f"{actor} made @{follower} {action} @{followed}"
    if action in _USERS_MESSAGES:
        users = data.get("subject") or data.get("subjects") or []
        return f"{actor} {_USERS_MESSAGES[action]}: {_users(users)}"
    if action == "tag":
        tags = ", ".join(data["tags"])
        return f"{actor} added tags: {tags} to users: {_nicknames(data['nicknames'])}"
    if action == "untag":
        tags = ", ".join(data["tags"])
        return f"{actor} removed tags: {tags} from users: {_nicknames(data['nicknames'])}"
    if action == "grant":
        return f"{actor} made {_users(data['subject'])} {data['permission']}"
    if action == "revoke":
        return f"{actor} revoked {data['permission']} role from {_users(data['subject'])}"
    if action == "relay_follow":
        return f"{actor} followed relay: {data['target']}"
    if action == "relay_unfollow":
        return f"{actor} unfollowed relay: {data['target']}"
    if action == "report_update":
        subject = data["subject"]
        on_user = _on_user(data, " (on user ", ")")
        return f"{actor} updated report #{subject['id']}{on_user} with '{subject['state']}' state"
    if action == "report_note":
        on_user = _on_user(data, " on user ")
        return f"{actor} added note '{data['text']}' to report #{data['subject']['id']}{on_user}"
    if action == "report_note_delete":
        on_user = _on_user(data, " on user ")
        subject_id = data["subject"]["id"]
        return f"{actor} deleted note '{data['text']}' from report #{subject_id}{on_user}"
    if action == "status_update":
        return _status_update(actor, data)
    if action == "status_delete":
        return f"{actor} deleted status #{data['subject_id']}"
    if action == "chat_message_delete":
        return f"{actor} deleted chat message #{data['subject_id']}"
    if action == "create_backup":
        return f"{actor} requested account backup for @{data['subject']['nickname']}"
    # Actions Pleroma does not log and pyleroma does, worded in Pleroma's manner. Their
    # entries never carry a secret (an invite's id, not its token; an app's name, not its
    # client secret).
    subject = data.get("subject") if isinstance(data.get("subject"), dict) else {}
    number = f"#{subject.get('id', '')}"
    kind, _, change = action.rpartition("_")
    verbs = {"create": "created", "update": "updated", "delete": "deleted", "revoke": "revoked"}
    verb = verbs.get(change)
    if verb and kind in ("invite", "announcement", "rule"):
        return f"{actor} {verb} {kind} {number}"
    if verb and kind == "oauth_app":
        name = f" ({subject['name']})" if subject.get("name") else ""
        return f"{actor} {verb} OAuth app {number}{name}"
    if action == "invite_email":
        return f"{actor} sent invite {number} to {data.get('email', '')}"
    if action == "emoji_reload":
        return f"{actor} reloaded emoji"
    if action == "instance_document_update":
        return f"{actor} updated instance document {data.get('name', '')}"
    if action == "instance_document_delete":
        return f"{actor} deleted instance document {data.get('name', '')} (back to the default)"
    if action == "frontend_install":
        ref = f" ({data['ref']})" if data.get("ref") else ""
        return f"{actor} installed front end {data.get('name', '')}{ref}"
    if action == "instance_delete":
        return f"{actor} deleted instance {data.get('target', '')}"
    if action == "config_update":
        return f"{actor} updated settings: {', '.join(data.get('keys', []))}"
    return f"{actor} {action}"


async def log_action(session: AsyncSession, actor: Account, action: str, **fields) -> ModerationLog:
    """Add the entry to the caller's transaction (the caller commits with its action)."""
    data = {"actor": user_map(actor), "action": action, **fields}
    data["message"] = message_for(data)
    entry = ModerationLog(
        actor_id=actor.id, data=data, message=data["message"], created_at=utcnow()
    )
    session.add(entry)
    return entry


async def list_entries(
    session: AsyncSession,
    *,
    page: int = 1,
    page_size: int = 50,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    actor_id: int | None = None,
    search: str | None = None,
) -> tuple[list[ModerationLog], int]:
    """A page of entries, newest first, and how many match in all."""
    query = select(ModerationLog)
    if start is not None:
        query = query.where(ModerationLog.created_at >= start)
    if end is not None:
        query = query.where(ModerationLog.created_at <= end)
    if actor_id is not None:
        query = query.where(ModerationLog.actor_id == actor_id)
    if search:
        pattern = (
            "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(func.lower(ModerationLog.message).like(pattern, escape="\\"))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(
        query.order_by(ModerationLog.created_at.desc(), ModerationLog.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return list(rows.scalars()), total


def render_entry(entry: ModerationLog) -> dict:
    """Pleroma's ``ModerationLogView``: id, data, time (Unix seconds), message."""
    return {
        "id": str(entry.id),
        "data": entry.data,
        "time": int(entry.created_at.replace(tzinfo=dt.UTC).timestamp()),
        "message": entry.message,
    }

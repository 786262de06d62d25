"""The instance's rules as the admin API manages them (Pleroma's ``Pleroma.Rule``).

A rule is ``text`` (required), ``hint`` (Mastodon's explanation, may be empty) and
``priority`` (Pleroma's name for our ``position``: lower comes first, ties in creation
order). ``GET /api/v1/instance/rules`` and ``/api/v1/instance`` read the same table
(services/instance/instance.py ``instance_rules``), so a change shows there at once.

Nothing here commits: the router commits once the change is made. Each change adds its
moderation log entry (``rule_create``, ``rule_update``, ``rule_delete``, with ``subject``
{type: "rule", id}) to that transaction once its checks passed; Pleroma logs none of them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, InstanceRule
from pyleroma.services.moderation.moderation_log import log_action

MAX_TEXT = 1_000
MAX_HINT = 2_000
# ``position`` is a 32-bit column.
PRIORITY_MIN = -(2**31)
PRIORITY_MAX = 2**31 - 1
NOT_FOUND = "Not found"


def render_rule(rule: InstanceRule) -> dict:
    """Pleroma's ``AdminAPI.RuleView``: id, priority, text and hint."""
    return {"id": str(rule.id), "priority": rule.position, "text": rule.text, "hint": rule.hint}


async def list_rules(session: AsyncSession) -> list[InstanceRule]:
    """Every rule, by priority then creation (the order the instance shows them in)."""
    rows = await session.scalars(
        select(InstanceRule).order_by(InstanceRule.position, InstanceRule.id)
    )
    return list(rows)


async def get_rule(session: AsyncSession, rule_id: str) -> InstanceRule:
    ident = parse_id(rule_id)
    rule = await session.get(InstanceRule, ident) if ident is not None else None
    if rule is None:
        raise NotFound(NOT_FOUND)
    return rule


def _text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise Unprocessable("text: can't be blank")
    return text


def _subject(rule: InstanceRule) -> dict:
    return {"type": "rule", "id": str(rule.id)}


async def create_rule(
    session: AsyncSession,
    actor: Account,
    text: str | None,
    hint: str | None = None,
    priority: int | None = None,
) -> InstanceRule:
    """Add a rule (``text`` required, 422 when blank)."""
    rule = InstanceRule(
        id=new_id(), text=_text(text), hint=(hint or "").strip(), position=priority or 0
    )
    session.add(rule)
    await session.flush()
    await log_action(session, actor, "rule_create", subject=_subject(rule))
    return rule


async def update_rule(
    session: AsyncSession,
    actor: Account,
    rule_id: str,
    *,
    text: str | None = None,
    hint: str | None = None,
    priority: int | None = None,
) -> InstanceRule:
    """Change what is given (None: kept; logged when anything was given); 404 for an
    unknown rule."""
    rule = await get_rule(session, rule_id)
    if text is not None:
        rule.text = _text(text)
    if hint is not None:
        rule.hint = hint.strip()
    if priority is not None:
        rule.position = priority
    await session.flush()
    if (text, hint, priority) != (None, None, None):
        await log_action(session, actor, "rule_update", subject=_subject(rule))
    return rule


async def delete_rule(session: AsyncSession, actor: Account, rule_id: str) -> None:
    """404 for an unknown rule."""
    rule = await get_rule(session, rule_id)
    subject = _subject(rule)
    await session.delete(rule)
    await session.flush()
    await log_action(session, actor, "rule_delete", subject=subject)

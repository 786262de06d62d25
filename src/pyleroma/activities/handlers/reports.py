"""Flag: a report, local or from another server.

A local report (checked by services/moderation/reports.py, built by ``build_flag``) is
stored here; when the reporter asks for it to be forwarded (``forward``) and the reported
account is remote, the Flag goes to that account's server in the same transaction, so
that server's moderators see it too (Mastodon's and Pleroma's "forward to the remote
instance"). A Flag from another server (Mastodon, Pleroma, Akkoma and Misskey send one to
the reported account's server when their reporter asks for it) about one of our accounts
becomes a report for our moderators like a local one.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.db.ids import new_id
from pyleroma.errors import Conflict
from pyleroma.federation.activity_to_as import flag_to_as
from pyleroma.federation.relay import get_or_create_relay_actor, relay_enabled
from pyleroma.models import Account, Report, Status
from pyleroma.services.text.formatting import html_to_text
from pyleroma.urls import status_uri

log = logging.getLogger(__name__)


async def handle_flag(ctx: PipelineContext, activity: Activity) -> Effects:
    """A local report or one from another server (the pipeline's one entry for Flag)."""
    if activity.local:
        return await handle_local_flag(ctx, activity)
    return await handle_remote_flag(ctx, activity)


async def handle_local_flag(ctx: PipelineContext, activity: Activity) -> Effects:
    """Store the report (its id is ``activity.row_id``: the Flag's id names it), and with
    ``forward`` and a remote reported account deliver the Flag to its server (shared inbox,
    else inbox). A local reported account's moderators are ours: nothing leaves."""
    session, reporter, target = ctx.session, activity.actor, activity.object
    options = activity.options
    report = Report(
        id=activity.row_id,
        account_id=reporter.id,
        target_account_id=target.id,
        status_ids=list(options["status_ids"]),
        comment=options["comment"],
        forward=options["forward"],
        category=options["category"],
        state="open",
    )
    session.add(report)
    await session.flush()
    effects = Effects(result=report)
    if report.forward and not target.local:
        sender = await _flag_sender(ctx, reporter)
        if sender is not None:
            uris = await _own_post_uris(ctx, target, report.status_ids)
            document = flag_to_as(activity.id, sender.ap_id, target.ap_id, uris, report.comment)
            effects.deliver([target.id], activity=document, actor_id=sender.id)
    return effects


async def _flag_sender(ctx: PipelineContext, reporter: Account) -> Account | None:
    """Who the forwarded Flag is from, and so whose key signs it: the reporter, as Pleroma
    sends it by default (the receiving moderators can tell one reporter from many, and the
    normal delivery path signs it); with ``activitypub_anonymize_reporter`` (Pleroma's
    ``:anonymize_reporter``) the relay actor, an invisible service account of the instance,
    as Mastodon and GoToSocial send from their instance actor. The receiver fetches the
    sender to check the signature and /relay is served only while relays are on, so with
    relays off an anonymous Flag could not be verified: None, nothing is sent (never the
    reporter's name instead)."""
    if not ctx.settings.activitypub_anonymize_reporter:
        return reporter
    if relay_enabled(ctx.settings):
        try:
            return await get_or_create_relay_actor(ctx.session, ctx.settings)
        except Conflict:
            pass
    log.warning("report not forwarded: anonymous reports are sent by the relay actor (/relay)")
    return None


async def _own_post_uris(ctx: PipelineContext, target: Account, status_ids: list) -> list[str]:
    """The AP ids of the reported posts that are the account's own (a boost's Announce is
    not a post of theirs, and no receiver would find it), in the report's order. The
    service has already checked that each is the account's and visible to the reporter."""
    if not status_ids:
        return []
    rows = await ctx.session.scalars(
        select(Status).where(
            Status.id.in_(status_ids),
            Status.account_id == target.id,
            Status.reblog_of_id.is_(None),
        )
    )
    by_id = {status.id: status for status in rows}
    return [status_uri(ctx.settings, by_id[i]) for i in status_ids if i in by_id]


async def handle_remote_flag(ctx: PipelineContext, activity: Activity) -> Effects:
    """Store the report: the sender is the reporter (often the other server's instance
    actor, as Mastodon keeps its users anonymous), ``object`` the local account reported,
    ``options`` the ids of its posts named and the comment (HTML made plain text, cut at
    ``max_report_comment_size``). The same Flag delivered again (same reporter, account,
    posts and comment, still open) is stored once."""
    if activity.local:
        raise ValueError("local reports are handled by handle_local_flag")
    session, reporter, target = ctx.session, activity.actor, activity.object
    status_ids = sorted(activity.options.get("status_ids", []))
    limit = ctx.settings.max_report_comment_size
    comment = html_to_text(activity.options.get("comment") or "").strip()[:limit]
    effects = Effects()
    open_reports = await session.scalars(
        select(Report).where(
            Report.account_id == reporter.id,
            Report.target_account_id == target.id,
            Report.state == "open",
        )
    )
    for report in open_reports:
        if report.comment == comment and sorted(report.status_ids) == status_ids:
            effects.result = report
            return effects
    report = Report(
        id=activity.row_id or new_id(),
        account_id=reporter.id,
        target_account_id=target.id,
        status_ids=status_ids,
        comment=comment,
        forward=False,
        category="other",
        state="open",
    )
    session.add(report)
    await session.flush()
    effects.result = report
    return effects

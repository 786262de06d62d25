"""The admin API's statuses and reports, as Pleroma's AdminAPI StatusView and ReportView
render them.

- An account seen by staff is Pleroma's ``merge_account_views``: the Mastodon Account
  entity (as anyone sees it) with the admin AccountView's fields laid over it (email,
  roles, is_active, tags, ...).
- A status is the Mastodon Status entity (api/mastodon/render_statuses.py, the batched read
  path, rendered for no viewer as Pleroma's admin views do) whose ``account`` is the merged
  view, except where Pleroma uses the plain entity (a report's statuses, the PUT answer).
- A report: id, state, account (reported), actor (reporter), content (the comment, as
  HTML), created_at, statuses, notes (id, user_id, content, created_at, user), rules.
A page renders from a fixed number of statements whatever its length.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.models import Account, Report, ReportNote, Status
from pyleroma.services.accounts.admin_users import render_user
from pyleroma.services.moderation import admin_statuses
from pyleroma.services.moderation.admin_reports import ReportGroup, ReportPage
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime


async def admin_accounts_to_api(
    session: AsyncSession, settings: Settings, accounts: Iterable[Account]
) -> dict[int, dict]:
    """Pleroma's ``merge_account_views`` of each account, by id."""
    accounts = list({a.id: a for a in accounts}.values())
    rendered = await accounts_to_api(session, settings, accounts, None)
    return {
        account.id: {**data, **render_user(settings, account)}
        for account, data in zip(accounts, rendered, strict=True)
    }


async def admin_statuses_to_api(
    session: AsyncSession, settings: Settings, statuses: list[Status]
) -> list[dict]:
    """Pleroma's AdminAPI StatusView: the statuses, each author as the merged view (the
    Account entity the status carries, the admin fields of the author's row laid over a
    copy: the entity itself is shared by the entity cache)."""
    rendered = await statuses_to_api(session, settings, statuses, None)
    authors = await admin_statuses.account_rows(session, {s.account_id for s in statuses})
    views: dict[int, dict] = {}
    for data in rendered:
        author_id = int(data["account"]["id"])
        view = views.get(author_id)
        if view is None and author_id in authors:
            admin_fields = render_user(settings, authors[author_id])
            view = views[author_id] = {**data["account"], **admin_fields}
        if view is not None:
            data["account"] = view
    return rendered


def _note_to_api(note: ReportNote, views: dict[int, dict]) -> dict:
    return {
        "id": str(note.id),
        "user_id": str(note.account_id) if note.account_id is not None else None,
        "content": note.content,
        "created_at": masto_datetime(note.created_at),
        "user": views.get(note.account_id, {}),
    }


def _report_to_api(
    report: Report, page: ReportPage, views: dict[int, dict], statuses: dict[int, dict]
) -> dict:
    return {
        "id": str(report.id),
        "state": report.state,
        "account": views.get(report.target_account_id, {}),
        "actor": views.get(report.account_id, {}),
        # Plain text stored; rendered as the HTML Pleroma's sanitised content is.
        "content": html.escape(report.comment or "", quote=False),
        "created_at": masto_datetime(report.created_at),
        "statuses": [statuses[s.id] for s in page.statuses_of(report) if s.id in statuses],
        "notes": [_note_to_api(n, views) for n in page.notes.get(report.id, [])],
        # Reports name no instance rules here (Mastodon's rule_ids are not stored).
        "rules": [],
    }


async def _render_page(
    session: AsyncSession, settings: Settings, page: ReportPage
) -> tuple[dict[int, dict], dict[int, dict]]:
    """The merged account views and the plain Status entities of a page, by id."""
    views = await admin_accounts_to_api(session, settings, page.accounts.values())
    statuses = list(page.statuses.values())
    rendered = await statuses_to_api(session, settings, statuses, None)
    return views, {int(data["id"]): data for data in rendered}


async def reports_to_api(session: AsyncSession, settings: Settings, page: ReportPage) -> list:
    views, statuses = await _render_page(session, settings, page)
    return [_report_to_api(r, page, views, statuses) for r in page.reports]


async def report_groups_to_api(
    session: AsyncSession, settings: Settings, groups: list[ReportGroup], page: ReportPage
) -> list[dict]:
    """Pleroma's last ``grouped_reports``: per reported status its latest report's date,
    the reported account (admin view), the status (``deleted``: false; once gone only its
    id and ``deleted``: true), the reporters (merged views) and the reports."""
    views, statuses = await _render_page(session, settings, page)
    reports = {r.id: _report_to_api(r, page, views, statuses) for r in page.reports}
    accounts = page.accounts
    answer = []
    for group in groups:
        status = statuses.get(group.status_id) if group.status is not None else None
        if status is None:
            status = {"id": str(group.status_id), "deleted": True}
        else:
            status = {**status, "deleted": False}
        account = accounts.get(group.account_id)
        answer.append(
            {
                "date": masto_datetime(group.date),
                "account": render_user(settings, account) if account is not None else {},
                "status": status,
                "actors": [views[i] for i in group.reporter_ids if i in views],
                "reports": [reports[r.id] for r in group.reports],
            }
        )
    return answer

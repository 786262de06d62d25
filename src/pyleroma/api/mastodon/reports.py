"""POST /api/v1/reports (``write:reports``): flag an account and some of its statuses.

The rules live in services/moderation/reports.py. The answer is Pleroma's Report entity (``id``,
``action_taken``) with Mastodon's fields added, so clients of either find what they read.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.mastodon.render_accounts import account_to_api
from pyleroma.api.openapi import BOOL, STR, api_doc, arr, enum, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.errors import Unprocessable
from pyleroma.models import Account, Report
from pyleroma.models.report import REPORT_CATEGORIES
from pyleroma.services.moderation import reports
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime

router = APIRouter(tags=["Reports"])


def report_to_api(settings: Settings, report: Report, target: Account, viewer: Account) -> dict:
    return {
        "id": str(report.id),
        "action_taken": report.state != "open",
        "action_taken_at": None,
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forward,
        "created_at": masto_datetime(report.created_at),
        "status_ids": [str(i) for i in report.status_ids],
        "rule_ids": [],
        "target_account": account_to_api(settings, target, viewer),
    }


@router.post(
    "/api/v1/reports",
    **api_doc(
        body=[
            param("account_id", STR, required=True),
            param("status_ids", arr(STR), "Statuses of that account"),
            param("comment", STR),
            param("forward", BOOL, "Forward to the account's instance"),
            param("category", enum(*REPORT_CATEGORIES)),
        ],
        example={"account_id": "1", "comment": "Spam links", "category": "spam"},
        response=ref("Report"),
        errors=(404, 422),
    ),
)
async def create_report(
    auth: AuthContext = Depends(require_user("write:reports")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Report ``account_id`` with ``status_ids[]``, ``comment``, ``forward``, ``category``."""
    account_id = params.str("account_id")
    if not account_id:
        raise Unprocessable("account_id: can't be blank")
    draft = reports.ReportDraft(
        account_id=account_id,
        status_ids=params.str_list("status_ids"),
        comment=params.str("comment"),
        forward=params.bool("forward", False),
        category=params.str("category"),
    )
    report, target = await reports.create_report(session, settings, auth.user, draft)
    return report_to_api(settings, report, target, auth.user)

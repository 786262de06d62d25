"""POST/GET/PUT/DELETE /api/v1/push/subscription: the token's web push subscription.

Scope ``push``, as Pleroma's SubscriptionController. The subscription belongs to the access
token of the request (one per token); validation and the writes live in
``services/notifications/push_subscriptions.py``, the deliveries in ``jobs/push_jobs.py``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.openapi import BOOL, STR, api_doc, enum, obj, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.models import PushSubscription
from pyleroma.models.push_subscription import PUSH_POLICIES
from pyleroma.services.notifications import push_subscriptions as service
from pyleroma.services.notifications import vapid
from pyleroma.settings import Settings

router = APIRouter(tags=["Push subscriptions"])

PUSH = require_user("push")
URL = "/api/v1/push/subscription"


async def subscription_to_api(
    session: AsyncSession, settings: Settings, subscription: PushSubscription
) -> dict:
    """Mastodon's WebPushSubscription as Pleroma's SubscriptionView renders it, with
    Mastodon's ``policy`` and ``standard``; ``alerts`` lists every switch."""
    keys = await vapid.get_keys(session, settings)
    return {
        "id": str(subscription.id),
        "endpoint": subscription.endpoint,
        "alerts": service.alerts_to_api(subscription.alerts or {}),
        "policy": subscription.policy,
        "standard": subscription.standard,
        "server_key": keys.public_key,
    }


DATA = param(
    "data",
    obj(
        optional={
            "alerts": obj(optional={name: BOOL for name in service.ALERT_TYPES}),
            "policy": enum(*PUSH_POLICIES),
        }
    ),
    "Which notifications are pushed",
)


@router.post(
    URL,
    summary="Subscribe to web push (replaces the token's subscription)",
    **api_doc(
        body=[
            param(
                "subscription",
                obj(
                    {"endpoint": STR, "keys": obj({"p256dh": STR, "auth": STR})},
                    optional={"standard": BOOL},
                ),
                "The browser's PushSubscription",
                required=True,
            ),
            DATA,
        ],
        example={
            "subscription": {
                "endpoint": "https://push.example/wpush/v2/abc",
                "keys": {
                    "p256dh": "BEJIr_eQsqOkri9vcsSW7FO2vvsXeQvZUPF5_wx3DwfAuRfAbJf4G3_"
                    "Ukb1XoRKmKLvy6fM_3sD8fJ6jdI_ElIc",
                    "auth": "C5nJvOvwV9k3y3BVD_lB1A",
                },
            },
            "data": {"alerts": {"mention": True, "follow": True}, "policy": "all"},
        },
        response=ref("PushSubscription"),
        errors=(422,),
    ),
)
async def create(
    auth: AuthContext = Depends(PUSH),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    request = service.check_subscription(params.raw("subscription"), settings)
    data = service.check_data(params.raw("data"))
    subscription = await service.subscribe(session, auth.user, auth.token, request, data)
    return await subscription_to_api(session, settings, subscription)


@router.get(
    URL,
    summary="The token's web push subscription",
    **api_doc(response=ref("PushSubscription"), errors=(404,)),
)
async def show(
    auth: AuthContext = Depends(PUSH),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    subscription = await service.get_subscription(session, auth.token)
    return await subscription_to_api(session, settings, subscription)


@router.put(
    URL,
    summary="Change which notifications are pushed",
    **api_doc(body=[DATA], response=ref("PushSubscription"), errors=(404, 422)),
)
async def update(
    auth: AuthContext = Depends(PUSH),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    data = service.check_data(params.raw("data"))
    subscription = await service.update_data(session, auth.token, data)
    return await subscription_to_api(session, settings, subscription)


@router.delete(URL, summary="Remove the token's web push subscription", **api_doc(errors=(404,)))
async def delete(auth: AuthContext = Depends(PUSH), session: AsyncSession = Depends(get_session)):
    await service.unsubscribe(session, auth.token)
    return {}

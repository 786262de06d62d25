"""Admin API, users (under /api/v1/pleroma/admin and /api/pleroma/admin): list with
Pleroma's filters, show, activate / deactivate / toggle_activation, approve, confirm_email,
resend_confirmation_email, tag / untag, permission groups (the batch forms and the
deprecated per-user ones). Every change writes a moderation log entry in its own
transaction (nothing logged when it is refused). The other users routes (create, delete,
follow, statuses, passwords, credentials, suggestions, MFA, backups) are in
user_accounts.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.openapi import ANY_OBJECT, BOOL, INT, STR, api_doc, arr, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import Unprocessable
from pyleroma.services.accounts import admin_users
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: users"])

READ = ("admin:read:accounts",)
WRITE = ("admin:write:accounts",)
NICKNAMES = param("nicknames", arr(STR), "Nicknames", required=True)
USERS = obj({"users": arr(ANY_OBJECT)})


def _nicknames(params: Params) -> list[str]:
    nicknames = params.str_list("nicknames")
    if not nicknames:
        raise Unprocessable("nicknames: can't be blank")
    return nicknames


@admin_router.get(
    "/users",
    **api_doc(
        query=[
            param("query", STR, "Nickname or display name"),
            param("filters", STR, "Comma-separated: local, external, active, ..."),
            param("tags", arr(STR), "Any of these tags"),
            param("name", STR, "Display name"),
            param("email", STR, "Email"),
            param("actor_types", arr(STR), "Only these actor types (Person, Service, ...)"),
            param("page", INT, "Page (from 1)"),
            param("page_size", INT, "Users per page (50)"),
        ],
        response=obj({"users": arr(ANY_OBJECT), "count": INT, "page_size": INT}),
        errors=(401, 403, 422),
    ),
)
async def list_users(
    auth: AuthContext = Depends(require_admin("users_read", *READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    page = params.int("page", 1, min=1)
    page_size = params.int("page_size", 50, min=1, max=500, clamp=True)
    filters = [f.strip() for f in (params.str("filters") or "").split(",") if f.strip()]
    users, count = await admin_users.search_users(
        session,
        filters=filters,
        query=params.str("query"),
        tags=params.str_list("tags"),
        name=params.str("name"),
        email=params.str("email"),
        page=page,
        page_size=page_size,
        actor_types=params.str_list("actor_types"),
    )
    return {
        "users": [admin_users.render_user(settings, u) for u in users],
        "count": count,
        "page_size": page_size,
    }


async def _batch_active(auth, params, session, settings, active: bool) -> dict:
    accounts = await admin_users.users_by_nicknames(session, _nicknames(params))
    await admin_users.set_active(session, auth.user, accounts, active)
    await session.commit()
    return {"users": [admin_users.render_user(settings, a) for a in accounts]}


@admin_router.patch(
    "/users/activate", **api_doc(body=[NICKNAMES], response=USERS, errors=(401, 403, 422))
)
async def activate(
    auth: AuthContext = Depends(require_admin("users_manage_activation_state", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _batch_active(auth, params, session, settings, True)


@admin_router.patch(
    "/users/deactivate", **api_doc(body=[NICKNAMES], response=USERS, errors=(401, 403, 422))
)
async def deactivate(
    auth: AuthContext = Depends(require_admin("users_manage_activation_state", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _batch_active(auth, params, session, settings, False)


@admin_router.patch(
    "/users/approve", **api_doc(body=[NICKNAMES], response=USERS, errors=(401, 403, 422))
)
async def approve(
    auth: AuthContext = Depends(require_admin("users_manage_invites", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    accounts = await admin_users.users_by_nicknames(session, _nicknames(params))
    await admin_users.approve(session, settings, auth.user, accounts)
    await session.commit()
    return {"users": [admin_users.render_user(settings, a) for a in accounts]}


@admin_router.patch(
    "/users/confirm_email", **api_doc(body=[NICKNAMES], response=STR, errors=(401, 403, 422))
)
async def confirm_email(
    auth: AuthContext = Depends(require_admin("users_manage_credentials", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Pleroma answers an empty JSON string."""
    accounts = await admin_users.users_by_nicknames(session, _nicknames(params))
    await admin_users.confirm_emails(session, settings, auth.user, accounts)
    await session.commit()
    return ""


@admin_router.patch(
    "/users/resend_confirmation_email",
    **api_doc(body=[NICKNAMES], response=STR, errors=(401, 403, 422)),
)
async def resend_confirmation_email(
    auth: AuthContext = Depends(require_admin("users_manage_credentials", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    accounts = await admin_users.users_by_nicknames(session, _nicknames(params))
    await admin_users.resend_confirmations(session, settings, auth.user, accounts)
    await session.commit()
    return ""


@admin_router.patch(
    "/users/{nickname}/toggle_activation",
    **api_doc(response=ANY_OBJECT, errors=(401, 403, 404)),
)
async def toggle_activation(
    nickname: str,
    auth: AuthContext = Depends(require_admin("users_manage_activation_state", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    account = await admin_users.get_user(session, nickname)
    await admin_users.set_active(session, auth.user, [account], not account.is_active)
    await session.commit()
    return admin_users.render_user(settings, account)


async def _tag(auth, params, session, add: bool) -> dict:
    tags = params.str_list("tags")
    if not tags:
        raise Unprocessable("tags: can't be blank")
    await admin_users.tag_users(session, auth.user, _nicknames(params), tags, add)
    await session.commit()
    return {}


TAG_BODY = [NICKNAMES, param("tags", arr(STR), "Tags", required=True)]


@admin_router.put("/users/tag", **api_doc(body=TAG_BODY, errors=(401, 403, 422)))
async def tag(
    auth: AuthContext = Depends(require_admin("users_manage_tags", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    return await _tag(auth, params, session, True)


@admin_router.delete("/users/tag", **api_doc(body=TAG_BODY, errors=(401, 403, 422)))
async def untag(
    auth: AuthContext = Depends(require_admin("users_manage_tags", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    return await _tag(auth, params, session, False)


GROUP_ANSWER = obj({"is_admin": BOOL, "is_moderator": BOOL})


async def _groups(auth, session, group: str, accounts: list, on: bool) -> dict:
    """Grant or revoke ``group`` for ``accounts`` (the group checked by the caller first,
    so an unknown one is a 404 before anything else)."""
    await admin_users.set_group(session, auth.user, accounts, group, on)
    await session.commit()
    return {f"is_{group}": on}


async def _batch_groups(auth, params, session, group: str, on: bool) -> dict:
    admin_users.check_group(group)
    accounts = await admin_users.users_by_nicknames(session, _nicknames(params))
    return await _groups(auth, session, group, accounts, on)


async def _user_groups(auth, session, nickname: str, group: str, on: bool) -> dict:
    admin_users.check_group(group)
    account = await admin_users.get_user(session, nickname)
    return await _groups(auth, session, group, [account], on)


@admin_router.post(
    "/users/permission_group/{group}",
    **api_doc(body=[NICKNAMES], response=ANY_OBJECT, errors=(401, 403, 404, 422)),
)
async def add_to_group(
    group: str,
    auth: AuthContext = Depends(require_admin(None, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    return await _batch_groups(auth, params, session, group, True)


@admin_router.delete(
    "/users/permission_group/{group}",
    **api_doc(body=[NICKNAMES], response=ANY_OBJECT, errors=(401, 403, 404, 422)),
)
async def remove_from_group(
    group: str,
    auth: AuthContext = Depends(require_admin(None, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    return await _batch_groups(auth, params, session, group, False)


@admin_router.get(
    "/users/{nickname}/permission_group",
    **api_doc(response=GROUP_ANSWER, errors=(401, 403, 404)),
)
async def get_groups(
    nickname: str,
    auth: AuthContext = Depends(require_admin(None, *READ)),
    session: AsyncSession = Depends(get_session),
):
    account = await admin_users.get_user(session, nickname)
    return {"is_admin": account.is_admin, "is_moderator": account.is_moderator}


@admin_router.get(
    "/users/{nickname}/permission_group/{group}",
    **api_doc(response=GROUP_ANSWER, errors=(401, 403, 404)),
)
async def get_group(
    nickname: str,
    group: str,
    auth: AuthContext = Depends(require_admin(None, *READ)),
    session: AsyncSession = Depends(get_session),
):
    """Deprecated form of ``GET /users/:nickname/permission_group`` (the same answer);
    404 for an unknown group, as Pleroma's document says."""
    admin_users.check_group(group)
    account = await admin_users.get_user(session, nickname)
    return {"is_admin": account.is_admin, "is_moderator": account.is_moderator}


@admin_router.post(
    "/users/{nickname}/permission_group/{group}",
    **api_doc(response=ANY_OBJECT, errors=(401, 403, 404)),
)
async def add_user_to_group(
    nickname: str,
    group: str,
    auth: AuthContext = Depends(require_admin(None, *WRITE)),
    session: AsyncSession = Depends(get_session),
):
    """Deprecated per-user form of ``POST /users/permission_group/:group``."""
    return await _user_groups(auth, session, nickname, group, True)


@admin_router.delete(
    "/users/{nickname}/permission_group/{group}",
    **api_doc(response=ANY_OBJECT, errors=(401, 403, 404)),
)
async def remove_user_from_group(
    nickname: str,
    group: str,
    auth: AuthContext = Depends(require_admin(None, *WRITE)),
    session: AsyncSession = Depends(get_session),
):
    """Deprecated per-user form of ``DELETE /users/permission_group/:group``; an admin
    cannot revoke their own role (403)."""
    return await _user_groups(auth, session, nickname, group, False)


@admin_router.get("/users/{nickname_or_id}", **api_doc(response=ANY_OBJECT, errors=(401, 403, 404)))
async def show_user(
    nickname_or_id: str,
    auth: AuthContext = Depends(require_admin("users_read", *READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return admin_users.render_user(settings, await admin_users.get_user(session, nickname_or_id))

"""Admin API, users (under /api/v1/pleroma/admin and /api/pleroma/admin): create and delete
accounts, make one follow another, read an account's statuses, password reset links and
forced resets, credentials, follow suggestions, two-factor authentication, backups.

Access as Pleroma's router and controllers have it: the privilege (or admins only) and the
token's admin scope of each route are in its ``require_admin``. Every change is logged in
its own transaction; the rules live in services/accounts/admin_*.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.admin.render_moderation import admin_statuses_to_api
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.openapi import (
    ANY_OBJECT,
    BOOL,
    INT,
    STR,
    api_doc,
    arr,
    nullable,
    obj,
    param,
    ref,
)
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account
from pyleroma.services.accounts import (
    admin_credentials,
    admin_passwords,
    admin_user_creation,
    admin_user_follows,
    admin_user_removal,
    admin_user_statuses,
    admin_users,
)
from pyleroma.services.accounts.accounts import find_by_nickname
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: users"])

READ = ("admin:read:accounts",)
WRITE = ("admin:write:accounts",)
NICKNAMES = param("nicknames", arr(STR), "Nicknames", required=True)
NICKNAME = param("nickname", STR, "A nickname", required=True)
USERS = obj({"users": arr(ANY_OBJECT)})
NOT_FOUND = "Not found"
NO_CONTENT = {204: {"description": "No Content: done"}}
ENTRY_DATA = obj({"nickname": nullable(STR), "email": nullable(STR)})
CREATED = arr(obj({"type": STR, "code": INT, "data": ENTRY_DATA}))
CREATE_ERRORS = {
    409: {
        "description": "Conflict: nothing was made; each entry with what is wrong with it "
        '("" for the entries that were fine)',
        "content": {
            "application/json": {
                "schema": arr(obj({"type": STR, "code": INT, "error": STR, "data": ENTRY_DATA}))
            }
        },
    }
}
FIELD_ERRORS = {
    400: {
        "description": 'Bad Request: {"errors": {parameter: what is wrong}}, or {"error"} '
        "for a remote account",
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        obj({"errors": {"type": "object", "additionalProperties": STR}}),
                        ref("Error"),
                    ]
                }
            }
        },
    }
}


def _nicknames(params: Params) -> list[str]:
    nicknames = params.str_list("nicknames")
    if not nicknames:
        raise Unprocessable("nicknames: can't be blank")
    return nicknames


async def _by_nickname(session: AsyncSession, nickname: str | None) -> Account:
    """An account by its nickname (Pleroma's ``get_by_nickname``): 422 when none is given,
    404 ``Not found`` when unknown."""
    if not nickname:
        raise Unprocessable("nickname: can't be blank")
    account = await find_by_nickname(session, nickname)
    if account is None:
        raise NotFound(NOT_FOUND)
    return account


# --- create, delete ----------------------------------------------------------------------


@admin_router.post(
    "/users",
    **api_doc(
        body=[
            param(
                "users",
                arr(obj({"nickname": STR, "email": STR, "password": STR})),
                "The accounts to make, all or none",
                required=True,
            )
        ],
        example={"users": [{"nickname": "lain", "email": "lain@example.org", "password": "…"}]},
        response=CREATED,
        errors=(401, 403, 422),
        responses=CREATE_ERRORS,
    ),
)
async def create_users(
    auth: AuthContext = Depends(require_admin(None, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Confirmed, approved accounts; ``[{type: "success", code: 200, data: {nickname,
    email}}]``, or Pleroma's 409 list with nothing made. Logged ``create``."""
    entries = admin_user_creation.read_entries(params.list("users"))
    outcome = await admin_user_creation.create_users(session, settings, auth.user, entries)
    if outcome.status != 200:
        return json_response(outcome.items, status=outcome.status)
    await session.commit()
    return outcome.items


@admin_router.delete(
    "/users",
    **api_doc(
        query=[param("nickname", STR, "Deprecated: one nickname")],
        body=[param("nicknames", arr(STR), "Nicknames")],
        response=arr(STR),
        errors=(401, 403, 422),
    ),
)
async def delete_users(
    auth: AuthContext = Depends(require_admin("users_delete", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The nicknames of the accounts deleted (unknown ones are skipped). A local account
    is signed out and deactivated now, and deleted by a job; a remote one loses its
    follows and content at once. Logged ``delete``."""
    nicknames = params.str_list("nicknames")
    if not nicknames and params.str("nickname"):
        nicknames = [params.str("nickname")]
    if not nicknames:
        raise Unprocessable("nicknames: can't be blank")
    accounts = await admin_users.users_by_nicknames(session, nicknames)
    await admin_user_removal.delete_users(session, settings, auth.user, accounts)
    await session.commit()
    return [a.nickname for a in accounts]


# --- follows -----------------------------------------------------------------------------

FOLLOW_BODY = [
    param("follower", STR, "The nickname of the (local) follower", required=True),
    param("followed", STR, "The nickname of the account to follow", required=True),
]
FOLLOW_DOC = api_doc(body=FOLLOW_BODY, response=STR, errors=(400, 401, 403, 404, 422))


@admin_router.post("/users/follow", **FOLLOW_DOC)
async def follow(
    auth: AuthContext = Depends(require_admin(None, "admin:write:follows")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The follower's own follow (federated to a remote account, a request to a locked
    one); ``"ok"``. Logged ``follow``."""
    pair = await admin_user_follows.find_pair(
        session, params.str("follower"), params.str("followed")
    )
    await admin_user_follows.follow(session, settings, auth.user, *pair)
    return "ok"


@admin_router.post("/users/unfollow", **FOLLOW_DOC)
async def unfollow(
    auth: AuthContext = Depends(require_admin(None, "admin:write:follows")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The follower's own unfollow (an Undo federated); ``"ok"``. Logged ``unfollow``."""
    pair = await admin_user_follows.find_pair(
        session, params.str("follower"), params.str("followed")
    )
    await admin_user_follows.unfollow(session, settings, auth.user, *pair)
    return "ok"


# --- statuses ----------------------------------------------------------------------------


@admin_router.get(
    "/users/{nickname_or_id}/statuses",
    **api_doc(
        query=[
            param("godmode", BOOL, "Private, direct and local-only statuses too (default false)"),
            param("with_reblogs", BOOL, "Reblogs too (default false)"),
            param("page", INT, "Page (from 1)"),
            param("page_size", INT, "Statuses per page (default 50, at most 500)"),
        ],
        response=obj({"total": INT, "activities": arr(ref("Status"))}),
        errors=(401, 403, 404, 422),
    ),
)
async def user_statuses(
    nickname_or_id: str,
    auth: AuthContext = Depends(require_admin("messages_read", "admin:read:statuses")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """``{"total", "activities"}``: the account's statuses, newest first, each author as
    the admin account view."""
    godmode = params.bool("godmode", False)
    with_reblogs = params.bool("with_reblogs", False)
    page = params.int("page", 1, min=1, max=2**31 - 1, clamp=True)
    page_size = params.int("page_size", 50, min=1, max=500, clamp=True)
    account = await admin_users.get_user(session, nickname_or_id)
    statuses, total = await admin_user_statuses.user_statuses(
        session,
        account,
        godmode=godmode,
        with_reblogs=with_reblogs,
        page=page,
        page_size=page_size,
    )
    return {"total": total, "activities": await admin_statuses_to_api(session, settings, statuses)}


# --- passwords, credentials, MFA -----------------------------------------------------------


@admin_router.get(
    "/users/{nickname}/password_reset",
    **api_doc(response=obj({"token": STR, "link": STR}), errors=(401, 403, 404, 422)),
)
async def password_reset(
    nickname: str,
    auth: AuthContext = Depends(require_admin("users_manage_credentials", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """A one-use reset link for the owner (not mailed: the admin passes it on)."""
    account = await _by_nickname(session, nickname)
    answer = await admin_passwords.reset_token(session, settings, account)
    await session.commit()
    return answer


@admin_router.patch(
    "/users/force_password_reset",
    **api_doc(body=[NICKNAMES], status=204, errors=(401, 403, 422), responses=NO_CONTENT),
)
async def force_password_reset(
    auth: AuthContext = Depends(require_admin("users_manage_credentials", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Sign the accounts out and refuse their logins until they set a new password (403
    ``password_reset_required``). Logged ``force_password_reset``."""
    accounts = await admin_users.users_by_nicknames(session, _nicknames(params))
    await admin_passwords.force_password_reset(session, auth.user, accounts)
    await session.commit()
    return Response(status_code=204)


@admin_router.get(
    "/users/{nickname}/credentials",
    **api_doc(response=ANY_OBJECT, errors=(401, 403, 404)),
)
async def show_credentials(
    nickname: str,
    auth: AuthContext = Depends(require_admin("users_manage_credentials", *READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The profile as its owner edits it, with the email address (Pleroma's
    credentials view)."""
    account = await admin_users.get_user(session, nickname)
    return admin_credentials.credentials_to_api(settings, account)


CREDENTIAL_BODY = [
    param("email", STR, "A new address (stored at once)"),
    param("password", STR, "A new password: every session of the account ends"),
    param("name", STR, "Display name"),
    param("bio", STR, "Bio (plain text, as its owner types it)"),
    param("avatar", {"type": "string", "format": "binary"}, 'An image, or "" to remove it'),
    param("banner", {"type": "string", "format": "binary"}, 'An image, or "" to remove it'),
    param("background", {"type": "string", "format": "binary"}, 'An image, or "" to remove it'),
    param("fields", arr(obj({"name": STR, "value": STR})), "Profile fields"),
    param("also_known_as", arr(STR), "The account's other actors (URLs)"),
    param("actor_type", STR, "Person or Service"),
    param("default_scope", STR, "Default visibility of new posts"),
    param("pleroma_settings_store", ANY_OBJECT, "Front-end settings, merged per front end"),
    *(
        param(name, BOOL, "")
        for name in (
            "locked",
            "is_locked",
            "discoverable",
            "is_discoverable",
            "no_rich_text",
            "hide_follows",
            "hide_followers",
            "hide_follows_count",
            "hide_followers_count",
            "hide_favorites",
            "allow_following_move",
            "show_role",
            "skip_thread_containment",
        )
    ),
]


@admin_router.patch(
    "/users/{nickname}/credentials",
    **api_doc(
        body=CREDENTIAL_BODY,
        uploads=True,
        example={"name": "Lain", "email": "lain@example.org"},
        response=obj({"status": STR}),
        errors=(401, 403, 404, 413),
        responses=FIELD_ERRORS,
    ),
)
async def update_credentials(
    nickname: str,
    auth: AuthContext = Depends(require_admin("users_manage_credentials", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """``{"status": "success"}``, or 400 ``{"errors": {...}}`` with nothing changed.
    Logged ``updated_users``."""
    account = await admin_users.get_user(session, nickname)
    given = {name: params.raw(name) for name in admin_credentials.PARAMS if params.has(name)}
    try:
        update = await admin_credentials.check_credentials_update(session, settings, account, given)
        await admin_credentials.update_credentials(session, settings, auth.user, account, update)
    except admin_credentials.CredentialErrors as exc:
        return json_response({"errors": exc.errors}, status=400)
    return {"status": "success"}


@admin_router.put(
    "/users/disable_mfa",
    **api_doc(body=[NICKNAME], response=STR, errors=(401, 403, 404, 422)),
)
async def disable_mfa(
    auth: AuthContext = Depends(require_admin("users_manage_credentials", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Two-factor authentication off (TOTP and backup codes); answers the nickname."""
    account = await _by_nickname(session, params.str("nickname"))
    await admin_passwords.disable_mfa(session, auth.user, account)
    await session.commit()
    return account.nickname


# --- suggestions, backups ------------------------------------------------------------------


async def _suggest(auth, params, session, settings, suggested: bool) -> dict:
    accounts = await admin_users.users_by_nicknames(session, _nicknames(params))
    await admin_users.set_suggested(session, auth.user, accounts, suggested)
    await session.commit()
    return {"users": [admin_users.render_user(settings, a) for a in accounts]}


@admin_router.patch(
    "/users/suggest", **api_doc(body=[NICKNAMES], response=USERS, errors=(401, 403, 422))
)
async def suggest(
    auth: AuthContext = Depends(require_admin(None, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Staff's follow suggestions (listed first by ``/api/v2/suggestions``). Logged
    ``add_suggestion``."""
    return await _suggest(auth, params, session, settings, True)


@admin_router.patch(
    "/users/unsuggest", **api_doc(body=[NICKNAMES], response=USERS, errors=(401, 403, 422))
)
async def unsuggest(
    auth: AuthContext = Depends(require_admin(None, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Off the staff's suggestions. Logged ``remove_suggestion``."""
    return await _suggest(auth, params, session, settings, False)


@admin_router.post(
    "/backups", **api_doc(body=[NICKNAME], response=STR, errors=(401, 403, 404, 422))
)
async def create_backup(
    auth: AuthContext = Depends(require_admin(None, *READ, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """A backup of the account, built by a job and mailed to its owner; ``""``. Pleroma
    asks ``admin:read:accounts`` for it; ``admin:write:accounts`` will do too. Logged
    ``create_backup``."""
    account = await _by_nickname(session, params.str("nickname"))
    await admin_users.create_backup(session, settings, auth.user, account)
    await session.commit()
    return ""

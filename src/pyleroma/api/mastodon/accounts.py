"""Registration and account reads: POST /api/v1/accounts, GET /api/v1/accounts/:id,
/api/v1/accounts/lookup and /api/v1/accounts/search.

Registration takes an app's own token (client_credentials), as Pleroma does; no scope is
required of it (Pleroma checks none; its own tests register with a ``read``-only app token).
A user's token is refused with Pleroma's 403 "Invalid credentials".
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.convertors import Convertor, register_url_convertor

from pyleroma.api.backfill import BackfillTrigger, backfill_trigger
from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_app
from pyleroma.api.mastodon.render_accounts import accounts_to_api, one_account_to_api
from pyleroma.api.oauth.render import token_to_api
from pyleroma.api.openapi import BOOL, STR, api_doc, arr, param, ref
from pyleroma.api.openapi.parameters import LIMIT, OFFSET, WITH_RELATIONSHIPS
from pyleroma.api.pagination import read_offset
from pyleroma.api.params import Params, get_params
from pyleroma.api.ratelimit import RateLimiter
from pyleroma.api.responses import json_response
from pyleroma.errors import Forbidden, Unprocessable
from pyleroma.services.accounts import account_directory, registration
from pyleroma.services.discovery import search
from pyleroma.services.relations.relationships_view import load_relationships
from pyleroma.settings import Settings

router = APIRouter(tags=["Accounts"])

# Literal path segments that other routes serve under /api/v1/accounts/; an account id or
# nickname never takes one of them (they are reserved nicknames), whatever the router order.
RESERVED_SEGMENTS = (
    "verify_credentials",
    "update_credentials",
    "relationships",
    "search",
    "lookup",
    "familiar_followers",
)


class AccountIdentConvertor(Convertor):
    regex = rf"(?!(?:{'|'.join(RESERVED_SEGMENTS)})$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("account_ident", AccountIdentConvertor())

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def registration_limiter(request: Request) -> RateLimiter:
    state = request.app.state
    limiter = getattr(state, "registration_limiter", None)
    if limiter is None:
        settings: Settings = state.settings
        limiter = RateLimiter(settings.registration_rate_limit, settings.registration_rate_window)
        state.registration_limiter = limiter
    return limiter


@router.post(
    "/api/v1/accounts",
    **api_doc(
        body=[
            param("username", STR, required=True),
            param("password", STR, required=True),
            param("email", STR),
            param("agreement", BOOL, "Agrees to the terms", required=True),
            param("reason", STR, "Why they want to join (approval mode)"),
            param("token", STR, "An invite token (invite mode)"),
            param("fullname", STR, "The display name"),
            param("display_name", STR, "Alias of fullname"),
            param("bio", STR),
            param("locale", STR, "Accepted for Mastodon compatibility"),
            param("captcha_token", STR, "From GET /api/v1/pleroma/captcha (captcha on)"),
            param("captcha_answer_data", STR, "From GET /api/v1/pleroma/captcha"),
            param("captcha_solution", STR, "The text the captcha image shows"),
        ],
        example={
            "username": "newcomer",
            "password": "a long passphrase",
            "email": "newcomer@example.com",
            "agreement": True,
        },
        response={"anyOf": [ref("Token"), ref("RegistrationPending")]},
        errors=(400, 403, 422, 429),
    ),
)
async def register_account(
    request: Request,
    params: Params = Depends(get_params),
    auth: AuthContext = Depends(require_app()),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Register; answers a token for the calling app, or why the account must wait."""
    if auth.account is not None:
        raise Forbidden("Invalid credentials")
    limiter = registration_limiter(request)
    limiter.check(request)
    limiter.hit(request)
    reg = registration.RegistrationRequest(
        username=params.str("username"),
        password=params.str("password"),
        email=params.str("email"),
        agreement=params.bool("agreement"),
        reason=params.str("reason"),
        invite_token=params.str("token"),
        display_name=params.str("fullname") or params.str("display_name"),
        bio=params.str("bio"),
        captcha_token=params.str("captcha_token"),
        captcha_answer_data=params.str("captcha_answer_data"),
        captcha_solution=params.str("captcha_solution"),
    )
    params.str("locale")  # accepted for Mastodon compatibility; must be a string
    done = await registration.register(session, settings, auth.app, reg)
    if done.issued is None:
        return json_response({"identifier": done.identifier, "message": done.message})
    return json_response(token_to_api(done.issued), headers=NO_STORE)


@router.get(
    "/api/v1/accounts/lookup",
    **api_doc(
        query=[param("acct", STR, "nick, nick@this.domain or nick@remote", required=True)],
        response=ref("Account"),
        errors=(404,),
    ),
)
async def lookup_account(
    params: Params = Depends(get_params),
    auth: AuthContext | None = Depends(optional_user("read:accounts")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """An account by ``acct`` handle: ``nick``, ``nick@this.domain`` or ``nick@remote``."""
    acct = params.str("acct")
    if not acct:
        raise Unprocessable("acct: can't be blank")
    viewer = auth.account if auth else None
    account = await account_directory.lookup_account(session, settings, acct, viewer)
    return await one_account_to_api(session, settings, account, viewer)


@router.get(
    "/api/v1/accounts/search",
    **api_doc(
        query=[
            param("q", STR, required=True),
            LIMIT,
            OFFSET,
            param("resolve", BOOL, "Look a remote handle or actor URL up (signed in only)"),
            param("following", BOOL, "Only accounts the viewer follows"),
        ],
        response=arr(ref("Account")),
    ),
)
async def search_accounts(
    params: Params = Depends(get_params),
    auth: AuthContext | None = Depends(optional_user("read:accounts", "read:search")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Prefix search on nickname and display name (Pleroma-FE's mention autocomplete); the
    same search as the accounts of GET /api/v2/search, remote lookup (``resolve``) too."""
    query = params.str("q")
    if query is None:
        raise Unprocessable("q: can't be blank")
    limit = params.int("limit", search.MAX_LIMIT, min=1, max=search.MAX_LIMIT, clamp=True)
    offset = read_offset(params)
    resolve = params.bool("resolve", False)
    following = params.bool("following", False)
    viewer = auth.account if auth else None
    resolved = None
    if resolve and viewer is not None:
        resolved = (await search.resolve_query(session, settings, query)).account
    found = await search.search_accounts(
        session,
        settings,
        query,
        viewer,
        limit=limit,
        offset=offset,
        following=following,
        resolved=resolved,
    )
    return await accounts_to_api(session, settings, found, viewer)


@router.get(
    "/api/v1/accounts/{ident:account_ident}",
    **api_doc(
        path=[param("ident", STR, "An account id, or a nickname (nick or nick@domain)")],
        query=[WITH_RELATIONSHIPS],
        response=ref("Account"),
        errors=(401, 404),
    ),
)
async def show_account(
    ident: str,
    params: Params = Depends(get_params),
    auth: AuthContext | None = Depends(optional_user("read:accounts")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
    backfill: BackfillTrigger = Depends(backfill_trigger),
):
    """An account by id or nickname (local ``nick`` or remote ``nick@domain``)."""
    viewer = auth.account if auth else None
    account = await account_directory.show_account(session, settings, ident, viewer)
    backfill.account(viewer, account)  # a remote profile: its posts fetched after the answer
    relationship = None
    if viewer is not None and params.bool("with_relationships", False):
        relationship = (await load_relationships(session, viewer.id, [account])).get(account.id)
    return await one_account_to_api(session, settings, account, viewer, relationship)

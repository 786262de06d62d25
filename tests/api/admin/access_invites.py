"""Access-table rows for api/admin/invites.py (privilege users_manage_invites)."""

from __future__ import annotations

from pyleroma.services.accounts.invites import create_invite
from tests.api.admin.access_table import Route


async def an_invite(factory, app) -> dict:
    async with app.state.sessionmaker() as session:
        invite = await create_invite(session)
        await session.commit()
        return {"token": invite.token}


ROUTES = [
    Route("POST", "/users/invite_token", {"max_use": 2}),
    Route("GET", "/users/invites"),
    Route("POST", "/users/revoke_invite", {"token": "{token}"}, setup=an_invite),
    # Registrations are open in the walk's instance: past access, Pleroma's 400 says so.
    Route("POST", "/users/email_invite", {"email": "new@example.org"}, ok=(400,)),
]

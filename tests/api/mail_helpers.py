"""Helpers for the account mail tests: register through the API, run the mail jobs, read
what reached the SMTP server (tests/mail_server.py) and take the link out of a mail."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from pyleroma.models import Account
from tests.api.timeline_helpers import drain
from tests.conftest import BASE_URL
from tests.mail_server import html_of, mailer_settings, text_of

LINK = re.compile(re.escape(BASE_URL) + r"(/[^\s<>\"']+)")
PASSWORD = "PlzDontHackLain"


def mail_on(inbox, **extra) -> dict:
    return {**mailer_settings(inbox), **extra}


async def register(client, factory, username="lain", email=None, **extra):
    app = await factory.oauth_app(scopes=["read", "write", "follow", "push"])
    token = await factory.token(None, scopes=list(app.scopes), app=app)
    body = {
        "username": username,
        "email": email or f"{username}@example.org",
        "password": PASSWORD,
        "agreement": "true",
        **extra,
    }
    response = await client.post(
        "/api/v1/accounts", data=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def delivered(app, inbox) -> list:
    """Run the queued jobs (mail.send among them) and return every message received."""
    await drain(app)
    return inbox.messages


def link_in(message, path_start: str) -> str:
    """The path of the one link to ``path_start`` in the mail; the HTML part has it too."""
    paths = [p for p in LINK.findall(text_of(message)) if p.startswith(path_start)]
    assert len(paths) == 1, text_of(message)
    assert f'href="{html.escape(BASE_URL + paths[0])}"' in html_of(message)
    return paths[0]


async def stored(db, nickname: str) -> Account:
    async with db() as session:
        return (
            await session.execute(select(Account).where(Account.nickname_key == nickname.lower()))
        ).scalar_one()

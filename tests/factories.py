"""Factories for test data: accounts, apps and tokens written straight to the database."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from fastapi import FastAPI

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Account, OAuthApp, OAuthToken, Status
from pyleroma.services.accounts.accounts import create_local_account
from pyleroma.services.oauth.secrets import digest, new_secret

_counter = itertools.count(1)
DEFAULT_PASSWORD = "correct horse battery"
USER_SCOPES = ["read", "write", "follow", "push"]


@dataclass
class User:
    """A test account with a token; ``headers`` authenticate requests as it."""

    account: Account
    token: str
    password: str = DEFAULT_PASSWORD

    @property
    def id(self) -> str:
        return str(self.account.id)

    @property
    def nickname(self) -> str:
        return self.account.nickname

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Factory:
    def __init__(self, app: FastAPI):
        self.app = app
        self.settings = app.state.settings

    async def account(
        self, nickname: str | None = None, password: str = DEFAULT_PASSWORD, **fields
    ) -> Account:
        nickname = nickname or f"user{next(_counter)}"
        email = fields.pop("email", f"{nickname}@example.com")
        flags = {
            k: fields.pop(k)
            for k in ("is_admin", "is_moderator", "is_approved", "is_confirmed")
            if k in fields
        }
        async with self.app.state.sessionmaker() as session:
            account = await create_local_account(
                session, self.settings, nickname, email, password, **flags
            )
            for key, value in fields.items():
                setattr(account, key, value)
            await session.commit()
            return account

    async def oauth_app(
        self,
        scopes: list[str] | None = None,
        redirect_uris: str = "urn:ietf:wg:oauth:2.0:oob",
        name: str = "Test App",
    ) -> OAuthApp:
        async with self.app.state.sessionmaker() as session:
            app = OAuthApp(
                id=new_id(),
                name=name,
                website="https://app.example",
                redirect_uris=redirect_uris,
                scopes=scopes or [*USER_SCOPES, "admin"],
                client_id=new_secret(24),
                client_secret=new_secret(32),
            )
            session.add(app)
            await session.commit()
            return app

    async def token(
        self,
        account: Account | None,
        scopes: list[str] | None = None,
        app: OAuthApp | None = None,
        ttl: int = 3600,
    ) -> str:
        import datetime as dt

        app = app or await self.oauth_app()
        secret = new_secret()
        async with self.app.state.sessionmaker() as session:
            session.add(
                OAuthToken(
                    id=new_id(),
                    token_digest=digest(secret),
                    app_id=app.id,
                    account_id=account.id if account else None,
                    scopes=scopes if scopes is not None else list(USER_SCOPES),
                    valid_until=utcnow() + dt.timedelta(seconds=ttl),
                )
            )
            await session.commit()
        return secret

    async def status(self, author: Account, text: str = "hello", **draft) -> Status:
        """Post a status through the posting service (as the API does) and commit it."""
        from pyleroma.services.statuses.posting import StatusDraft, post_status

        async with self.app.state.sessionmaker() as session:
            author = await session.get(Account, author.id)
            draft = StatusDraft(text=text, **draft)
            status = await post_status(session, self.settings, author, draft)
            await session.commit()
            return status

    async def user(
        self, nickname: str | None = None, scopes: list[str] | None = None, **fields
    ) -> User:
        account = await self.account(nickname, **fields)
        if scopes is None:
            scopes = [*USER_SCOPES, "admin"] if account.is_admin else list(USER_SCOPES)
        return User(account=account, token=await self.token(account, scopes))

"""OAuth 2 apps, authorization codes and tokens.

Token and code secrets are stored as SHA-256 digests: a leaked database does not leak live
credentials. The secret is shown to the client once, when it is issued.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pyleroma.db.base import Base, created_column, id_column
from pyleroma.models.account import Account


class OAuthApp(Base):
    __tablename__ = "oauth_apps"

    id: Mapped[int] = id_column()
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    website: Mapped[str | None] = mapped_column(String(2048))
    redirect_uris: Mapped[str] = mapped_column(Text, nullable=False)
    scopes: Mapped[list] = mapped_column(default=list, nullable=False)
    client_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    client_secret: Mapped[str] = mapped_column(String(64), nullable=False)
    vapid_key: Mapped[str | None] = mapped_column(String(255))
    # Internal apps (the built-in web login) are never shown as third-party apps.
    trusted: Mapped[bool] = mapped_column(default=False, nullable=False)
    owner_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    created_at: Mapped[dt.datetime] = created_column()

    @property
    def redirect_uri_list(self) -> list[str]:
        return [u for u in self.redirect_uris.split() if u]


class OAuthAuthorization(Base):
    """A short-lived authorization code issued by the login form."""

    __tablename__ = "oauth_authorizations"

    id: Mapped[int] = id_column()
    code_digest: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    app_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("oauth_apps.id", ondelete="CASCADE"), nullable=False
    )
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    scopes: Mapped[list] = mapped_column(default=list, nullable=False)
    redirect_uri: Mapped[str] = mapped_column(Text, nullable=False)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    valid_until: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False)
    used: Mapped[bool] = mapped_column(default=False, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()


class OAuthToken(Base):
    __tablename__ = "oauth_tokens"

    id: Mapped[int] = id_column()
    token_digest: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    refresh_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("oauth_apps.id", ondelete="CASCADE"), nullable=False
    )
    # None for client_credentials tokens: they act for the app, not for a user.
    account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    scopes: Mapped[list] = mapped_column(default=list, nullable=False)
    valid_until: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False)
    refresh_valid_until: Mapped[dt.datetime | None] = mapped_column(DateTime())
    created_at: Mapped[dt.datetime] = created_column()

    app: Mapped[OAuthApp] = relationship(lazy="joined")
    account: Mapped[Account | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_oauth_tokens_account_id", "account_id"),)

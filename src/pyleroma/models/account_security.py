"""One-time secrets of account security: password reset links, MFA login tokens, captchas.

Each secret is stored as a SHA-256 digest (as OAuth codes and tokens are), so a leaked
database holds no live link or token; the secret itself is shown or mailed once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


def _account_fk():
    return mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )


class PasswordResetToken(Base):
    """A password reset link's token (POST /auth/password, the admin API's reset link)."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _account_fk()
    token_digest: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    valid_until: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False)
    used: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()


class MfaToken(Base):
    """The second step of a login with MFA on: what the password step granted, waiting for
    a TOTP or backup code (the password grant's ``mfa_token``, the HTML form's hidden field).

    It carries the authorization being completed (app, scopes, redirect and PKCE), so the
    challenge issues exactly what the first step asked for.
    """

    __tablename__ = "mfa_tokens"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _account_fk()
    token_digest: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    app_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("oauth_apps.id", ondelete="CASCADE")
    )
    scopes: Mapped[list] = mapped_column(default=list, nullable=False)
    redirect_uri: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    valid_until: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False)
    created_at: Mapped[dt.datetime] = created_column()


class CaptchaChallenge(Base):
    """A native captcha handed out by GET /api/v1/pleroma/captcha: single use, expiring."""

    __tablename__ = "captcha_challenges"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    valid_until: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = created_column()

"""Web push subscriptions (Mastodon's push API): at most one per OAuth access token.

A subscription belongs to the token that created it, as in Mastodon and Pleroma: revoking
the token (or logging the app out) deletes it through the foreign key, so a device that lost
its credentials stops getting pushes. ``alerts`` keeps the alert switches the client sent
(``{"mention": true, ...}``); ``policy`` says whose notifications are pushed at all.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column, utcnow

PUSH_POLICIES = ("all", "followed", "follower", "none")


class PushSubscription(Base):
    __tablename__ = "push_subscriptions"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    token_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("oauth_tokens.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    endpoint: Mapped[str] = mapped_column(Text, nullable=False)
    # The subscriber's keys, base64url without padding (RFC 8291): an uncompressed P-256
    # point (65 bytes) and the 16-byte authentication secret.
    key_p256dh: Mapped[str] = mapped_column(String(128), nullable=False)
    key_auth: Mapped[str] = mapped_column(String(64), nullable=False)
    alerts: Mapped[dict] = mapped_column(default=dict, nullable=False)
    policy: Mapped[str] = mapped_column(String(16), default="all", nullable=False)
    # Mastodon's `standard`: true encrypts as RFC 8291 (aes128gcm); false as the older
    # draft (aesgcm) that Pleroma and Mastodon before 4.4 send and older apps decrypt.
    standard: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=utcnow, nullable=False)

    __table_args__ = (Index("ix_push_subscriptions_account_id", "account_id"),)

"""Relationships between accounts: follows, blocks, mutes, notes, endorsements, domain blocks.

Each kind is its own table with a unique (owner, target) pair, so "does A block B" is one
primary-key-like lookup and batches of relationships load with one IN query per kind.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


def _account_fk(nullable: bool = False):
    return mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=nullable
    )


FOLLOW_PENDING = "pending"
FOLLOW_ACCEPTED = "accepted"


class Follow(Base):
    __tablename__ = "follows"

    id: Mapped[int] = id_column()
    follower_id: Mapped[int] = _account_fk()
    followed_id: Mapped[int] = _account_fk()
    state: Mapped[str] = mapped_column(String(16), default=FOLLOW_ACCEPTED, nullable=False)
    show_reblogs: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    notify: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # The Follow's AP id (``/activities/<id>`` for ours): what an Accept, Reject or Undo names.
    activity_id: Mapped[str | None] = mapped_column(String(2048), unique=True)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("follower_id", "followed_id"),
        Index("ix_follows_followed_state", "followed_id", "state"),
    )


class Block(Base):
    __tablename__ = "blocks"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _account_fk()
    target_id: Mapped[int] = _account_fk()
    # The Block's AP id (``/activities/<id>`` for ours): what an Undo names.
    activity_id: Mapped[str | None] = mapped_column(String(2048), unique=True)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("account_id", "target_id"),
        Index("ix_blocks_target_id", "target_id"),
    )


class Mute(Base):
    __tablename__ = "mutes"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _account_fk()
    target_id: Mapped[int] = _account_fk()
    hide_notifications: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (UniqueConstraint("account_id", "target_id"),)


class AccountNote(Base):
    """A private note one account keeps about another (Mastodon's `note` on Relationship)."""

    __tablename__ = "account_notes"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _account_fk()
    target_id: Mapped[int] = _account_fk()
    comment: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (UniqueConstraint("account_id", "target_id"),)


class Endorsement(Base):
    """An account pinned (endorsed) on another's profile."""

    __tablename__ = "endorsements"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _account_fk()
    target_id: Mapped[int] = _account_fk()
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (UniqueConstraint("account_id", "target_id"),)


class DomainBlock(Base):
    """A user-level domain block: hides everything from that domain for this account."""

    __tablename__ = "account_domain_blocks"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _account_fk()
    domain: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (UniqueConstraint("account_id", "domain"),)


class AccountSubscription(Base):
    """Pleroma's subscription: ``account`` is notified of every status ``target`` posts,
    whether or not it follows (POST /api/v1/pleroma/accounts/:id/subscribe)."""

    __tablename__ = "account_subscriptions"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _account_fk()
    target_id: Mapped[int] = _account_fk()
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("account_id", "target_id"),
        Index("ix_account_subscriptions_target_id", "target_id"),
    )

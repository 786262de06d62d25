"""Accounts: local users and (later) remote actors share one table, as in Pleroma."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column, utcnow


def _default_notification_settings() -> dict:
    return {"block_from_strangers": False, "hide_notification_contents": False}


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = id_column()
    # Local accounts: bare nickname; remote accounts: nick@domain (Pleroma's convention).
    nickname: Mapped[str] = mapped_column(String(255), nullable=False)
    # Lower-cased nickname: nicknames are unique without regard to case.
    nickname_key: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    domain: Mapped[str | None] = mapped_column(String(255))
    local: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    ap_id: Mapped[str | None] = mapped_column(String(2048), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    email_key: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))

    display_name: Mapped[str | None] = mapped_column(String(255))
    note_html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    note_source: Mapped[str] = mapped_column(Text, default="", nullable=False)
    fields: Mapped[list] = mapped_column(default=list, nullable=False)
    avatar_path: Mapped[str | None] = mapped_column(String(512))
    header_path: Mapped[str | None] = mapped_column(String(512))
    background_path: Mapped[str | None] = mapped_column(String(512))
    actor_type: Mapped[str] = mapped_column(String(32), default="Person", nullable=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    discoverable: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    also_known_as: Mapped[list] = mapped_column(default=list, nullable=False)
    tags: Mapped[list] = mapped_column(default=list, nullable=False)
    # Custom emoji the profile text uses, {shortcode: absolute URL}, stored when the profile
    # is written (Pleroma's user.emoji), so a removed pack does not break the profile.
    emojis: Mapped[dict] = mapped_column(default=dict, server_default=text("'{}'"), nullable=False)

    default_scope: Mapped[str] = mapped_column(String(16), default="public", nullable=False)
    default_sensitive: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    default_language: Mapped[str | None] = mapped_column(String(16))
    hide_followers: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    hide_follows: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    hide_followers_count: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    hide_follows_count: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    hide_favorites: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    show_role: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    no_rich_text: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    skip_thread_containment: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    allow_following_move: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # The account it moved to (a Move, or alsoKnownAs plus movedTo on a remote actor).
    moved_to_id: Mapped[int | None] = mapped_column(BigInteger)
    # Consent to full-text search of its posts by others (Mastodon's ``indexable``; off by
    # default): read from remote actors, set by local users.
    indexable: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false"), nullable=False
    )
    # A service actor (the relay actor): not listed, searched or counted as a user
    # (Pleroma's ``invisible``).
    invisible: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false"), nullable=False
    )
    # Pleroma's ``accepts_chat_messages``: others may start a chat with the account
    # (published as the actor's ``capabilities.acceptsChatMessages``).
    accepts_chat_messages: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true"), nullable=False
    )
    accepts_direct_messages_from: Mapped[str] = mapped_column(
        String(16), default="everybody", nullable=False
    )
    settings_store: Mapped[dict] = mapped_column(default=dict, nullable=False)
    notification_settings: Mapped[dict] = mapped_column(
        default=_default_notification_settings, nullable=False
    )

    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    is_moderator: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    is_approved: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    is_confirmed: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    confirmation_token: Mapped[str | None] = mapped_column(String(64))
    registration_reason: Mapped[str | None] = mapped_column(Text)
    # A new address waiting for its owner to follow the confirmation link sent to it
    # (POST /api/pleroma/change_email with the mailer on); ``email`` changes only then.
    unconfirmed_email: Mapped[str | None] = mapped_column(String(320))
    # Login is refused until the password is changed (the admin API's force password reset).
    password_reset_pending: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false"), nullable=False
    )
    # Two-factor authentication (Pleroma's multi_factor_authentication_settings): the TOTP
    # secret (base32, set up first and enabled once a code confirms it) and the one-use
    # backup codes, stored as argon2 hashes.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false"), nullable=False
    )
    # The last TOTP period a code was accepted for: a code is good once (services/accounts/mfa.py).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    mfa_backup_codes: Mapped[list] = mapped_column(
        default=list, server_default=text("'[]'"), nullable=False
    )
    # Pleroma's birthday fields: the date and whether others may see it (and be reminded).
    birthday: Mapped[dt.date | None] = mapped_column(Date())
    show_birthday: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false"), nullable=False
    )
    # Pleroma-FE's mascot: the uploaded image as a media attachment entity (Pleroma keeps
    # the same map in user.mascot); None shows the instance's default.
    mascot: Mapped[dict | None] = mapped_column()
    is_suggested: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    followers_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    following_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    statuses_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_status_at: Mapped[dt.datetime | None] = mapped_column(DateTime())

    # Federation. Remote accounts: what their actor document says; local accounts: the URLs
    # we mint (urls.local_actor_urls), stored too so that delivery reads one column for both.
    inbox: Mapped[str | None] = mapped_column(String(2048))
    shared_inbox: Mapped[str | None] = mapped_column(String(2048))
    outbox: Mapped[str | None] = mapped_column(String(2048))
    followers_url: Mapped[str | None] = mapped_column(String(2048))
    following_url: Mapped[str | None] = mapped_column(String(2048))
    featured_url: Mapped[str | None] = mapped_column(String(2048))
    # The profile's web page (an actor's ``url``); the actor id when it names none.
    url: Mapped[str | None] = mapped_column(String(2048))
    # The key that signs as this account (``<actor>#main-key`` here, anything remotely).
    key_id: Mapped[str | None] = mapped_column(String(2048))
    # PEM keys: local accounts have both (RSA-2048, federation/keys.py), remote ones only
    # the public key.
    public_key: Mapped[str | None] = mapped_column(Text)
    private_key: Mapped[str | None] = mapped_column(Text)
    # When a remote actor document was last fetched (refreshed when stale).
    last_fetched_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    invite_id: Mapped[int | None] = mapped_column(BigInteger)

    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )

    __table_args__ = (
        Index("ix_accounts_domain", "domain"),
        Index("ix_accounts_key_id", "key_id"),
        Index("ix_accounts_display_name_lower", func.lower(display_name)),
    )

    @property
    def username(self) -> str:
        return self.nickname.split("@", 1)[0]

    @property
    def can_log_in(self) -> bool:
        return self.is_active and self.is_approved and self.is_confirmed and self.local


class AccountTombstone(Base):
    """What is left of a deleted local account: its name and the ids it was known by.

    The account row itself is deleted (with everything that hangs off it), so no other query
    needs to know deleted accounts exist; this row only keeps the nickname and the URLs from
    ever being issued again, as Pleroma does since its 2.0.3 advisory (a new account under
    an old name would inherit the old one's URL and, once federating, its actor id).
    """

    __tablename__ = "account_tombstones"

    # Lower-cased, like Account.nickname_key: the name is gone in every spelling.
    nickname_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    nickname: Mapped[str] = mapped_column(String(255), nullable=False)
    account_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    ap_id: Mapped[str | None] = mapped_column(String(2048), unique=True)
    url: Mapped[str | None] = mapped_column(String(2048))
    # The key the account's Delete is signed with: the jobs delivering it to every known
    # inbox run after the row is gone (federation/delivery.py). Cleared by nobody: a
    # tombstone is as private as the account row was.
    key_id: Mapped[str | None] = mapped_column(String(2048))
    private_key: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[dt.datetime] = created_column()

"""Every setting the admin API's ConfigDB routes can change, under Pleroma's groups and keys.

Pleroma's names are used wherever Pleroma has the setting (``:pleroma, :instance, :name``
is ``instance_name``; ``:pleroma, :mrf_simple, :reject`` is ``mrf_simple_reject``), so that
AdminFE's settings pages and scripts written for Pleroma work; our settings without a
Pleroma counterpart are under the ``:pyleroma`` group. This module has ``:instance``; the
MRF keys are in config_map_mrf.py, Pleroma's other keys in config_map_other.py, the
``:pyleroma`` group in config_map_pyleroma.py. What is
left out, and why, is ``NOT_IN_DATABASE``: the settings needed to reach the database at
all, and the instance's identity. ``KEYS`` lists them all, in the order GET /config and
GET /config/descriptions give them.
"""

from __future__ import annotations

from pyleroma.services.instance.config_fields import (
    PROCESS,
    REBOOT,
    Child,
    KeySpec,
    as_bool,
    boolean,
    choice,
    group,
    integer,
    pseudo,
    strings,
    text,
)
from pyleroma.services.instance.config_map_mrf import MRF_KEYS
from pyleroma.services.instance.config_map_other import PLEROMA_KEYS, USER
from pyleroma.services.instance.config_map_pyleroma import PYLEROMA_KEYS
from pyleroma.settings import Settings

P = ":pleroma"

# Settings the database cannot hold: they are read before the database is reached (a value
# saved there could never take effect, or would point the next start at another database),
# or they are the instance's identity, which must not change under a running federation.
NOT_IN_DATABASE = {
    "data_dir": "where the database and uploads are: read before the database is opened",
    "database_url": "how to reach the database: read before the database is opened",
    "secret_key": "signs sessions and cookies: read before the database is opened",
    "configurable_from_database": "decides whether the database is read for settings at all",
    "base_url": "the instance's identity: every account and post id is made from it",
    "allow_private_fetch": "a development switch that lifts the SSRF guard: file or env only",
}


# --- :instance ------------------------------------------------------------------------------

_REGISTRATION = (":registrations_open", ":invites_enabled", ":account_approval_required")


def _registrations(target: Settings, scratch: dict) -> None:
    """Pleroma's three switches -> our ``registrations`` mode (open, approval, invite,
    closed); a switch not given keeps what the mode says now. Invitations only count with
    registrations closed, and approval only with them open, as in Pleroma."""
    if not any(name in scratch for name in _REGISTRATION):
        return
    mode = target.registrations
    is_open = scratch.get(":registrations_open", mode in ("open", "approval"))
    invites = scratch.get(":invites_enabled", mode == "invite")
    approval = scratch.get(":account_approval_required", mode == "approval")
    if is_open:
        target.registrations = "approval" if approval else "open"
    else:
        target.registrations = "invite" if invites else "closed"


def _switch(key: str, description: str, read) -> Child:
    return pseudo(key, "boolean", description, read, as_bool, attrs=("registrations",))


INSTANCE = KeySpec(
    P,
    ":instance",
    "The instance: its name and description, limits, registrations and federation",
    children=(
        text(":name", "instance_name", "The instance's name", suggestions=("pyleroma",)),
        text(
            ":email",
            "instance_email",
            "Where people reach the staff (shown in /api/v1/instance)",
            label="Admin Email Address",
            suggestions=("admin@example.com",),
        ),
        text(
            ":notify_email",
            "mailer_from",
            "Sender of the mail the instance sends (empty: the admin address, else no-reply@)",
            label="Sender Email Address",
        ),
        text(":description", "instance_description", "The instance's description"),
        text(
            ":short_description",
            "instance_short_description",
            "A shorter description (empty: the description)",
        ),
        text(
            ":contact_username",
            "instance_contact_username",
            "Nickname of the local account shown as the instance's contact",
        ),
        integer(":limit", "max_status_chars", "Longest post, in characters", minimum=1),
        integer(
            ":remote_limit",
            "remote_limit",
            "Longest remote post taken, in characters (longer ones are refused)",
        ),
        integer(":chat_limit", "chat_limit", "Longest chat message, in characters", minimum=1),
        integer(
            ":description_limit",
            "media_description_limit",
            "Longest media description (alt text), in characters",
        ),
        integer(
            ":max_media_attachments",
            "max_media_attachments",
            "Most media attachments on one post",
            minimum=1,
        ),
        integer(":upload_limit", "max_upload_size", "Largest upload, in bytes", minimum=1),
        integer(":avatar_upload_limit", "max_avatar_size", "Largest avatar, in bytes", minimum=1),
        integer(
            ":background_upload_limit",
            "max_background_size",
            "Largest profile background, in bytes",
            minimum=1,
        ),
        integer(":banner_upload_limit", "max_banner_size", "Largest banner, in bytes", minimum=1),
        group(
            ":poll_limits",
            "Limits of local polls",
            (
                integer(":max_options", "poll_max_options", "Most options", minimum=2),
                integer(":max_option_chars", "poll_max_option_chars", "Longest option", minimum=1),
                integer(":min_expiration", "poll_min_expiration", "Shortest duration, seconds"),
                integer(":max_expiration", "poll_max_expiration", "Longest duration, seconds"),
            ),
            kind="map",
        ),
        _switch(
            ":registrations_open",
            "Anyone may sign up (invitations need this off)",
            lambda s: s.registrations in ("open", "approval"),
        ),
        _switch(
            ":invites_enabled",
            "Staff may invite people while registrations are closed",
            lambda s: s.registrations == "invite",
        ),
        _switch(
            ":account_approval_required",
            "New accounts wait for a moderator's approval",
            lambda s: s.registrations == "approval",
        ),
        boolean(
            ":account_activation_required",
            "account_activation_required",
            "New accounts must confirm their email before logging in",
        ),
        integer(
            ":registration_reason_length",
            "registration_reason_length",
            "Longest reason given when registrations are reviewed",
        ),
        boolean(":federating", "federating", "Talk to other servers"),
        integer(
            ":federation_incoming_replies_max_depth",
            "federation_incoming_replies_max_depth",
            "How far up a thread the missing parents of a received reply are fetched",
            label="Fed. incoming replies max depth",
        ),
        boolean(
            ":allow_relay",
            "instance_allow_relay",
            "The relay actor exists: the instance may follow relays and be followed by them",
        ),
        boolean(
            ":federated_timeline_available",
            "federated_timeline_available",
            "The federated (whole known network) timeline is served",
        ),
        strings(
            ":allowed_post_formats",
            "allowed_post_formats",
            "Formats posts may be written in",
            suggestions=("text/plain", "text/html", "text/markdown"),
        ),
        integer(":max_pinned_statuses", "max_pinned_statuses", "Most pinned posts per account"),
        integer(
            ":max_endorsed_users", "max_pinned_accounts", "Most accounts one may feature (endorse)"
        ),
        integer(":max_report_comment_size", "max_report_comment_size", "Longest report comment"),
        boolean(":healthcheck", "instance_healthcheck", "Answer /api/pleroma/healthcheck"),
        integer(":user_bio_length", "max_account_note_length", "Longest profile bio"),
        integer(":user_name_length", "max_display_name_length", "Longest display name"),
        choice(
            ":limit_to_local_content",
            "limit_to_local_content",
            "Who finds only local posts and accounts in search",
            {":unauthenticated": "unauthenticated", ":all": "all", False: "none"},
            ["dropdown", "atom"],
        ),
        integer(":max_account_fields", "max_account_fields", "Most profile fields"),
        integer(
            ":max_remote_account_fields",
            "max_remote_account_fields",
            "Most profile fields kept of a remote account",
        ),
        integer(":account_field_name_length", "account_field_name_length", "Longest field name"),
        integer(":account_field_value_length", "account_field_value_length", "Longest field value"),
        group(
            ":multi_factor_authentication",
            "Two-factor authentication",
            (
                group(
                    ":totp",
                    "One-time codes of authenticator apps",
                    (
                        integer(":digits", "mfa_totp_digits", "Digits of a code (6 to 8)"),
                        integer(":period", "mfa_totp_period", "Seconds a code lasts", minimum=1),
                    ),
                    label="TOTP settings",
                ),
                group(
                    ":backup_codes",
                    "Backup codes",
                    (
                        integer(":number", "mfa_backup_codes_number", "Codes made at once"),
                        integer(":length", "mfa_backup_codes_length", "Length of a code"),
                    ),
                ),
            ),
        ),
        integer(
            ":password_reset_token_validity",
            "password_reset_token_ttl",
            "Seconds a password reset link works",
        ),
        text(
            ":instance_thumbnail",
            "instance_thumbnail",
            "Image that represents the instance (a path or a URL)",
            suggestions=("/images/banner.png",),
        ),
        text(
            ":background_image",
            "instance_background_image",
            "Background image of the instance (a path or a URL)",
        ),
        strings(":languages", "instance_languages", "Languages of the instance (BCP 47 codes)"),
    ),
    finish=(_registrations,),
)


KEYS: tuple[KeySpec, ...] = (INSTANCE, USER, *MRF_KEYS, *PLEROMA_KEYS, *PYLEROMA_KEYS)
_BY_NAME = {(spec.group, spec.key): spec for spec in KEYS}


def find_key(group_name: str, key: str) -> KeySpec | None:
    return _BY_NAME.get((group_name, key))


def attr_levels() -> dict[str, str]:
    """Each mapped settings attribute and when a change of it takes effect (the latest
    level among the children that set it)."""
    order = {"live": 0, REBOOT: 1, PROCESS: 2}
    levels: dict[str, str] = {}
    for spec in KEYS:
        for child in spec.all_children():
            for attr in child.attrs:
                if order[child.level] >= order[levels.get(attr, "live")]:
                    levels[attr] = child.level
    return levels

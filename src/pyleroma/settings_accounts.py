"""The settings of people's accounts beyond the profile: mail, two-factor authentication,
captcha, imports and backups (issue 12), kept apart from settings.py so they read as one
list. Names follow Pleroma's config where it has one (``config :pleroma, Pleroma.Captcha,
seconds_valid: 300`` is ``captcha_seconds_valid``). See docs/configuration.md, docs/mail.md
and docs/api/pleroma_accounts.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

MAILER_TLS_MODES = ("none", "starttls", "tls")
# GET /api/pleroma/frontend_configurations by default: Pleroma's own defaults for Pleroma-FE
# and Mastodon-FE, less Pleroma's ``background`` (/images/city.jpg, an image this server
# does not ship; without the key Pleroma-FE shows its own).
DEFAULT_FRONTEND_CONFIGURATIONS = orjson.dumps(
    {
        "pleroma_fe": {
            "alwaysShowSubjectInput": True,
            "collapseMessageWithSubject": False,
            "disableChat": False,
            "greentext": False,
            "hideFilteredStatuses": False,
            "hideMutedPosts": False,
            "hidePostStats": False,
            "hideSitename": False,
            "hideUserStats": False,
            "loginMethod": "password",
            "logo": "/static/logo.svg",
            "logoMargin": ".1em",
            "logoMask": True,
            "minimalScopesMode": False,
            "noAttachmentLinks": False,
            "nsfwCensorImage": "",
            "postContentType": "text/plain",
            "redirectRootLogin": "/main/friends",
            "redirectRootNoLogin": "/main/all",
            "scopeCopy": True,
            "sidebarRight": False,
            "showFeaturesPanel": True,
            "showInstanceSpecificPanel": False,
            "subjectLineBehavior": "email",
            "theme": "pleroma-dark",
            "webPushNotifications": False,
        },
        "masto_fe": {"showInstanceSpecificPanel": True},
    }
).decode()
CAPTCHA_METHODS = ("native",)


class _Invalid(ValueError):
    """Raised with a message naming the setting; settings.py turns it into SettingsError."""


@dataclass
class AccountSettings:
    # Mail (docs/mail.md): off by default, nothing is sent (an address change is made at
    # once; an unconfirmed account waits for an admin). ``mailer_tls``: "none" (plain
    # SMTP), "starttls" (upgrade after connecting, the submission port 587) or "tls" (TLS
    # from the start, port 465). ``mailer_port`` 0 takes the port that goes with ``mailer_tls``. The
    # sender is ``mailer_from``, else ``instance_email``, else no-reply@ the instance host.
    mailer_enabled: bool = False
    mailer_host: str = "localhost"
    mailer_port: int = 0
    mailer_tls: str = "starttls"
    mailer_username: str = ""
    mailer_password: str = ""
    mailer_from: str = ""
    mailer_timeout_seconds: float = 30.0
    # Mail a person can cause (confirmation resends, password resets): at most this many
    # per address and per IP in a window, as Pleroma's :password_reset rate limit.
    mail_rate_limit: int = 5
    mail_rate_window: int = 1800
    # A password reset link's lifetime (Pleroma's :password_reset_token_validity, a day).
    password_reset_token_ttl: int = 24 * 3600

    # Two-factor authentication (Pleroma's :instance, :multi_factor_authentication): TOTP
    # codes' digits and period, backup codes generated at once and their length, and how
    # long the second step of a login may wait for its code.
    mfa_totp_digits: int = 6
    mfa_totp_period: int = 30
    mfa_backup_codes_number: int = 5
    mfa_backup_codes_length: int = 16
    mfa_token_ttl: int = 15 * 60

    # Captcha at registration (Pleroma.Captcha): on by default as in Pleroma, the native
    # kind (an image made here), each one valid this long and good for one registration.
    captcha_enabled: bool = True
    captcha_method: str = "native"
    captcha_seconds_valid: int = 300

    # Imports (POST /api/pleroma/follow_import, ...): the most accounts one list may name.
    import_max_accounts: int = 50_000

    # Backups (POST /api/v1/pleroma/backups): one per ``backup_limit_days`` (Pleroma's
    # :backup, :limit_days), each kept for download ``backup_purge_after_days``.
    backup_limit_days: int = 7
    backup_purge_after_days: int = 30

    # History import (POST /api/v1/pleroma/history_import, docs/api/history_import.md): the
    # largest archive upload, bytes; the archive may hold four times as much uncompressed.
    history_import_max_size: int = 250_000_000

    # Frontends' settings (Pleroma's :frontend_configurations), served as they are by GET
    # /api/pleroma/frontend_configurations: a JSON object of objects, one per frontend.
    frontend_configurations: str = DEFAULT_FRONTEND_CONFIGURATIONS

    def validate_accounts(self) -> None:
        """Raise ``_Invalid`` naming a setting the server cannot run with."""
        if self.mailer_tls not in MAILER_TLS_MODES:
            raise _Invalid(
                f"mailer_tls must be one of {', '.join(MAILER_TLS_MODES)}, not {self.mailer_tls!r}"
            )
        if not 0 <= self.mailer_port <= 65535:
            raise _Invalid(
                f"mailer_port must be 0 (the usual port) to 65535, not {self.mailer_port}"
            )
        if self.captcha_method not in CAPTCHA_METHODS:
            raise _Invalid(
                f"captcha_method {self.captcha_method!r} is not built; this server has: "
                f"{', '.join(CAPTCHA_METHODS)} (docs/api/pleroma_accounts.md, Captcha)"
            )
        for name in (
            "mail_rate_limit",
            "mail_rate_window",
            "password_reset_token_ttl",
            "mfa_backup_codes_number",
            "mfa_token_ttl",
            "captcha_seconds_valid",
            "import_max_accounts",
            "backup_limit_days",
            "backup_purge_after_days",
            "history_import_max_size",
        ):
            if getattr(self, name) < 0:
                raise _Invalid(f"{name} must be 0 or more, not {getattr(self, name)}")
        if not 6 <= self.mfa_totp_digits <= 8 or self.mfa_totp_period < 1:
            raise _Invalid("mfa_totp_digits must be 6 to 8 and mfa_totp_period at least 1")
        if self.mfa_backup_codes_length < 8:
            raise _Invalid("mfa_backup_codes_length must be at least 8")
        self.frontend_configurations_map()  # raises _Invalid when it is not usable

    def frontend_configurations_map(self) -> dict:
        """``frontend_configurations`` parsed: an object whose values are objects."""
        try:
            value = orjson.loads(self.frontend_configurations)
        except orjson.JSONDecodeError as exc:
            raise _Invalid(f"frontend_configurations is not valid JSON: {exc}") from exc
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise _Invalid(
                "frontend_configurations must be a JSON object of objects, "
                'e.g. {"pleroma_fe": {"theme": "pleroma-dark"}}'
            )
        return value

    @property
    def mailer_effective_port(self) -> int:
        if self.mailer_port:
            return self.mailer_port
        return {"none": 25, "starttls": 587, "tls": 465}[self.mailer_tls]

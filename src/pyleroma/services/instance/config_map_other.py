"""Pleroma's other keys of ConfigDB (config_map.py): ActivityPub, what visitors may see,
frontends, mail, uploads, captcha, link previews, rate limits, OAuth, backups, scheduled and
expiring posts, emoji, the listener and web push keys."""

from __future__ import annotations

from typing import Any

import orjson

from pyleroma.services.instance.config_fields import (
    PROCESS,
    REBOOT,
    Child,
    ConfigError,
    KeySpec,
    as_bool,
    as_int,
    boolean,
    choice,
    entries,
    fixed,
    group,
    integer,
    millis,
    pseudo,
    strings,
    text,
)
from pyleroma.services.instance.config_values import (
    atom,
    atom_name,
    keyword,
    make_tuple,
    tuple_items,
)
from pyleroma.settings import Settings
from pyleroma.settings_accounts import DEFAULT_FRONTEND_CONFIGURATIONS
from pyleroma.settings_content import _Invalid as _InvalidContentSetting
from pyleroma.settings_content import check_frontend_choice

P = ":pleroma"


ACTIVITYPUB = KeySpec(
    P,
    ":activitypub",
    "ActivityPub",
    children=(
        boolean(
            ":authorized_fetch_mode",
            "authorized_fetch_mode",
            "Fetches of posts and collections need a signature from an instance not blocked",
        ),
        boolean(
            ":anonymize_reporter",
            "activitypub_anonymize_reporter",
            "Reports forwarded to other instances come from the instance, not the reporter",
            label="Anonymize local reports",
        ),
    ),
    label="ActivityPub",
)


def _profiles(target: Settings, scratch: dict) -> None:
    given = [scratch[k] for k in (":profiles_local", ":profiles_remote") if k in scratch]
    if given and len(set(given)) > 1:
        raise ConfigError(":profiles: local and remote profiles are restricted together here")
    if given:
        target.restrict_unauthenticated_profiles = given[0]


def _profile_switch(key: str, description: str) -> Child:
    return Child(
        key,
        "boolean",
        description,
        read=lambda s: s.restrict_unauthenticated_profiles,
        write=lambda v, t, scratch: scratch.__setitem__(":profiles_" + key[1:], as_bool(v)),
        attrs=("restrict_unauthenticated_profiles",),
    )


RESTRICT_UNAUTHENTICATED = KeySpec(
    P,
    ":restrict_unauthenticated",
    "What visitors without an account may not see",
    children=(
        group(
            ":timelines",
            "Public timelines",
            (
                boolean(
                    ":local",
                    "restrict_unauthenticated_local_timeline",
                    "The local timeline",
                ),
                boolean(
                    ":federated",
                    "restrict_unauthenticated_federated_timeline",
                    "The federated timeline",
                ),
            ),
            kind="map",
        ),
        group(
            ":profiles",
            "Profiles (local and remote together)",
            (_profile_switch(":local", "Local profiles"), _profile_switch(":remote", "Remote")),
            kind="map",
        ),
    ),
    finish=(_profiles,),
)


_DEFAULT_FRONTENDS = orjson.loads(DEFAULT_FRONTEND_CONFIGURATIONS)


def _frontends_read(settings: Settings) -> list:
    return keyword(
        (atom(name), {atom(k): v for k, v in values.items()})
        for name, values in settings.frontend_configurations_map().items()
    )


def _plain(value: Any) -> Any:
    """A map's Elixir terms as a frontend reads them: atoms are their names."""
    if isinstance(value, dict):
        return {atom_name(k) or k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return atom_name(value) if atom_name(value) is not None else value


def _frontends_write(value: Any, target: Settings, scratch: dict) -> None:
    current = target.frontend_configurations_map()
    for name, values in entries(value):
        if not isinstance(values, dict) or tuple_items(values) is not None:
            raise ConfigError(f"{name}: expected a map of the frontend's settings")
        current[atom_name(name)] = _plain(values)
    target.frontend_configurations = orjson.dumps(current).decode()


FRONTEND_CONFIGURATIONS = KeySpec(
    P,
    ":frontend_configurations",
    "Settings handed to frontends (GET /api/pleroma/frontend_configurations), one map each",
    whole=Child(
        ":frontend_configurations",
        "keyword",
        "Frontend name and its settings",
        read=_frontends_read,
        write=_frontends_write,
        attrs=("frontend_configurations",),
        # Described as Pleroma does; any other frontend's name is taken as well.
        children=tuple(
            Child(
                atom(name),
                "map",
                f"Settings of {label}",
                read=lambda s, name=name: s.frontend_configurations_map().get(name, {}),
                write=lambda value, target, scratch: None,
                label=label,
                suggestions=(_DEFAULT_FRONTENDS[name],),
            )
            for name, label in (("pleroma_fe", "Pleroma FE"), ("masto_fe", "Masto FE"))
        ),
    ),
)


def _frontend_choice(key: str, attr: str, description: str, suggestion: dict) -> Child:
    """Pleroma's ``%{"name" => ..., "ref" => ...}`` (the keys may come as atoms too); ``{}``
    or ``null``: no front end there."""

    def write(value: Any, target: Settings, scratch: dict) -> None:
        if value is None:
            value = {}
        if isinstance(value, dict) and tuple_items(value) is None:
            value = {atom_name(k) or k: v for k, v in value.items()}
        try:
            setattr(target, attr, check_frontend_choice(attr, value))
        except _InvalidContentSetting as exc:
            raise ConfigError(str(exc)) from exc

    def part(name: str, label: str, text: str) -> Child:
        """A field of the map, for the descriptions (front ends label their inputs with it);
        the map is written whole by ``write``."""
        return Child(
            name,
            "string",
            text,
            read=lambda s: getattr(s, attr).get(name),
            write=lambda value, target, scratch: None,
            label=label,
        )

    return Child(
        key,
        "map",
        description,
        read=lambda s: dict(getattr(s, attr)),
        write=write,
        attrs=(attr,),
        suggestions=(suggestion,),
        children=(
            part("name", "Name", "Name of the installed front end (give both name and ref)"),
            part("ref", "Reference", "Reference of the installed build (a version or branch)"),
        ),
    )


FRONTENDS = KeySpec(
    P,
    ":frontends",
    "Installed front ends served by the server (data_dir/frontends/<name>/<ref>/)",
    children=(
        _frontend_choice(
            ":primary",
            "frontends_primary",
            "The front end served at / (a name and a ref; {} for none)",
            {"name": "pleroma-fe", "ref": "stable"},
        ),
        _frontend_choice(
            ":admin",
            "frontends_admin",
            "The admin front end served at /pleroma/admin/ (a name and a ref; {} for none)",
            {"name": "admin-fe", "ref": "stable"},
        ),
    ),
)


STATIC_FE = KeySpec(
    P,
    ":static_fe",
    "The server's own pages for profiles and posts (docs/web_pages.md)",
    children=(
        boolean(
            ":enabled",
            "static_fe_enabled",
            "Serve the server's pages to every visitor, also where a front end is installed "
            "(otherwise browsers get the front end and only crawlers and text browsers the pages)",
        ),
    ),
)


def _tls_atom(value: Any) -> str:
    if value not in (":always", ":never", ":if_available"):
        raise ConfigError(f"expected :always, :never or :if_available, got {value!r}")
    return value


def _mailer_tls(target: Settings, scratch: dict) -> None:
    """Swoosh's ``ssl`` (TLS from the start) and ``tls`` (STARTTLS) -> ``mailer_tls``."""
    if ":ssl" not in scratch and ":tls" not in scratch:
        return
    ssl = scratch.get(":ssl", target.mailer_tls == "tls")
    starttls = scratch.get(":tls", ":always" if target.mailer_tls == "starttls" else ":never")
    if ssl:
        target.mailer_tls = "tls"
    else:
        target.mailer_tls = "starttls" if starttls in (":always", ":if_available") else "none"


MAILER = KeySpec(
    P,
    "Pleroma.Emails.Mailer",
    "Sending mail (SMTP)",
    children=(
        boolean(":enabled", "mailer_enabled", "Send mail"),
        fixed(
            ":adapter",
            "module",
            "How mail is sent",
            "Swoosh.Adapters.SMTP",
            "this server sends mail over SMTP only",
        ),
        text(":relay", "mailer_host", "SMTP server", suggestions=("smtp.example.com",)),
        integer(
            ":port",
            "mailer_port",
            "SMTP port (0: the usual one for the TLS mode)",
            maximum=65535,
        ),
        text(":username", "mailer_username", "SMTP user name"),
        text(":password", "mailer_password", "SMTP password"),
        pseudo(
            ":ssl",
            "boolean",
            "TLS from the start (port 465)",
            lambda s: s.mailer_tls == "tls",
            as_bool,
            attrs=("mailer_tls",),
            label="SSL",
        ),
        pseudo(
            ":tls",
            "atom",
            "STARTTLS (:always or :if_available: upgrade after connecting, port 587)",
            lambda s: ":always" if s.mailer_tls == "starttls" else ":never",
            _tls_atom,
            attrs=("mailer_tls",),
            label="TLS",
            suggestions=(":always", ":never", ":if_available"),
        ),
    ),
    finish=(_mailer_tls,),
)

UPLOAD = KeySpec(
    P,
    "Pleroma.Upload",
    "Uploads (their sizes are :instance settings)",
    children=(
        fixed(
            ":uploader",
            "module",
            "Where uploads are kept",
            "Pleroma.Uploaders.Local",
            "uploads are kept in the data directory",
        ),
    ),
)

CAPTCHA = KeySpec(
    P,
    "Pleroma.Captcha",
    "Captcha at registration",
    children=(
        boolean(":enabled", "captcha_enabled", "Ask for a captcha"),
        choice(
            ":method",
            "captcha_method",
            "The kind of captcha",
            {"Pleroma.Captcha.Native": "native"},
            "module",
        ),
        integer(":seconds_valid", "captcha_seconds_valid", "Seconds a captcha may be answered"),
    ),
)

USER = KeySpec(
    P,
    "Pleroma.User",
    "Accounts",
    children=(
        strings(":restricted_nicknames", "reserved_nicknames", "Nicknames no one may register"),
    ),
)

RICH_MEDIA = KeySpec(
    P,
    ":rich_media",
    "Link previews (cards) of the first link of posts",
    children=(
        boolean(":enabled", "rich_media_enabled", "Make link previews"),
        strings(":ignore_hosts", "rich_media_ignore_hosts", "Hosts never fetched"),
        strings(":ignore_tld", "rich_media_ignore_tld", "Top-level domains never fetched"),
        millis(":timeout", "rich_media_timeout_seconds", "Time limit of a fetch, milliseconds"),
        integer(":max_body", "rich_media_max_body_bytes", "Most of a page read, bytes", minimum=1),
    ),
)


def _rate(key: str, limit_attr: str, window_attr: str, description: str) -> Child:
    """Pleroma's ``{scale_ms, limit}``: ``limit`` requests per ``scale_ms`` per client."""

    def write(value, target, scratch):
        items = tuple_items(value)
        if items is None or len(items) != 2:
            raise ConfigError(f'expected {{"tuple": [scale_ms, limit]}}, got {value!r}')
        setattr(target, window_attr, max(1, round(as_int(items[0], 1) / 1000)))
        setattr(target, limit_attr, as_int(items[1], 1))

    return Child(
        key,
        "tuple",
        description,
        read=lambda s: make_tuple(getattr(s, window_attr) * 1000, getattr(s, limit_attr)),
        write=write,
        attrs=(limit_attr, window_attr),
    )


RATE_LIMIT = KeySpec(
    P,
    ":rate_limit",
    "Requests per client address: {scale in milliseconds, requests}",
    children=(
        _rate(
            ":authentication",
            "login_rate_limit",
            "login_rate_window",
            "Failed logins and password checks",
        ),
        _rate(
            ":app_account_creation",
            "registration_rate_limit",
            "registration_rate_window",
            "Registrations",
        ),
        _rate(
            ":password_reset",
            "mail_rate_limit",
            "mail_rate_window",
            "Mail a person can cause (password resets, confirmation resends)",
        ),
    ),
)

OAUTH2 = KeySpec(
    P,
    ":oauth2",
    "OAuth tokens",
    children=(
        integer(
            ":token_expires_in", "access_token_ttl", "Seconds an access token lasts", minimum=1
        ),
    ),
    label="OAuth2",
)

BACKUP = KeySpec(
    P,
    "Pleroma.User.Backup",
    "Account backups",
    children=(
        integer(":limit_days", "backup_limit_days", "Days between two backups of an account"),
        integer(":purge_after_days", "backup_purge_after_days", "Days a backup is kept"),
    ),
)

SCHEDULED = KeySpec(
    P,
    "Pleroma.ScheduledActivity",
    "Scheduled posts",
    children=(
        integer(":daily_user_limit", "scheduled_statuses_daily_limit", "Per account per day"),
        integer(":total_user_limit", "scheduled_statuses_total_limit", "Per account in all"),
    ),
)

EXPIRING = KeySpec(
    P,
    "Pleroma.Workers.PurgeExpiredActivity",
    "Expiring posts",
    children=(
        integer(
            ":min_lifetime",
            "status_expiration_min_lifetime",
            "Shortest life of an expiring post, seconds",
        ),
    ),
)

EMOJI = KeySpec(
    P,
    ":emoji",
    "Custom emoji",
    children=(
        strings(
            ":pack_extensions",
            "emoji_pack_extensions",
            "Files taken as emoji in a pack without pack.json or emoji.txt",
            level=REBOOT,
        ),
    ),
)


def _ip_read(settings: Settings) -> Any:
    parts = settings.host.split(".")
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        return make_tuple(*(int(p) for p in parts))
    return settings.host


def _ip_write(value: Any, target: Settings, scratch: dict) -> None:
    items = tuple_items(value)
    if items is not None and len(items) == 4:
        target.host = ".".join(str(as_int(i, 0, 255)) for i in items)
    elif items is not None and len(items) == 8:
        target.host = ":".join(format(as_int(i, 0, 65535), "x") for i in items)
    elif isinstance(value, str) and value.strip():
        target.host = value.strip()
    else:
        raise ConfigError('expected an address ("127.0.0.1" or {"tuple": [127, 0, 0, 1]})')


ENDPOINT = KeySpec(
    P,
    "Pleroma.Web.Endpoint",
    "Where the server listens (read by `pyleroma serve` when it starts)",
    children=(
        group(
            ":http",
            "The HTTP listener",
            (
                Child(
                    ":ip",
                    "tuple",
                    "Address",
                    read=_ip_read,
                    write=_ip_write,
                    attrs=("host",),
                    level=PROCESS,
                    label="IP",
                ),
                integer(":port", "port", "Port", minimum=1, maximum=65535, level=PROCESS),
            ),
        ),
    ),
)

WEB_PUSH = KeySpec(
    ":web_push_encryption",
    ":vapid_details",
    "Web push keys (both empty: a pair is made once and kept in the database)",
    children=(
        text(":public_key", "vapid_public_key", "VAPID public key (base64url)"),
        text(":private_key", "vapid_private_key", "VAPID private key (base64url)"),
    ),
    label="Vapid Details",
)

PLEROMA_KEYS = (
    ACTIVITYPUB,
    RESTRICT_UNAUTHENTICATED,
    FRONTEND_CONFIGURATIONS,
    FRONTENDS,
    STATIC_FE,
    MAILER,
    UPLOAD,
    CAPTCHA,
    RICH_MEDIA,
    RATE_LIMIT,
    OAUTH2,
    BACKUP,
    SCHEDULED,
    EXPIRING,
    EMOJI,
    ENDPOINT,
    WEB_PUSH,
)

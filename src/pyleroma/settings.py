"""One settings object for the whole server, read from a TOML file and PYLEROMA_* variables.

Precedence, lowest first: built-in defaults, the TOML file (``--config`` or
``PYLEROMA_CONFIG``), then environment variables. The TOML file may use the flat key names
below (``base_url = "..."``) or group them in tables (``[instance] name = "..."`` maps to
``instance_name``), so admins can keep the file tidy without learning a second vocabulary.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from pyleroma.settings_accounts import AccountSettings
from pyleroma.settings_accounts import _Invalid as _InvalidAccountSetting
from pyleroma.settings_content import ContentSettings
from pyleroma.settings_content import _Invalid as _InvalidContentSetting
from pyleroma.settings_mrf import MrfSettings

REGISTRATION_MODES = ("open", "approval", "invite", "closed")
LOCAL_CONTENT_LIMITS = ("unauthenticated", "all", "none")


class SettingsError(ValueError):
    """A setting has a value the server cannot run with; the message names it."""


@dataclass
class Settings(MrfSettings, AccountSettings, ContentSettings):
    data_dir: Path = Path("./data")
    database_url: str = ""
    base_url: str = "http://127.0.0.1:4000"
    host: str = "127.0.0.1"
    port: int = 4000
    secret_key: str = ""

    instance_name: str = "pyleroma"
    instance_description: str = "A pyleroma instance"
    instance_email: str = ""
    registrations: str = "open"
    account_activation_required: bool = False
    registration_reason_length: int = 500
    max_account_note_length: int = 5000
    max_account_fields: int = 10
    max_remote_account_fields: int = 20
    account_field_name_length: int = 512
    account_field_value_length: int = 2048
    max_status_chars: int = 5000
    max_media_attachments: int = 20
    max_upload_size: int = 16_000_000
    max_avatar_size: int = 2_000_000
    max_banner_size: int = 4_000_000
    max_background_size: int = 4_000_000
    max_pinned_accounts: int = 40
    reserved_nicknames: list[str] = field(
        default_factory=lambda: [
            ".well-known",
            "about",
            "activities",
            "api",
            "auth",
            "check_password",
            "dev",
            "friend-requests",
            "inbox",
            "internal",
            "main",
            "media",
            "nodeinfo",
            "notice",
            "oauth",
            "objects",
            "ostatus_subscribe",
            "pleroma",
            "proxy",
            "push",
            "registration",
            "relay",
            "settings",
            "status",
            "tag",
            "user-search",
            "user_exists",
            "users",
            "web",
            "verify_credentials",
            "update_credentials",
            "relationships",
            "search",
            "confirmation_resend",
            "mfa",
            "admin",
            "administrator",
            "root",
            "moderator",
            "instance",
            "internal.fetch",
            "static",
            "images",
            "emoji",
            "packs",
            "proxy",
        ]
    )
    # OAuth token lifetimes (Pleroma: 10 minutes codes, 30 days refresh by default).
    access_token_ttl: int = 30 * 24 * 3600
    refresh_token_ttl: int = 60 * 24 * 3600
    auth_code_ttl: int = 600
    # Pleroma's :authentication rate limiter: 15 attempts per 60 s per IP.
    login_rate_limit: int = 15
    login_rate_window: int = 60
    # Remote fetches must never reach private networks unless a test environment says so.
    allow_private_fetch: bool = False
    # argon2id cost; the defaults are argon2-cffi's recommendation.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    restrict_unauthenticated_profiles: bool = False
    # Search (docs/api/search.md): who finds only local statuses and accounts, Pleroma's
    # :limit_to_local_content: "unauthenticated" (anonymous searchers), "all" or "none".
    limit_to_local_content: str = "unauthenticated"
    log_level: str = "info"
    # Pleroma's :configurable_from_database: the admin API's ConfigDB routes may change
    # settings, kept in the database and laid over this file and the environment at start
    # (docs/api/admin_config.md).
    configurable_from_database: bool = False
    # `pyleroma serve` web processes; 0: one per CPU core (--workers overrides it).
    workers: int = 0
    # Run jobs inside the server processes (the embedded default). Set false when separate
    # `pyleroma worker` processes run them.
    jobs_in_process: bool = True
    # Media no status uses (uploaded and never attached, or detached when its status was
    # deleted) is purged this many seconds later, as Mastodon does after a day.
    media_unattached_ttl: int = 24 * 3600
    # Jobs (docs/jobs.md): how often a worker looks for jobs written by other processes
    # (jobs enqueued in this process wake it at once), the lease a worker holds on a running
    # job (renewed while it runs; a crashed worker's jobs are claimable once it passes), jobs
    # run at once per runner, attempts before a job is discarded, and a job's time limit.
    job_poll_interval: float = 1.0
    job_lease_seconds: int = 60
    job_concurrency: int = 10
    job_max_attempts: int = 10
    job_timeout_seconds: int = 300
    # Retry backoff: base * 2**(attempt-1) seconds, jittered, capped at the maximum.
    job_backoff_base_seconds: float = 15.0
    job_backoff_max_seconds: float = 6 * 3600.0
    # Finished jobs are pruned after these ages (discarded ones are kept longer to inspect).
    job_completed_retention_seconds: int = 24 * 3600
    job_discarded_retention_seconds: int = 7 * 24 * 3600
    # Discovery: /api/v1/instance, /api/v2/instance, nodeinfo, webfinger, healthcheck.
    # Empty short description: the description is used (as Pleroma does).
    instance_short_description: str = ""
    # Relative paths are joined to base_url; absolute URLs are kept.
    instance_thumbnail: str = "/images/banner.png"
    instance_background_image: str = "/images/banner.png"
    instance_languages: list[str] = field(default_factory=lambda: ["en"])
    # Nickname of the local account shown as the instance's contact (empty: none).
    instance_contact_username: str = ""
    # Pleroma's :instance, :healthcheck; off answers 503 with {} (Pleroma's default is off).
    instance_healthcheck: bool = True
    # Off: webfinger and host-meta answer 404, as Pleroma's FederatingPlug does. Federation
    # is not built yet, so today the server never federates whatever this says
    # (services/instance/features.py: FEDERATION_AVAILABLE).
    federating: bool = True
    # Pleroma's :instance, :allow_relay: the relay actor (/relay) exists, the instance can
    # follow relays (`pyleroma relay follow URL`) and take what they relay into the
    # federated timeline, and our public posts are sent to the relays that accepted us
    # (docs/federation.md, Relays). Off: /relay is a 404, nothing goes to relays, and what
    # relays send is treated like any other actor's.
    instance_allow_relay: bool = True
    # Where the server's source code is published (AGPL); shown in /api/v2/instance and
    # nodeinfo 2.1 `software.repository`. Empty: the archive of the running code that the
    # instance serves itself at /pyleroma/source.tar.gz.
    source_url: str = ""
    # nodeinfo `software.name`. Clients (Pleroma-FE, megalodon's detector) enable Pleroma
    # features only for "pleroma"; "pyleroma" names the real software instead.
    nodeinfo_software_name: str = "pleroma"
    allowed_post_formats: list[str] = field(
        default_factory=lambda: ["text/plain", "text/html", "text/markdown"]
    )
    max_pinned_statuses: int = 1
    # Longest media description (alt text), Pleroma's :description_limit.
    media_description_limit: int = 5000
    poll_max_options: int = 20
    poll_max_option_chars: int = 200
    poll_min_expiration: int = 0
    poll_max_expiration: int = 365 * 24 * 3600
    # Seconds a local poll's new tallies wait before they are sent to the servers that have
    # the poll (votes meanwhile go out in the same Update), as Mastodon batches them.
    poll_update_delay: float = 60.0
    # Accounts: Pleroma's :user_name_length, and its :app_account_creation rate limit
    # (registrations per IP per window, counted for every attempt).
    max_display_name_length: int = 100
    registration_rate_limit: int = 25
    registration_rate_window: int = 1800
    # Home timelines (docs/api/timelines.md): entries kept per account (older pages are read
    # from the statuses table); the fan-out trims a recipient's home on about one in
    # ``home_timeline_trim_every`` deliveries (1: every time); statuses of a newly followed
    # account copied into the follower's home.
    home_timeline_max: int = 800
    home_timeline_trim_every: int = 10
    home_timeline_backfill: int = 40
    # Public timelines: Pleroma's :federated_timeline_available and
    # :restrict_unauthenticated, :timelines (401 for anonymous readers when on).
    federated_timeline_available: bool = True
    restrict_unauthenticated_local_timeline: bool = False
    restrict_unauthenticated_federated_timeline: bool = False

    # Media (docs/api/media.md): the largest custom thumbnail (preview image) a video or
    # audio upload may carry; the file itself is capped by max_upload_size.
    max_media_thumbnail_size: int = 4_000_000

    # Posting (docs/api/posting.md): an expiring post must live longer than this (Pleroma's
    # PurgeExpiredActivity :min_lifetime); scheduled statuses per account per day and in
    # all (Pleroma's ScheduledActivity limits); how long an Idempotency-Key is remembered.
    status_expiration_min_lifetime: int = 600
    scheduled_statuses_daily_limit: int = 25
    scheduled_statuses_total_limit: int = 300
    idempotency_key_ttl: int = 6 * 3600
    # Reports (docs/api/reports_announcements.md): Pleroma's :max_report_comment_size.
    max_report_comment_size: int = 1000
    # Pleroma's :activitypub, :anonymize_reporter: a report forwarded to a remote instance
    # (`forward`) is sent as a Flag by the instance's relay actor (/relay) instead of the
    # reporter, so the reported side never learns who reported. The relay actor must be
    # fetchable for the receiver to check the signature, so with relays switched off
    # (instance_allow_relay) nothing is forwarded while this is on (docs/federation.md).
    activitypub_anonymize_reporter: bool = False
    # Streaming (docs/api/streaming.md): seconds between WebSocket pings (uvicorn's
    # keepalive under `pyleroma serve`) and between checks that open sockets' tokens are
    # still valid (Akkoma pings every 30 s); messages a socket may have unsent before it is
    # closed as too slow.
    streaming_ping_interval: float = 30.0
    streaming_queue_size: int = 1000
    # Entries per kind in each process's entity cache (accounts, and what a status shows
    # besides its own row; docs/read_path.md); 0 turns caching off (changes are still
    # published so that other processes sharing the database stay exact).
    entity_cache_size: int = 5000

    # Web push (docs/api/push.md): the VAPID key pair, base64url as Pleroma writes it (the
    # 65-byte public point, the 32-byte private scalar); both empty: a pair is generated once
    # and kept in the database. A delivery's time limit per push service request, and how
    # long a push service keeps an undelivered message (TTL, Mastodon's 48 hours).
    vapid_public_key: str = ""
    vapid_private_key: str = ""
    push_timeout_seconds: float = 10.0
    push_ttl_seconds: int = 48 * 3600
    # Federation (docs/federation.md): the deadline of one request to another server, the
    # connections kept open to one host, and the body a fetch may read.
    federation_timeout_seconds: float = 10.0
    federation_connections_per_host: int = 8
    federation_max_body_bytes: int = 2 * 1024 * 1024
    # Limits on remote input (docs/federation.md, "Limits and hostile input"). The largest
    # body an inbox takes (413 past it; Mastodon's JSON bodies are a few KiB).
    inbox_max_body_bytes: int = 1024 * 1024
    # Pleroma's :instance, :remote_limit: the longest content of a remote post, in
    # characters; a longer post is refused (not cut: a cut post would say something else).
    remote_limit: int = 100_000
    # What normalisation reads of one remote object (activities/normalize_limits.py): past
    # these the extra attachments, tags (all kinds), mentions and poll options are dropped
    # (logged); JSON nested deeper, or activities embedded in activities deeper, is refused.
    max_remote_attachments: int = 20
    max_remote_tags: int = 200
    max_remote_mentions: int = 100
    max_remote_poll_options: int = 100
    max_remote_json_depth: int = 32
    max_remote_embedded_activities: int = 3
    # Pleroma's :instance, :federation_incoming_replies_max_depth: how many posts up a
    # thread the missing parents of a received reply are fetched...
    federation_incoming_replies_max_depth: int = 100
    # ...but one received activity may cause at most this many remote fetches in all
    # (parents, quote, boosted post, authors, keys, emoji: federation/fetch_budget.py), so
    # that one delivery cannot keep a job busy for long: at federation_timeout_seconds a
    # fetch, 10 fetches stay well inside job_timeout_seconds. Past it, what is missing is
    # left out (a reply keeps its parent's URI) and the activity is taken as it is.
    federation_max_fetches_per_activity: int = 10
    # Backfill (docs/federation.md, Backfill): when a signed-in local user opens a remote
    # profile (or follows a remote account), its pins and newest ``backfill_outbox_posts``
    # posts are fetched in a job, at most once per account per
    # ``backfill_account_interval_seconds`` and within ``backfill_account_seconds``. When
    # one opens a thread with remote posts, its missing ancestors and the replies
    # collections of its posts are read in a job: at most ``backfill_thread_max_depth``
    # levels up and down, ``backfill_thread_max_posts`` fetches of posts (and as many of
    # collection pages), within ``backfill_thread_seconds``, at most once per thread per
    # ``backfill_thread_interval_seconds`` (Mastodon 4.4: 15 minutes). Each process starts
    # one burst of backfill fetches per remote host per ``backfill_host_interval_seconds``.
    # Fetched posts older than ``backfill_realtime_window_seconds`` (Mastodon's 6 hours)
    # are stored silently: no notifications, no home timelines, ids from their own date.
    # ``backfill_enabled = false`` turns all of it off.
    backfill_enabled: bool = True
    backfill_outbox_posts: int = 20
    backfill_account_interval_seconds: int = 86400
    backfill_account_seconds: float = 60.0
    backfill_thread_max_depth: int = 20
    backfill_thread_max_posts: int = 200
    backfill_thread_seconds: float = 60.0
    backfill_thread_interval_seconds: int = 900
    backfill_host_interval_seconds: float = 5.0
    backfill_realtime_window_seconds: int = 6 * 3600
    # Keyword filters (docs/api/filters.md): filters one account may have, and keywords and
    # statuses one filter may hold.
    filters_max_per_account: int = 100
    filter_max_keywords: int = 100
    filter_max_statuses: int = 100

    # Custom emoji (docs/api/emoji.md): the directory of emoji packs (empty: data_dir/emoji)
    # and the extensions taken as emoji in a pack without pack.json or emoji.txt.
    emoji_dir: str = ""
    emoji_pack_extensions: list[str] = field(default_factory=lambda: [".png", ".gif"])

    @property
    def domain(self) -> str:
        """The instance domain as it appears in acct: handles (host, plus port if not default)."""
        parts = urlsplit(self.base_url)
        return parts.netloc

    @property
    def database_file(self) -> Path:
        return self.data_dir / "pyleroma.sqlite3"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def emoji_directory(self) -> Path:
        return Path(self.emoji_dir) if self.emoji_dir else self.data_dir / "emoji"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.database_file.resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def validate(self) -> Settings:
        if self.registrations not in REGISTRATION_MODES:
            raise SettingsError(
                f"registrations must be one of {', '.join(REGISTRATION_MODES)}, "
                f"not {self.registrations!r}"
            )
        if self.limit_to_local_content not in LOCAL_CONTENT_LIMITS:
            raise SettingsError(
                f"limit_to_local_content must be one of {', '.join(LOCAL_CONTENT_LIMITS)}, "
                f"not {self.limit_to_local_content!r}"
            )
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(f"base_url must be an http(s) URL, not {self.base_url!r}")
        self.base_url = f"{parts.scheme}://{parts.netloc}"
        if not _SOFTWARE_NAME.fullmatch(self.nodeinfo_software_name):
            raise SettingsError(
                "nodeinfo_software_name must be lowercase letters, digits and dashes "
                f"(nodeinfo's rule), not {self.nodeinfo_software_name!r}"
            )
        if self.instance_email and not _LOOSE_EMAIL.fullmatch(self.instance_email):
            raise SettingsError(
                f"instance_email must be an email address, not {self.instance_email!r}"
            )
        if self.entity_cache_size < 0:
            raise SettingsError(
                f"entity_cache_size must be 0 (no cache) or more, not {self.entity_cache_size}"
            )
        if self.workers < 0:
            raise SettingsError(f"workers must be 0 (one per core) or more, not {self.workers}")
        if self.streaming_ping_interval <= 0 or self.streaming_queue_size < 1:
            raise SettingsError(
                "streaming_ping_interval must be positive and streaming_queue_size at least 1"
            )
        backfill_bounds = (
            "backfill_outbox_posts",
            "backfill_account_interval_seconds",
            "backfill_account_seconds",
            "backfill_thread_max_depth",
            "backfill_thread_max_posts",
            "backfill_thread_seconds",
            "backfill_thread_interval_seconds",
            "backfill_host_interval_seconds",
            "backfill_realtime_window_seconds",
        )
        remote_limits = (
            "inbox_max_body_bytes",
            "remote_limit",
            "max_remote_attachments",
            "max_remote_tags",
            "max_remote_mentions",
            "max_remote_poll_options",
            "max_remote_json_depth",
            "max_remote_embedded_activities",
            "federation_incoming_replies_max_depth",
            "federation_max_fetches_per_activity",
        )
        for name in remote_limits:
            if getattr(self, name) < 0:
                raise SettingsError(f"{name} must be 0 or more, not {getattr(self, name)}")
        for name in backfill_bounds:
            if getattr(self, name) < 0:
                raise SettingsError(f"{name} must be 0 or more, not {getattr(self, name)}")
        if self.vapid_public_key or self.vapid_private_key:
            from pyleroma.services.notifications.vapid import check_configured_keys

            check_configured_keys(self.vapid_public_key, self.vapid_private_key)
        from pyleroma.activities.mrf.chain import policies_for

        policies_for(self)  # an unknown MRF policy or an unusable option stops the start
        try:
            self.validate_accounts()
        except _InvalidAccountSetting as exc:
            raise SettingsError(str(exc)) from exc
        try:
            self.validate_content()
        except _InvalidContentSetting as exc:
            raise SettingsError(str(exc)) from exc
        return self


# nodeinfo 2.x: software.name matches ^[a-z0-9-]+$.
_SOFTWARE_NAME = re.compile(r"[a-z0-9-]+")
# A contact address: something@somewhere, no spaces (delivery is the admin's business).
_LOOSE_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")

_TABLE_PREFIXES = {"instance": "instance_", "database": "database_", "server": ""}


def _flatten(data: dict, known: set[str], tables: frozenset[str] = frozenset()) -> dict:
    """Tables' keys as flat names; ``tables``: settings whose value is itself a table
    (``frontends_primary = {name = ..., ref = ...}``), kept whole."""
    flat: dict = {}
    for key, value in data.items():
        if isinstance(value, dict) and key not in tables:
            prefix = _TABLE_PREFIXES.get(key, f"{key}_")
            for sub, subvalue in value.items():
                name = sub if f"{prefix}{sub}" not in known and sub in known else f"{prefix}{sub}"
                flat[name] = subvalue
        else:
            flat[key] = value
    return flat


def _coerce(current, raw):
    if isinstance(current, bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"expected a boolean, got {raw!r}")
    if isinstance(current, float):
        try:
            return float(raw)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"expected a number, got {raw!r}") from exc
    if isinstance(current, int):
        try:
            return int(raw)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"expected an integer, got {raw!r}") from exc
    if isinstance(current, Path):
        return Path(raw)
    if isinstance(current, dict):
        # A TOML table, or (from the environment) a JSON object; "" is the empty table.
        if isinstance(raw, dict):
            return dict(raw)
        text = str(raw).strip()
        try:
            value = json.loads(text) if text else {}
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise SettingsError(f'expected a JSON object like {{"name": "...", ...}}, got {raw!r}')
        return value
    if isinstance(current, list):
        if isinstance(raw, list):
            # A two-element array pairs things (a host and its reason): "first => second".
            return [" => ".join(map(str, x)) if isinstance(x, list) else str(x) for x in raw]
        return [x.strip() for x in str(raw).split(",") if x.strip()]
    return str(raw)


def load_settings(config_path: str | os.PathLike | None = None, env=None) -> Settings:
    """Build the settings from defaults, the TOML file and the environment."""
    env = os.environ if env is None else env
    settings = Settings()
    known = {f.name for f in fields(Settings)}
    tables = frozenset(name for name in known if isinstance(getattr(settings, name), dict))
    path = config_path or env.get("PYLEROMA_CONFIG")
    if path:
        try:
            data = tomllib.loads(Path(path).read_text())
        except FileNotFoundError as exc:
            raise SettingsError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc
        for key, value in _flatten(data, known, tables).items():
            if key not in known:
                raise SettingsError(f"unknown setting {key!r} in {path}")
            try:
                setattr(settings, key, _coerce(getattr(settings, key), value))
            except SettingsError as exc:
                raise SettingsError(f"{key}: {exc}") from exc
    for name in known:
        raw = env.get(f"PYLEROMA_{name.upper()}")
        if raw is not None:
            try:
                setattr(settings, name, _coerce(getattr(settings, name), raw))
            except SettingsError as exc:
                raise SettingsError(f"PYLEROMA_{name.upper()}: {exc}") from exc
    settings = settings.validate()
    # Where they came from, so that GET /api/pleroma/admin/restart can read them again.
    settings.loaded_from = str(path or "")
    return settings

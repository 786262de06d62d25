"""The ``:pyleroma`` group of ConfigDB: our settings that Pleroma has no key for, one key per
area (``:pyleroma, :jobs, :concurrency`` is ``job_concurrency``). See config_map.py."""

from __future__ import annotations

from pyleroma.services.instance.config_fields import (
    PROCESS,
    REBOOT,
    KeySpec,
    boolean,
    choice,
    integer,
    number,
    text,
)

G = ":pyleroma"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")

SERVER = KeySpec(
    G,
    ":server",
    "The server processes (workers, jobs_in_process, log_level and streaming_ping_interval "
    "are read by `pyleroma serve` when it starts)",
    children=(
        integer(":workers", "workers", "Web processes (0: one per CPU core)", level=PROCESS),
        boolean(
            ":jobs_in_process",
            "jobs_in_process",
            "Run background jobs inside the web processes (off: `pyleroma worker` runs them)",
            level=PROCESS,
        ),
        choice(
            ":log_level",
            "log_level",
            "What is logged",
            {f":{name}": name for name in LOG_LEVELS},
            ["dropdown", "atom"],
            level=PROCESS,
        ),
        number(
            ":streaming_ping_interval",
            "streaming_ping_interval",
            "Seconds between WebSocket pings",
            level=PROCESS,
        ),
        integer(
            ":streaming_queue_size",
            "streaming_queue_size",
            "Messages a WebSocket may have unsent before it is closed as too slow",
            minimum=1,
        ),
        integer(
            ":entity_cache_size",
            "entity_cache_size",
            "Entries per kind in each process's cache (0: no cache)",
            level=REBOOT,
        ),
        integer(
            ":argon2_time_cost",
            "argon2_time_cost",
            "argon2 passes when a password is hashed",
            minimum=1,
            level=REBOOT,
        ),
        integer(
            ":argon2_memory_cost",
            "argon2_memory_cost",
            "argon2 memory (KiB) when a password is hashed",
            minimum=8,
            level=REBOOT,
        ),
    ),
)

OAUTH = KeySpec(
    G,
    ":oauth",
    "Lifetimes of OAuth grants (access tokens: :pleroma, :oauth2)",
    children=(
        integer(":refresh_token_ttl", "refresh_token_ttl", "Seconds a refresh token lasts"),
        integer(":auth_code_ttl", "auth_code_ttl", "Seconds an authorization code lasts"),
        integer(":mfa_token_ttl", "mfa_token_ttl", "Seconds a login may wait for its second step"),
    ),
)

JOBS = KeySpec(
    G,
    ":jobs",
    "Background jobs (docs/jobs.md)",
    children=(
        number(
            ":poll_interval",
            "job_poll_interval",
            "Seconds between looks for jobs other processes wrote",
            level=REBOOT,
        ),
        integer(
            ":lease_seconds", "job_lease_seconds", "A running job's lease", minimum=1, level=REBOOT
        ),
        integer(
            ":concurrency", "job_concurrency", "Jobs at once per runner", minimum=1, level=REBOOT
        ),
        integer(
            ":max_attempts", "job_max_attempts", "Attempts before a job is discarded", minimum=1
        ),
        integer(":timeout_seconds", "job_timeout_seconds", "A job's time limit", minimum=1),
        number(":backoff_base_seconds", "job_backoff_base_seconds", "First retry delay"),
        number(":backoff_max_seconds", "job_backoff_max_seconds", "Longest retry delay"),
        integer(
            ":completed_retention_seconds",
            "job_completed_retention_seconds",
            "How long finished jobs are kept",
        ),
        integer(
            ":discarded_retention_seconds",
            "job_discarded_retention_seconds",
            "How long discarded jobs are kept",
        ),
    ),
)

FEDERATION = KeySpec(
    G,
    ":federation",
    "Talking to other servers, and what is taken from them",
    children=(
        number(
            ":timeout_seconds",
            "federation_timeout_seconds",
            "Deadline of one request to another server",
            level=REBOOT,
        ),
        integer(
            ":connections_per_host",
            "federation_connections_per_host",
            "Connections kept open to one server",
            minimum=1,
            level=REBOOT,
        ),
        integer(":max_body_bytes", "federation_max_body_bytes", "Largest document fetched"),
        integer(":inbox_max_body_bytes", "inbox_max_body_bytes", "Largest delivery taken"),
        integer(
            ":max_fetches_per_activity",
            "federation_max_fetches_per_activity",
            "Remote fetches one received activity may cause",
        ),
        integer(":max_remote_attachments", "max_remote_attachments", "Attachments kept"),
        integer(":max_remote_tags", "max_remote_tags", "Tags kept"),
        integer(":max_remote_mentions", "max_remote_mentions", "Mentions kept"),
        integer(":max_remote_poll_options", "max_remote_poll_options", "Poll options kept"),
        integer(":max_remote_json_depth", "max_remote_json_depth", "Deepest JSON taken"),
        integer(
            ":max_remote_embedded_activities",
            "max_remote_embedded_activities",
            "Activities nested in activities taken",
        ),
        text(
            ":nodeinfo_software_name",
            "nodeinfo_software_name",
            "nodeinfo's software.name (clients enable Pleroma features for 'pleroma')",
        ),
        text(":source_url", "source_url", "Where the running code is published (empty: here)"),
    ),
)

BACKFILL = KeySpec(
    G,
    ":backfill",
    "Fetching what remote accounts and threads had before we knew them (docs/federation.md)",
    children=(
        boolean(":enabled", "backfill_enabled", "Backfill at all"),
        integer(":outbox_posts", "backfill_outbox_posts", "Newest posts fetched of an account"),
        integer(
            ":account_interval_seconds",
            "backfill_account_interval_seconds",
            "Seconds between two backfills of one account",
        ),
        number(":account_seconds", "backfill_account_seconds", "Time for one account's backfill"),
        integer(":thread_max_depth", "backfill_thread_max_depth", "Levels of a thread read"),
        integer(":thread_max_posts", "backfill_thread_max_posts", "Posts of a thread fetched"),
        number(":thread_seconds", "backfill_thread_seconds", "Time for one thread's backfill"),
        integer(
            ":thread_interval_seconds",
            "backfill_thread_interval_seconds",
            "Seconds between two backfills of one thread",
        ),
        number(
            ":host_interval_seconds",
            "backfill_host_interval_seconds",
            "Seconds between two bursts of fetches to one host",
        ),
        integer(
            ":realtime_window_seconds",
            "backfill_realtime_window_seconds",
            "Older fetched posts are stored silently",
        ),
    ),
)

TIMELINES = KeySpec(
    G,
    ":timelines",
    "Home timelines (docs/api/timelines.md)",
    children=(
        integer(":home_max", "home_timeline_max", "Entries kept per account", minimum=1),
        integer(
            ":home_trim_every",
            "home_timeline_trim_every",
            "Deliveries per trim of a home timeline",
            minimum=1,
        ),
        integer(
            ":home_backfill",
            "home_timeline_backfill",
            "Posts of a newly followed account copied into the home timeline",
        ),
    ),
)

MEDIA = KeySpec(
    G,
    ":media",
    "Media",
    children=(
        integer(
            ":max_thumbnail_size",
            "max_media_thumbnail_size",
            "Largest custom thumbnail of a video or audio upload, bytes",
            minimum=1,
        ),
        integer(
            ":unattached_ttl",
            "media_unattached_ttl",
            "Seconds before media no post uses is purged",
        ),
    ),
)

EMOJI_PACKS = KeySpec(
    G,
    ":emoji",
    "Custom emoji packs",
    children=(
        text(":dir", "emoji_dir", "Directory of the packs (empty: data_dir/emoji)", level=REBOOT),
        integer(":pack_max_archive_size", "emoji_pack_max_archive_size", "Largest pack archive"),
        integer(":pack_max_files", "emoji_pack_max_files", "Most files in a pack archive"),
        integer(":max_file_size", "emoji_max_file_size", "Largest emoji image, bytes"),
    ),
)

POSTING = KeySpec(
    G,
    ":posting",
    "Posting",
    children=(
        number(
            ":poll_update_delay",
            "poll_update_delay",
            "Seconds a local poll's new tallies wait before they are sent",
        ),
        integer(
            ":idempotency_key_ttl", "idempotency_key_ttl", "Seconds an Idempotency-Key is kept"
        ),
    ),
)

FILTERS = KeySpec(
    G,
    ":filters",
    "Keyword filters",
    children=(
        integer(":max_per_account", "filters_max_per_account", "Filters per account"),
        integer(":max_keywords", "filter_max_keywords", "Keywords per filter"),
        integer(":max_statuses", "filter_max_statuses", "Posts per filter"),
    ),
)

PUSH = KeySpec(
    G,
    ":push",
    "Web push deliveries",
    children=(
        number(":timeout_seconds", "push_timeout_seconds", "Time limit of one delivery"),
        integer(":ttl_seconds", "push_ttl_seconds", "How long a push service keeps a message"),
    ),
)

MAIL = KeySpec(
    G,
    ":mail",
    "Mail",
    children=(number(":timeout_seconds", "mailer_timeout_seconds", "SMTP time limit"),),
)

IMPORTS = KeySpec(
    G,
    ":imports",
    "Imports",
    children=(
        integer(":max_accounts", "import_max_accounts", "Most accounts one list may name"),
        integer(":history_max_size", "history_import_max_size", "Largest history archive, bytes"),
    ),
)

GEOCODING = KeySpec(
    G,
    ":geocoding",
    "Location search of events",
    children=(
        text(":url", "geocoding_url", "A Nominatim- or Photon-compatible search URL"),
        text(":kind", "geocoding_kind", "nominatim or photon", suggestions=("nominatim", "photon")),
    ),
)

PYLEROMA_KEYS = (
    SERVER,
    OAUTH,
    JOBS,
    FEDERATION,
    BACKFILL,
    TIMELINES,
    MEDIA,
    EMOJI_PACKS,
    POSTING,
    FILTERS,
    PUSH,
    MAIL,
    IMPORTS,
    GEOCODING,
)

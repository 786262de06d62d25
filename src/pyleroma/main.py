"""create_app(): the ASGI application with its routers, error handlers and shared state."""

from __future__ import annotations

import logging
import secrets
from contextlib import asynccontextmanager
from importlib import import_module
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

import pyleroma.models  # noqa: F401  (registers every table on the metadata)
from pyleroma import VERSION_STRING
from pyleroma.api.errors import install_error_handlers
from pyleroma.api.openapi.document import install as install_openapi
from pyleroma.api.path_guard import NulPathGuard
from pyleroma.api.ratelimit import RateLimiter
from pyleroma.api.responses import JSONResponse, serialise_directly
from pyleroma.api.route_dispatch import guard_included_routers
from pyleroma.api.route_table import share_built_routes
from pyleroma.api.trailing_slash import answer_trailing_slashes
from pyleroma.cache import entity_cache_for
from pyleroma.db.engine import make_engine, make_sessionmaker
from pyleroma.federation.http_client import close_sessions as close_federation_sessions
from pyleroma.federation.intake import InboxIntake
from pyleroma.jobs.runner import JobRunner
from pyleroma.services.instance import config_runtime
from pyleroma.services.oauth.secrets import configure_hashing
from pyleroma.services.text.emoji import registry_for
from pyleroma.settings import Settings, load_settings
from pyleroma.streaming.hub import StreamHub
from pyleroma.web import frontend_serving
from pyleroma.web.files import mount_files

log = logging.getLogger("pyleroma")

# Router modules, each exposing `router`; a module may also expose `pleroma_router`, which is
# mounted under both /api/v1/pleroma and /api/pleroma (DESIGN.md: both prefixes always work).
ROUTER_MODULES = (
    # First: requests are matched against the routes in this order, and the inboxes take
    # the most traffic of all (server-to-server deliveries). Nothing else answers a POST
    # to /inbox or /users/<nickname>/inbox.
    "pyleroma.api.activitypub.inbox",
    "pyleroma.api.oauth.apps",
    "pyleroma.api.oauth.authorize",
    "pyleroma.api.oauth.token",
    "pyleroma.api.oauth.mfa_challenge",
    "pyleroma.api.oauth.sessions",
    # Every module with a fixed /api/v1/accounts/<word> path comes before accounts, whose
    # GET /api/v1/accounts/{id} would otherwise swallow verify_credentials, relationships, ...
    "pyleroma.api.mastodon.credentials",
    "pyleroma.api.mastodon.relationships",
    "pyleroma.api.mastodon.relationship_lists",
    "pyleroma.api.mastodon.follow_requests",
    "pyleroma.api.mastodon.domain_blocks",
    "pyleroma.api.mastodon.account_statuses",
    "pyleroma.api.mastodon.directory",
    "pyleroma.api.mastodon.account_extras",
    "pyleroma.api.mastodon.accounts",
    # Emoji reactions (Pleroma's, and Akkoma's /api/v1/statuses/:id/emoji_reactions/:emoji).
    "pyleroma.api.pleroma.reactions",
    "pyleroma.api.mastodon.statuses",
    "pyleroma.api.mastodon.status_reads",
    "pyleroma.api.mastodon.status_cards",
    "pyleroma.api.mastodon.status_actions",
    "pyleroma.api.mastodon.scheduled_statuses",
    "pyleroma.api.mastodon.polls",
    "pyleroma.api.mastodon.favourites",
    "pyleroma.api.mastodon.timelines",
    "pyleroma.api.mastodon.lists",
    "pyleroma.api.mastodon.notifications",
    "pyleroma.api.mastodon.media",
    "pyleroma.api.mastodon.markers",
    "pyleroma.api.mastodon.preferences",
    "pyleroma.api.mastodon.reports",
    "pyleroma.api.mastodon.announcements",
    "pyleroma.api.mastodon.conversations",
    "pyleroma.api.mastodon.tags",
    "pyleroma.api.mastodon.featured_tags",
    "pyleroma.api.mastodon.search",
    "pyleroma.api.mastodon.filters",
    "pyleroma.api.mastodon.custom_emojis",
    "pyleroma.api.pleroma.emoji_packs",  # /emoji/pack(s)...: no clash with /emoji/{path}
    "pyleroma.api.mastodon.push",
    "pyleroma.streaming.endpoint",
    "pyleroma.api.mastodon.instance",
    "pyleroma.api.mastodon.instance_extras",
    "pyleroma.api.mastodon.admin_accounts",
    "pyleroma.api.mastodon.admin_reports",
    "pyleroma.api.discovery",
    "pyleroma.api.pleroma.healthcheck",
    "pyleroma.api.pleroma.account_moves",
    "pyleroma.api.pleroma.bookmark_folders",
    "pyleroma.api.pleroma.scrobbles",
    "pyleroma.api.pleroma.events",
    "pyleroma.api.pleroma.chats",
    "pyleroma.api.pleroma.status_quotes",
    "pyleroma.api.pleroma.profile_extras",
    "pyleroma.api.pleroma.captcha",
    "pyleroma.api.pleroma.backups",
    "pyleroma.api.pleroma.mfa",
    "pyleroma.api.pleroma.account_management",
    "pyleroma.api.pleroma.subscriptions",
    "pyleroma.api.pleroma.imports",
    "pyleroma.api.pleroma.remote_interaction",
    "pyleroma.api.remote_follow",
    "pyleroma.api.pleroma.history_import",
    "pyleroma.api.pleroma.account_mail",
    "pyleroma.api.account_links",
    "pyleroma.api.activitypub.actors",
    "pyleroma.api.activitypub.objects",
    "pyleroma.api.activitypub.replies",
    "pyleroma.api.activitypub.relay",
    "pyleroma.web.source",
    "pyleroma.api.feeds",  # /users/<nickname>/feed.atom|rss, /tags/<tag>.atom|rss
    "pyleroma.api.oembed",
    "pyleroma.api.akkoma.frontend_settings",
    "pyleroma.api.akkoma.translation",
    "pyleroma.api.web_signup",  # /registration[/<token>]
    "pyleroma.api.web_pages",  # /, /@<nickname>[/<id>], /tag/<tag> as HTML
    # Admin API (`admin_router`: /api/v1/pleroma/admin and /api/pleroma/admin).
    # ``users`` last: its ``/users/{nickname_or_id}`` would shadow ``/users/invites``.
    "pyleroma.api.admin.moderation_log",
    "pyleroma.api.admin.user_accounts",
    "pyleroma.api.admin.statuses",
    "pyleroma.api.admin.reports",
    "pyleroma.api.admin.instances",
    "pyleroma.api.admin.relays",
    "pyleroma.api.admin.invites",
    "pyleroma.api.admin.oauth_apps",
    "pyleroma.api.admin.emoji",
    "pyleroma.api.admin.announcements",
    "pyleroma.api.admin.rules",
    "pyleroma.api.admin.instance_documents",
    "pyleroma.api.admin.frontends",
    "pyleroma.api.admin.config",
    "pyleroma.api.admin.chats",
    "pyleroma.api.admin.users",
)


def ensure_secret_key(settings: Settings) -> str:
    """The instance secret (cookie signing etc.): from settings, else made once and kept."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    configure_hashing(settings.argon2_time_cost, settings.argon2_memory_cost)
    engine = make_engine(settings.effective_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await app.state.stream_hub.start(app.state.sessionmaker)
        # ConfigDB: settings saved through the admin API, laid over the file's before the
        # job runner reads them (services/instance/config_runtime.py).
        await config_runtime.start(app)
        runner = None
        if settings.jobs_in_process:
            runner = JobRunner(app.state.sessionmaker, settings)
            await runner.start()
        app.state.job_runner = runner
        try:
            yield
        finally:
            await config_runtime.stop(app)
            if runner is not None:
                await runner.stop()
            await app.state.stream_hub.stop()
            await close_federation_sessions()
            await engine.dispose()

    app = FastAPI(
        title="pyleroma",
        version=VERSION_STRING,
        description="Mastodon API with Pleroma extensions, Pleroma API and admin API.",
        openapi_url="/api/openapi",
        docs_url=None,
        redoc_url=None,
        default_response_class=JSONResponse,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    # Live updates (streaming/hub.py): sessions hand committed stream events to the hub.
    app.state.stream_hub = StreamHub(settings)
    # Entity caches (cache/): every process reads the journal its commits write to.
    app.state.entity_cache = entity_cache_for(settings)
    app.state.sessionmaker = make_sessionmaker(engine, app.state.stream_hub, app.state.entity_cache)
    app.state.secret_key = ensure_secret_key(settings)
    # Deliveries to our inboxes: cached signers and one commit for many (federation/intake.py).
    app.state.inbox_intake = InboxIntake(app.state.sessionmaker, settings, app.state.entity_cache)
    app.state.login_limiter = RateLimiter(settings.login_rate_limit, settings.login_rate_window)
    # Requests that make us send mail, per address and per IP (api/mail_limits.py).
    app.state.mail_limiter = RateLimiter(settings.mail_rate_limit, settings.mail_rate_window)
    # Custom emoji packs are (re)read at every start; app.state.emoji.reload() rereads them.
    app.state.emoji = registry_for(settings)
    app.state.emoji.reload()
    install_error_handlers(app)
    install_openapi(app)
    # Web clients (Elk, Pleroma-FE on another origin, Soapbox) call the API from the browser.
    # Bearer tokens are not sent by browsers on their own, so allowing every origin without
    # credentials is safe; the cookie session is never honoured cross-origin (SameSite=Lax).
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Accept"],
        expose_headers=[
            "Link",
            "X-RateLimit-Reset",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-Request-Id",
            "Idempotency-Key",
        ],
        max_age=86400,
    )
    app.add_middleware(NulPathGuard)
    for name in ROUTER_MODULES:
        module = import_module(name)
        for attr in ("router", "pleroma_router", "admin_router"):
            if (router := getattr(module, attr, None)) is not None:
                serialise_directly(router)
        if hasattr(module, "router"):
            app.include_router(module.router)
        if hasattr(module, "pleroma_router"):
            app.include_router(module.pleroma_router, prefix="/api/v1/pleroma")
            app.include_router(
                module.pleroma_router, prefix="/api/pleroma", include_in_schema=False
            )
        if hasattr(module, "admin_router"):
            app.include_router(module.admin_router, prefix="/api/v1/pleroma/admin")
            app.include_router(
                module.admin_router, prefix="/api/pleroma/admin", include_in_schema=False
            )
    share_built_routes(app)
    # Routers whose paths cannot match a request are skipped before matching.
    guard_included_routers(app)
    mount_files(app, settings)
    # Last of all, the installed front ends (web/frontend_serving.py): they answer only
    # what no route or mount above matched (the router's default), so they can never shadow
    # the API, ActivityPub, OAuth, media or well-known routes; unknown /api/... paths stay
    # a JSON 404. Before answer_trailing_slashes, which wraps that default in turn.
    frontend_serving.install(app)
    # ``/api/v1/mutes/`` is answered as ``/api/v1/mutes``, not redirected (a round trip)
    answer_trailing_slashes(app.router)
    return app


def static_dir() -> Path:
    return Path(__file__).parent / "web" / "static"

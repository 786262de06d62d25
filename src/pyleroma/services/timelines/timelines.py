"""Timeline queries: public, hashtag, direct and list.

Every query is an index range scan bounded by the page (api/pagination.py), filtered with
the one visibility rule (``visible_filter``) and the timeline filters (``not_blocked_filter``,
``not_muted_filter``) of policy/visibility.py, plus the client's options. A timeline that
draws from several index ranges (public posts local and remote, a status mentioned *or*
written by the viewer, any of several hashtags) pages each range on its own and merges the
pages (``prepared_pages.merged_status_page``), so no query ever sorts a whole table. Public,
hashtag and direct statements are built once per shape (services/timelines/prepared_pages.py). The
home timeline lives in services/timelines/home_timeline.py and an account's statuses in
services/timelines/account_timeline.py; both reuse ``read_filters`` from here.

Pleroma's choices, kept (docs/api/timelines.md): public and hashtag timelines hold original
posts only (no reblogs) of ``public`` visibility, plus ``local`` (local-only) posts for
logged-in readers; the direct timeline holds the direct posts the viewer wrote or was
addressed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.activities.mrf import rejected_hosts
from pyleroma.db.fastread import in_list
from pyleroma.db.ids import parse_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import NotFound, Unauthorized, Unprocessable
from pyleroma.models import (
    Account,
    Hashtag,
    List,
    ListAccount,
    Status,
    StatusMention,
    StatusTag,
)
from pyleroma.models.status import VISIBILITIES
from pyleroma.policy.relations import follows, hides_reblogs
from pyleroma.policy.visibility import not_blocked_filter, not_muted_filter, visible_filter
from pyleroma.services.timelines.prepared_pages import (
    NOW,
    VIEWER,
    PageShape,
    PreparedCache,
    merged_status_page,
    page_shape,
    read_status_page,
)
from pyleroma.settings import Settings

REPLY_VISIBILITIES = ("following", "self")
# Most tags one hashtag query may name per mode (any/all/none), as Mastodon; each `any` tag
# is an index range scan of its own.
MAX_TAGS_PER_MODE = 4
AUTH_REQUIRED = "authorization required for timeline view"

# Aliases made once at import, not per request: building one makes SQLAlchemy proxy every
# column, which cost more Python time than the query itself (BENCHMARKS.md). Each has its own
# name, so one statement never uses the same alias in two roles.
ORIGINAL = aliased(Status, name="original")
_MENTION = aliased(StatusMention, name="tl_mention")
_DIRECT_MENTION = aliased(StatusMention, name="direct_mention")


@dataclass(frozen=True)
class TimelineOptions:
    """The filters a client may add to a timeline (Pleroma's and Mastodon's parameters)."""

    local: bool = False
    remote: bool = False
    only_media: bool = False
    with_muted: bool = False
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    exclude_visibilities: tuple[str, ...] = ()
    reply_visibility: str | None = None
    instance: str | None = None


def check_options(options: TimelineOptions) -> TimelineOptions:
    """422 for an unknown visibility or reply_visibility value."""
    for visibility in options.exclude_visibilities:
        if visibility not in VISIBILITIES:
            raise Unprocessable(f"exclude_visibilities: {visibility} is not a valid visibility")
    if options.reply_visibility not in (None, *REPLY_VISIBILITIES):
        raise Unprocessable(
            f"reply_visibility: must be one of {', '.join(REPLY_VISIBILITIES)}"
            f", not {options.reply_visibility}"
        )
    return options


def mentions(account_id, status_id_column):
    """SQL: ``account_id`` is addressed by the status (a StatusMention row)."""
    mention = _MENTION
    return (
        exists()
        .where(mention.status_id == status_id_column, mention.account_id == account_id)
        .correlate_except(mention)
    )


def read_filters(
    viewer_id: int | None,
    options: TimelineOptions,
    *,
    original=None,
    reblog_prefs: bool = False,
    settings: Settings | None = None,
    now=None,
) -> list:
    """The conditions on ``Status`` every timeline read applies, for ``viewer_id``.

    ``original`` is an alias of Status outer-joined on ``reblog_of_id``: a reblog is also
    hidden when its original's author is blocked or muted. ``reblog_prefs`` hides reblogs by
    accounts followed with ``reblogs: false`` (home and list timelines, as Pleroma).
    """
    conditions = [visible_filter(viewer_id), not_blocked_filter(viewer_id)]
    if not options.with_muted:
        conditions.append(not_muted_filter(viewer_id, now=now))
    if original is not None and viewer_id is not None:
        about_original = [not_blocked_filter(viewer_id, original)]
        if not options.with_muted:
            about_original.append(not_muted_filter(viewer_id, original, now=now))
        if reblog_prefs:
            about_original.append(~hides_reblogs(viewer_id, Status.account_id))
        conditions.append(or_(Status.reblog_of_id.is_(None), and_(*about_original)))
    conditions.extend(option_filters(viewer_id, options, settings))
    if settings is not None:
        conditions.extend(blocked_hosts_filters(settings, original))
    return conditions


def statement_key(settings: Settings) -> tuple:
    """What a timeline statement built once depends on in the settings: the local domain
    and the instance blocks (their posts are left out of the statement)."""
    return (settings.domain, rejected_hosts(settings).entries)


def blocked_hosts_filters(settings: Settings, original=None) -> list:
    """Posts (and boosts of posts) by accounts of blocked instances (MRF SimplePolicy
    ``reject``) are left out of the timelines: blocking a host hides what was stored from it
    before, as its new activities are refused at the inbox."""
    blocked = rejected_hosts(settings)
    if not blocked:
        return []
    on_blocked = select(Account.id).where(or_(*_domain_patterns(blocked.hosts)))
    conditions = [Status.account_id.not_in(on_blocked)]
    if original is not None:
        conditions.append(or_(original.id.is_(None), original.account_id.not_in(on_blocked)))
    return conditions


def _domain_patterns(hosts: list[str]) -> list:
    """SQL for ``Account.domain`` (``host[:port]``) matching host patterns as
    mrf.base.HostList does: ``*.d`` is d and its subdomains; a host without a port matches
    it on any port."""

    def like(pattern: str):
        escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return escaped

    conditions = []
    for host in hosts:
        bare = host[2:] if host.startswith("*.") else host
        has_port = ":" in bare and not bare.endswith("]")
        conditions.append(Account.domain == bare)
        if not has_port:
            conditions.append(Account.domain.like(f"{like(bare)}:%", escape="\\"))
        if host.startswith("*."):
            conditions.append(Account.domain.like(f"%.{like(bare)}", escape="\\"))
            if not has_port:
                conditions.append(Account.domain.like(f"%.{like(bare)}:%", escape="\\"))
    return conditions


def option_filters(
    viewer_id: int | None, options: TimelineOptions, settings: Settings | None = None
) -> list:
    """The conditions for the client's optional filters (local, only_media, ...)."""
    conditions = []
    if options.local:
        conditions.append(Status.local == true())
    if options.remote:
        conditions.append(Status.local == false())
    if options.only_media:
        conditions.append(Status.has_media == true())
    if options.exclude_replies:
        conditions.append(Status.in_reply_to_id.is_(None))
    if options.exclude_reblogs:
        conditions.append(Status.reblog_of_id.is_(None))
    if options.exclude_visibilities:
        conditions.append(Status.visibility.not_in(options.exclude_visibilities))
    if options.instance:
        domain = options.instance.strip().lower()
        if settings is not None and domain == settings.domain.lower():
            conditions.append(Status.local == true())
        else:
            conditions.append(
                Status.account_id.in_(select(Account.id).where(Account.domain == domain))
            )
    if options.reply_visibility and viewer_id is not None:
        allowed = [
            Status.in_reply_to_id.is_(None),
            Status.account_id == viewer_id,
            Status.in_reply_to_account_id == viewer_id,
            mentions(viewer_id, Status.id),
        ]
        if options.reply_visibility == "following":
            allowed.append(follows(viewer_id, Status.in_reply_to_account_id))
        conditions.append(or_(*allowed))
    return conditions


async def fetch_page(session: AsyncSession, stmt: Select, column, page: Page) -> list[Status]:
    """Run ``stmt`` (selecting Status) paginated on ``column``; newest first."""
    rows = list((await session.execute(paginate(stmt, column, page))).scalars())
    return in_display_order(rows, page)


# --- public and hashtag timelines ------------------------------------------------------------


def check_anonymous_timeline(settings: Settings, viewer: Account | None, local: bool) -> None:
    """Pleroma's :restrict_unauthenticated, :timelines: 401 for anonymous readers when set."""
    if viewer is not None:
        return
    if local and settings.restrict_unauthenticated_local_timeline:
        raise Unauthorized(AUTH_REQUIRED)
    if not local and settings.restrict_unauthenticated_federated_timeline:
        raise Unauthorized(AUTH_REQUIRED)


def _public_ranges(signed_in: bool, options: TimelineOptions) -> list[tuple[str, bool]]:
    """(visibility, local) index ranges a public timeline reads; local-only posts are
    for logged-in readers and are always local."""
    ranges = [("public", True), ("public", False)]
    if signed_in:
        ranges.append(("local", True))
    if options.local:
        ranges = [r for r in ranges if r[1]]
    if options.remote:
        ranges = [r for r in ranges if not r[1]]
    return [r for r in ranges if r[0] not in options.exclude_visibilities]


async def public_timeline(
    session: AsyncSession,
    settings: Settings,
    viewer: Account | None,
    page: Page,
    options: TimelineOptions,
) -> list[Status]:
    """Newest public original posts (and local-only ones for logged-in readers)."""
    if not options.local and not settings.federated_timeline_available:
        raise NotFound("Federated timeline is disabled")
    check_anonymous_timeline(settings, viewer, options.local)
    prepared = _public_page(settings, options, page_shape(page), viewer is not None)
    if prepared is None:
        return []
    params = {"viewer_id": viewer.id} if viewer is not None else {}
    return await read_status_page(session, prepared, page, **params)


_PUBLIC_PAGES = PreparedCache()


def _public_page(settings: Settings, options: TimelineOptions, shape: PageShape, signed_in: bool):
    """The public timeline statement for one shape; None when no range is left to read."""

    def build():
        viewer_id = VIEWER if signed_in else None
        filters = [
            Status.reblog_of_id.is_(None),
            *read_filters(viewer_id, options, settings=settings, now=NOW),
        ]
        ranges = _public_ranges(signed_in, options)
        if not ranges:
            return None
        sources = [
            (
                select(Status.id.label("id")).where(
                    Status.visibility == visibility, Status.local == local, *filters
                ),
                Status.id,
            )
            for visibility, local in ranges
        ]
        return merged_status_page(sources, shape)

    return _PUBLIC_PAGES.get((options, shape, signed_in, statement_key(settings)), build)


def normalize_tag(raw) -> str:
    if not isinstance(raw, str):
        raise Unprocessable("tag: must be a string")
    return raw.strip().lstrip("#").lower()


def _tag_names(values: list[str], name: str) -> list[str]:
    names = [n for n in dict.fromkeys(normalize_tag(v) for v in values) if n]
    if len(names) > MAX_TAGS_PER_MODE:
        raise Unprocessable(f"{name}: at most {MAX_TAGS_PER_MODE} tags")
    return names


async def hashtag_ids(session: AsyncSession, names: list[str]) -> dict[str, int]:
    if not names:
        return {}
    rows = await session.execute(select(Hashtag.name, Hashtag.id).where(Hashtag.name.in_(names)))
    return {name: tag_id for name, tag_id in rows}


async def tag_timeline(
    session: AsyncSession,
    settings: Settings,
    viewer: Account | None,
    tag: str,
    page: Page,
    options: TimelineOptions,
    *,
    any_tags: list[str] = (),
    all_tags: list[str] = (),
    none_tags: list[str] = (),
) -> list[Status]:
    """Public original posts with ``tag`` or any of ``any_tags``, all of ``all_tags`` and
    none of ``none_tags`` (names compared case-insensitively)."""
    check_anonymous_timeline(settings, viewer, options.local)
    main = normalize_tag(tag)
    if not main:
        raise Unprocessable("tag: can't be blank")
    wanted = list(dict.fromkeys([main, *_tag_names(list(any_tags), "any")]))
    required = _tag_names(list(all_tags), "all")
    rejected = _tag_names(list(none_tags), "none")
    known = await hashtag_ids(session, [*wanted, *required, *rejected])
    any_ids = [known[n] for n in wanted if n in known]
    if not any_ids or any(n not in known for n in required):
        return []
    rejected_ids = [known[n] for n in rejected if n in known]
    signed_in = viewer is not None
    shape = (options, page_shape(page), signed_in, len(any_ids), len(required), bool(rejected_ids))
    key = (*shape, statement_key(settings))
    prepared = _TAG_PAGES.get(key, lambda: _tag_page(settings, *shape))
    params = {f"tag_{i}": tag_id for i, tag_id in enumerate(any_ids)}
    params |= {f"required_{i}": known[name] for i, name in enumerate(required)}
    params["rejected_ids"] = rejected_ids
    if signed_in:
        params["viewer_id"] = viewer.id
    return await read_status_page(session, prepared, page, **params)


_TAG_PAGES = PreparedCache()


def _tag_page(
    settings: Settings,
    options: TimelineOptions,
    shape: PageShape,
    signed_in: bool,
    any_count: int,
    required_count: int,
    rejects: bool,
):
    """The hashtag timeline statement for one shape: the hashtag ids are parameters
    (``tag_N`` for each wanted tag, ``required_N``, and the ``rejected_ids`` list)."""
    visibilities = [
        v
        for v in (("public", "local") if signed_in else ("public",))
        if v not in options.exclude_visibilities
    ]
    filters = [
        Status.reblog_of_id.is_(None),
        Status.visibility.in_(visibilities),
        *read_filters(VIEWER if signed_in else None, options, settings=settings, now=NOW),
    ]
    for i in range(required_count):
        tagged = aliased(StatusTag, name=f"required_tag_{i}")
        filters.append(
            exists().where(
                tagged.status_id == Status.id,
                tagged.hashtag_id == bindparam(f"required_{i}", type_=BigInteger),
            )
        )
    if rejects:
        tagged = aliased(StatusTag, name="rejected_tag")
        filters.append(
            ~exists().where(
                tagged.status_id == Status.id, in_list(tagged.hashtag_id, "rejected_ids")
            )
        )
    sources = []
    for i in range(any_count):
        driving = aliased(StatusTag, name=f"wanted_tag_{i}")
        stmt = (
            select(driving.status_id.label("id"))
            .join(Status, Status.id == driving.status_id)
            .where(driving.hashtag_id == bindparam(f"tag_{i}", type_=BigInteger), *filters)
        )
        sources.append((stmt, driving.status_id))
    return merged_status_page(sources, shape)


# --- direct timeline -------------------------------------------------------------------------


async def direct_timeline(
    session: AsyncSession, viewer: Account, page: Page, options: TimelineOptions
) -> list[Status]:
    """Direct posts the viewer wrote or is addressed in (Pleroma's direct timeline)."""
    shape = (options, page_shape(page))
    prepared = _DIRECT_PAGES.get(shape, lambda: _direct_page(*shape))
    return await read_status_page(session, prepared, page, viewer_id=viewer.id)


_DIRECT_PAGES = PreparedCache()


def _direct_page(options: TimelineOptions, shape: PageShape):
    """The direct timeline statement for one shape: the posts addressed to the viewer and
    those it wrote, each range paged on its own index, then merged."""
    filters = [Status.visibility == "direct", *read_filters(VIEWER, options, now=NOW)]
    mention = _DIRECT_MENTION
    received = (
        select(mention.status_id.label("id"))
        .join(Status, Status.id == mention.status_id)
        .where(mention.account_id == VIEWER, *filters)
    )
    sent = select(Status.id.label("id")).where(Status.account_id == VIEWER, *filters)
    return merged_status_page([(received, mention.status_id), (sent, Status.id)], shape)


# --- list timeline ---------------------------------------------------------------------------


async def get_own_list(session: AsyncSession, owner: Account, list_id) -> List:
    """The list with this id if ``owner`` owns it; anyone else's (or none) is a 404."""
    ident = parse_id(list_id)
    found = await session.get(List, ident) if ident is not None else None
    if found is None or found.account_id != owner.id:
        raise NotFound("List not found")
    return found


def _list_replies(owner_id: int, the_list: List, members):
    """Which replies a list shows (Mastodon's replies_policy): self-replies and replies to
    the owner always; replies to followed accounts ("followed"), to members ("list"), or no
    others ("none")."""
    allowed = [
        Status.in_reply_to_account_id.is_(None),
        Status.reblog_of_id.is_not(None),
        Status.in_reply_to_account_id == Status.account_id,
        Status.in_reply_to_account_id == owner_id,
    ]
    if the_list.replies_policy == "followed":
        allowed.append(follows(owner_id, Status.in_reply_to_account_id))
    elif the_list.replies_policy == "list":
        allowed.append(Status.in_reply_to_account_id.in_(members))
    return or_(*allowed)


async def list_timeline(
    session: AsyncSession,
    settings: Settings,
    viewer: Account,
    list_id,
    page: Page,
    options: TimelineOptions,
) -> list[Status]:
    """Posts and reblogs by the list's members that the owner may see (no direct posts)."""
    the_list = await get_own_list(session, viewer, list_id)
    members = select(ListAccount.account_id).where(ListAccount.list_id == the_list.id)
    original = ORIGINAL
    stmt = (
        select(Status)
        .outerjoin(original, original.id == Status.reblog_of_id)
        .where(
            Status.account_id.in_(members),
            Status.visibility != "direct",
            _list_replies(viewer.id, the_list, members),
            *read_filters(
                viewer.id, options, original=original, reblog_prefs=True, settings=settings
            ),
        )
    )
    return await fetch_page(session, stmt, Status.id, page)

"""Link preview cards (Pleroma's rich media): a post's first link fetched in a job from
real pages served on loopback (card_pages.py), stored once per URL, shown as the Status
``card`` and by ``GET /api/v1/statuses/:id/card``."""

from __future__ import annotations

import dataclasses

import pytest
from PIL import Image
from sqlalchemy import func, select

from pyleroma.models import Job, PreviewCard, StatusPreviewCard
from pyleroma.services.cards import cards as card_service
from tests.api.card_pages import PageServer, standard_pages
from tests.api.timeline_helpers import drain
from tests.conftest import BASE_URL


@pytest.fixture
def settings_overrides():
    return {"rich_media_enabled": True, "rich_media_max_body_bytes": 200_000}


@pytest.fixture
async def site():
    server = await PageServer().start()
    standard_pages(server)
    yield server
    await server.stop()


async def _post(client, user, text, **body) -> dict:
    response = await client.post(
        "/api/v1/statuses", headers=user.headers, json={"status": text, **body}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _status(client, status_id, user=None) -> dict:
    headers = user.headers if user else {}
    response = await client.get(f"/api/v1/statuses/{status_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _cards(db) -> list[PreviewCard]:
    async with db() as session:
        return list((await session.scalars(select(PreviewCard).order_by(PreviewCard.id))).all())


async def _links(db) -> dict[int, int]:
    async with db() as session:
        rows = await session.execute(select(StatusPreviewCard.status_id, StatusPreviewCard.card_id))
        return {status_id: card_id for status_id, card_id in rows}


async def _card_jobs(db) -> int:
    async with db() as session:
        query = select(func.count()).select_from(Job).where(Job.kind == card_service.CARD_JOB)
        return await session.scalar(query)


async def test_an_opengraph_page_becomes_the_card_of_the_post(client, factory, db, app, site):
    alice = await factory.user("alice")
    posted = await _post(client, alice, f"look {site.url('/article')} now")
    # Never fetched while posting or rendering: the job does it.
    assert posted["card"] is None
    assert site.seen == []
    [card] = await _cards(db)
    assert (card.url, card.state) == (site.url("/article"), "pending")
    assert await _links(db) == {int(posted["id"]): card.id}

    await drain(app)
    assert site.seen == ["/article", "/img.png"]
    shown = (await _status(client, posted["id"]))["card"]
    image = shown.pop("image")
    assert image.startswith(f"{BASE_URL}/media/cards/")
    opengraph = shown.pop("pleroma")["opengraph"]
    assert shown == {
        "url": site.url("/article"),
        # Entities decoded (twice: the page escaped them twice), tags stripped.
        "title": "Fish & Chips daily",
        "description": "All about fish, and chips.",
        "language": "en",
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": "Chip Shop",
        "provider_url": site.base,
        "html": "",
        "width": 640,
        "height": 320,
        "image_description": "A red square",
        "embed_url": "",
        "blurhash": shown["blurhash"],
    }
    assert isinstance(shown["blurhash"], str) and len(shown["blurhash"]) > 20
    assert opengraph["image"] == image  # the stored copy, never the page's URL
    assert opengraph["url"] == site.url("/article")
    assert opengraph["site_name"] == "Chip Shop"
    assert opengraph["type"] == "article"
    assert "unknown_key" not in opengraph
    # The image is stored here, re-encoded and shrunk, and served from /media.
    served = await client.get(image.removeprefix(BASE_URL))
    assert served.status_code == 200
    stored = app.state.settings.uploads_dir / image.split("/media/", 1)[1]
    with Image.open(stored) as picture:
        assert picture.size == (640, 320)
    [card] = await _cards(db)
    assert card.state == "ready" and card.fetched_at is not None
    assert card.image_path.startswith("cards/")


async def _card(client, status_id, user=None):
    headers = user.headers if user else {}
    return await client.get(f"/api/v1/statuses/{status_id}/card", headers=headers)


async def test_a_twitter_card_page(client, factory, db, app, site):
    alice = await factory.user("alice")
    posted = await _post(client, alice, site.url("/twitter"))
    await drain(app)
    shown = (await _status(client, posted["id"]))["card"]
    assert (shown["title"], shown["description"]) == ("A tweet-sized title", "Described for birds")
    assert (shown["type"], shown["provider_name"]) == ("link", "127.0.0.1")
    assert shown["image"].startswith(f"{BASE_URL}/media/cards/")
    assert shown["pleroma"]["opengraph"]["card"] == "summary_large_image"
    # twitter:image:src, relative to the page, was fetched.
    assert site.seen == ["/twitter", "/img.png"]


async def test_oembed_discovery_gives_a_video_card_with_a_safe_iframe(client, factory, app, site):
    alice = await factory.user("alice")
    posted = await _post(client, alice, f"watch {site.url('/video')}")
    await drain(app)
    assert site.seen == ["/video", "/oembed/video.json", "/img.png"]
    shown = (await _status(client, posted["id"]))["card"]
    assert shown["type"] == "video"
    assert shown["html"] == (
        '<iframe src="https://video.example/embed/1" width="480" height="270" '
        'allowfullscreen=""></iframe>'
    )
    assert (shown["width"], shown["height"]) == (480, 270)
    # oEmbed's fields win; the page fills what oEmbed leaves out.
    assert shown["title"] == "The Video"
    assert shown["description"] == "A video page"
    assert (shown["author_name"], shown["author_url"]) == (
        "Vid Maker",
        "https://video.example/@maker",
    )
    assert (shown["provider_name"], shown["provider_url"]) == (
        "VideoSite",
        "https://video.example/",
    )
    assert shown["image"].startswith(f"{BASE_URL}/media/cards/")


async def test_an_oembed_of_scripts_only_is_a_plain_link_card(client, factory, app, site):
    alice = await factory.user("alice")
    posted = await _post(client, alice, site.url("/rich"))
    await drain(app)
    shown = (await _status(client, posted["id"]))["card"]
    assert (shown["type"], shown["html"], shown["title"]) == ("link", "", "Scripted widget")
    assert shown["image"] is None and shown["blurhash"] is None


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/title-only", "no metadata but a <title>: no card (Pleroma)"),
        ("/file.pdf", "not HTML"),
        ("/missing", "a 404"),
        ("/late", "the metadata comes after the body cap"),
    ],
)
async def test_pages_without_a_card(client, factory, db, app, site, path, why):
    alice = await factory.user("alice")
    posted = await _post(client, alice, f"see {site.url(path)}")
    await drain(app)
    assert site.seen == [path], why
    assert (await _status(client, posted["id"]))["card"] is None
    missing = await _card(client, posted["id"], alice)
    assert (missing.status_code, missing.json()) == (404, {"error": "Record not found"})
    [card] = await _cards(db)
    assert card.state == "failed" and card.fetched_at is not None, why
    assert card.title == "" and card.image_path is None


async def test_a_huge_page_is_cut_at_the_cap_and_its_head_read(client, factory, app, site):
    alice = await factory.user("alice")
    assert len(site.pages["/huge"].body) > 10 * app.state.settings.rich_media_max_body_bytes
    posted = await _post(client, alice, site.url("/huge"))
    await drain(app)
    assert (await _status(client, posted["id"]))["card"]["title"] == "Fish & Chips daily"


async def test_a_slow_page_runs_out_of_time(client, factory, db, app, site):
    app.state.settings.rich_media_timeout_seconds = 0.3
    alice = await factory.user("alice")
    posted = await _post(client, alice, site.url("/slow"))
    await drain(app)
    assert site.seen == ["/slow"]
    assert (await _status(client, posted["id"]))["card"] is None
    assert [c.state for c in await _cards(db)] == ["failed"]


async def test_a_page_in_its_declared_charset(client, factory, app, site):
    alice = await factory.user("alice")
    posted = await _post(client, alice, site.url("/latin1"))
    await drain(app)
    assert (await _status(client, posted["id"]))["card"]["title"] == "Café crème"


async def test_posts_linking_one_url_share_one_card_fetched_once(client, factory, db, app, site):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    first = await _post(client, alice, site.url("/article"))
    second = await _post(client, bob, f"also {site.url('/article')}")
    assert await _card_jobs(db) == 1  # one pending job per card
    await drain(app)
    assert site.seen == ["/article", "/img.png"]
    [card] = await _cards(db)
    assert await _links(db) == {int(first["id"]): card.id, int(second["id"]): card.id}
    one = (await _status(client, first["id"]))["card"]
    assert (await _status(client, second["id"]))["card"] == one
    # A ready card: a later post shows it at once, with no job and no fetch.
    third = await _post(client, alice, f"again {site.url('/article')}")
    assert third["card"] == one
    await drain(app)
    assert site.seen == ["/article", "/img.png"]
    assert len(await _cards(db)) == 1
    # Deleting a post deletes its link; the card stays for the others.
    deleted = await client.delete(f"/api/v1/statuses/{first['id']}", headers=alice.headers)
    assert deleted.status_code == 200
    assert set(await _links(db)) == {int(second["id"]), int(third["id"])}
    assert (await _status(client, second["id"]))["card"] == one


async def test_a_failed_fetch_is_remembered_then_retried_by_a_later_post(
    client, factory, db, app, site
):
    alice = await factory.user("alice")
    await _post(client, alice, site.url("/title-only"))
    await drain(app)
    await _post(client, alice, site.url("/title-only"))
    await drain(app)
    assert site.seen == ["/title-only"]  # no second fetch
    # Some time later the page has metadata; the next post linking it fetches again.
    site.pages["/title-only"] = site.pages["/other"]
    async with db() as session:
        card = (await session.scalars(select(PreviewCard))).one()
        card.fetched_at -= card_service.FAILED_RETRY_AFTER
        await session.commit()
    again = await _post(client, alice, site.url("/title-only"))
    await drain(app)
    assert site.seen == ["/title-only", "/title-only"]
    assert (await _status(client, again["id"]))["card"]["title"] == "The other page"


async def test_an_edit_moves_the_post_to_its_new_link_or_drops_the_card(
    client, factory, db, app, site
):
    alice = await factory.user("alice")
    posted = await _post(client, alice, site.url("/article"))
    await drain(app)
    assert (await _status(client, posted["id"]))["card"]["title"] == "Fish & Chips daily"

    url = f"/api/v1/statuses/{posted['id']}"
    edited = await client.put(url, headers=alice.headers, json={"status": site.url("/other")})
    assert edited.status_code == 200, edited.text
    assert edited.json()["card"] is None  # the new card is not fetched yet
    await drain(app)
    assert (await _status(client, posted["id"]))["card"]["title"] == "The other page"
    cards = {c.url: c.id for c in await _cards(db)}
    assert await _links(db) == {int(posted["id"]): cards[site.url("/other")]}

    plain = await client.put(url, headers=alice.headers, json={"status": "no links now"})
    assert plain.status_code == 200 and plain.json()["card"] is None
    assert await _links(db) == {}
    assert (await _status(client, posted["id"]))["card"] is None
    assert (await _card(client, posted["id"])).status_code == 404


async def test_which_link_is_the_cards(client, factory, db, app, site):
    alice = await factory.user("alice")
    await factory.user("bob")
    # Mentions and hashtags are no card's link; the first other link is.
    text = f"@bob #fish {site.url('/other')} and {site.url('/article')}"
    posted = await _post(client, alice, text)
    await drain(app)
    assert (await _status(client, posted["id"]))["card"]["title"] == "The other page"
    # A link to this instance gets no card.
    own = await _post(client, alice, f"{BASE_URL}/notice/{posted['id']}")
    assert own["card"] is None
    assert [c.url for c in await _cards(db)] == [site.url("/other")]


async def test_ignored_hosts_and_top_level_domains_are_never_fetched(client, factory, db, app):
    app.state.settings.rich_media_ignore_hosts = ["*.ignored.example"]
    alice = await factory.user("alice")
    for url in (
        "https://ignored.example/a",
        "https://www.ignored.example/b",
        "http://printer.lan/",
    ):
        await _post(client, alice, f"see {url}")
    assert await _cards(db) == [] and await _card_jobs(db) == 0


async def test_turned_off_there_are_no_jobs_and_no_cards(client, factory, db, app, site):
    alice = await factory.user("alice")
    shown = await _post(client, alice, site.url("/article"))
    await drain(app)
    assert (await _status(client, shown["id"]))["card"] is not None

    app.state.settings.rich_media_enabled = False
    hidden = await _post(client, alice, site.url("/other"))
    assert await _card_jobs(db) == 1  # the first post's, done
    assert len(await _cards(db)) == 1 and int(hidden["id"]) not in await _links(db)
    await drain(app)
    assert site.seen == ["/article", "/img.png"]
    # Cards fetched before are not shown either.
    assert (await _status(client, shown["id"]))["card"] is None
    assert (await _card(client, shown["id"])).status_code == 404


async def test_a_job_queued_before_turning_off_fetches_nothing(client, factory, db, app, site):
    alice = await factory.user("alice")
    await _post(client, alice, site.url("/article"))
    app.state.settings.rich_media_enabled = False
    await drain(app)
    assert site.seen == []
    assert [c.state for c in await _cards(db)] == ["pending"]


async def test_a_private_address_is_refused_without_allow_private_fetch(
    client, factory, db, app, site
):
    app.state.settings.allow_private_fetch = False
    alice = await factory.user("alice")
    posted = await _post(client, alice, site.url("/article"))
    assert await _cards(db) == [] and await _card_jobs(db) == 0
    assert (await _status(client, posted["id"]))["card"] is None
    assert site.seen == []


async def test_the_card_route(client, factory, app, site):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    public = await _post(client, alice, site.url("/article"))
    private = await _post(client, alice, site.url("/other"), visibility="private")
    await drain(app)
    expected = (await _status(client, public["id"]))["card"]
    answer = await _card(client, public["id"])  # anonymous
    assert (answer.status_code, answer.json()) == (200, expected)
    assert (await _card(client, public["id"], bob)).json() == expected
    # A reblog shows its original's card.
    reblog = await client.post(f"/api/v1/statuses/{public['id']}/reblog", headers=bob.headers)
    assert (await _card(client, reblog.json()["id"], bob)).json() == expected
    # Only who may see the status sees its card.
    assert (await _card(client, private["id"], alice)).json()["title"] == "The other page"
    for viewer in (None, bob):
        hidden = await _card(client, private["id"], viewer)
        assert (hidden.status_code, hidden.json()) == (404, {"error": "Record not found"})
    for bad in ("9999999999", "nope", "-1"):
        missing = await _card(client, bad, alice)
        assert (missing.status_code, missing.json()) == (404, {"error": "Record not found"})
    # A token without read:statuses may not read it.
    writer = await factory.user("writer", scopes=["write"])
    refused = await _card(client, public["id"], writer)
    assert refused.status_code == 403 and "error" in refused.json()
    invalid = await client.get(
        f"/api/v1/statuses/{public['id']}/card", headers={"Authorization": "Bearer nope"}
    )
    assert invalid.status_code == 401 and "error" in invalid.json()


async def test_fetching_checks_every_redirect_hop(app, site, monkeypatch):
    """The first URL stands for a public host; where it redirects is checked again."""
    from pyleroma.services.cards import fetch

    settings = dataclasses.replace(app.state.settings, allow_private_fetch=False)
    real_check = fetch._check_hop
    first = {site.redirect_to(target) for target in (site.url("/article"), "http://10.0.0.5/")}
    first.add(site.redirect_to("http://169.254.169.254/latest/meta-data/"))

    def public_first_hop(settings, url):
        if url.removeprefix(site.base) not in first:
            real_check(settings, url)

    monkeypatch.setattr(fetch, "_check_hop", public_first_hop)
    for path in sorted(first):
        with pytest.raises(fetch.CardFetchError, match="not a public address"):
            await fetch.fetch_page(settings, site.url(path))
    assert sorted(site.seen) == sorted(first)  # nothing behind a redirect was asked
    # With allow_private_fetch (tests, loopback federation) the same redirect is followed.
    page = await fetch.fetch_page(app.state.settings, site.url("/redirect/0"))
    assert page.url == site.url("/article") and not page.cut

"""Link preview cards of remote posts: alice on A posts (and edits) a link; B receives the
Create (and the Update) through federation and fetches the card itself from the page,
served on loopback. A has link previews off, so only B ever asks for the page."""

from __future__ import annotations

from tests.api.card_pages import PageServer, standard_pages
from tests.federation.servers import settle
from tests.federation.test_two_servers import _follow


async def test_b_makes_the_card_of_a_post_it_received_from_a(servers):
    a, b = servers
    b.app.state.settings.rich_media_enabled = True
    site = await PageServer().start()
    standard_pages(site)
    try:
        alice = await a.user("alice")
        bob = await b.user("bob")
        await _follow(b, bob, a, "alice")

        posted = await a.post("/api/v1/statuses", alice, status=f"read {site.url('/article')}")
        assert posted.status_code == 200, posted.text
        await settle(a, b)
        [seen] = (await b.get("/api/v1/timelines/home", bob)).json()
        assert seen["uri"] == posted.json()["uri"]
        assert seen["card"]["title"] == "Fish & Chips daily"
        assert seen["card"]["image"].startswith(f"{b.base_url}/media/cards/")
        card = await b.get(f"/api/v1/statuses/{seen['id']}/card", bob)
        assert (card.status_code, card.json()) == (200, seen["card"])
        # A never fetched (previews off there); B fetched the page and its image once.
        assert site.seen == ["/article", "/img.png"]
        assert (await a.get(f"/api/v1/statuses/{posted.json()['id']}", alice)).json()[
            "card"
        ] is None

        edited = await a.http.put(
            f"/api/v1/statuses/{posted.json()['id']}",
            headers=alice.headers,
            json={"status": f"rather {site.url('/other')}"},
        )
        assert edited.status_code == 200, edited.text
        await settle(a, b)
        again = (await b.get(f"/api/v1/statuses/{seen['id']}", bob)).json()
        assert again["card"]["title"] == "The other page"
    finally:
        await site.stop()

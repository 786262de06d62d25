"""megalodon's Pleroma driver reads the link preview card of a post (pages served on
loopback by a plain HTTP server in a thread: the live server's card job fetches them)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mastodon import Mastodon

from tests.api.card_pages import OG_HEAD, png
from tests.e2e.clients import run_node_client
from tests.e2e.test_mastodon_py import SCOPES, sign_up

PAGES = {
    "/article": ("text/html; charset=utf-8", f"<html><head>{OG_HEAD}</head></html>".encode()),
    "/img.png": ("image/png", png()),
}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802  (http.server's name)
        found = PAGES.get(self.path)
        if found is None:
            self.send_error(404)
            return
        kind, body = found
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_megalodon_reads_a_link_preview_card(live_server):
    live_server.server.config.app.state.settings.rich_media_enabled = True
    pages = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=pages.serve_forever, daemon=True)
    thread.start()
    try:
        client_id, client_secret = Mastodon.create_app(
            "megalodon cards", api_base_url=live_server.url, scopes=SCOPES
        )
        alice = sign_up(live_server, client_id, client_secret, "alice")
        page = f"http://127.0.0.1:{pages.server_address[1]}/article"
        out = run_node_client("megalodon_cards.mjs", live_server.url, alice.access_token, page)
    finally:
        pages.shutdown()
    assert out["post"]["card"] is None  # fetched by a job, never while posting
    card = out["shown"]["card"]
    assert (card["url"], card["title"], card["type"]) == (page, "Fish & Chips daily", "link")
    assert card["description"] == "All about fish, and chips."
    assert card["image"].startswith(f"{live_server.url}/media/cards/")
    assert card["provider_name"] == "Chip Shop"
    assert out["timeline"][0]["card"] == card
    assert out["raw"]["status"] == 200
    assert out["raw"]["body"]["title"] == card["title"]
    assert out["raw"]["body"]["pleroma"]["opengraph"]["image"] == card["image"]

"""Link preview cards (Pleroma's rich media, Mastodon's PreviewCard).

- ``links``: which link of a post gets a card, and which URLs are never fetched;
- ``fetch``: the guarded, capped, timed GET of a page, its oEmbed document and its image;
- ``parse``: OpenGraph, Twitter card and oEmbed metadata read from what was fetched;
- ``cards``: linking posts to cards when they are written, and the fetch job's work;
- ``batches``: the statement that reads the cards of a page of statuses.

See docs/api/cards.md for the behaviour as clients and admins see it.
"""

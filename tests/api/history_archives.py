"""Account archives for the history import tests, in the shapes Mastodon's and Pleroma's
backups write (Mastodon: actor.json, outbox.json of Create activities with embedded
Notes whose attachments are paths into the zip, media_attachments/files/...; Pleroma:
actor.json, outbox.json, likes.json, bookmarks.json, attachments as absolute URLs)."""

from __future__ import annotations

import io
import zipfile

import orjson

from tests.media_samples import png_bytes

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
OLD = "https://old.example"
ACTOR = f"{OLD}/users/alice"
FOLLOWERS = f"{ACTOR}/followers"
MEDIA_PATH = "media_attachments/files/109/000/001/original/cafe.png"
FAKE_PATH = "media_attachments/files/109/000/002/original/page.png"


def actor_json(actor_id: str = ACTOR) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": actor_id,
        "type": "Person",
        "preferredUsername": "alice",
        "outbox": "outbox.json",
        "followers": FOLLOWERS,
    }


def mastodon_create(
    number: int,
    published: str,
    content: str,
    *,
    to=(PUBLIC,),
    cc=(FOLLOWERS,),
    actor: str = ACTOR,
    **fields,
) -> dict:
    """A Create of a Note as Mastodon's BackupService writes it (no @context per item)."""
    object_id = f"{actor}/statuses/{number}"
    note = {
        "id": object_id,
        "type": "Note",
        "summary": None,
        "inReplyTo": None,
        "published": published,
        "url": f"{OLD}/@alice/{number}",
        "attributedTo": actor,
        "to": list(to),
        "cc": list(cc),
        "sensitive": False,
        "conversation": "tag:old.example,2019:objectId=1:objectType=Conversation",
        "content": content,
        "contentMap": {"en": content},
        "attachment": [],
        "tag": [],
        "replies": {"id": f"{object_id}/replies", "type": "Collection"},
    }
    note.update(fields)
    return {
        "id": f"{object_id}/activity",
        "type": "Create",
        "actor": actor,
        "published": published,
        "to": list(to),
        "cc": list(cc),
        "object": note,
    }


def announce(number: int, published: str, actor: str = ACTOR) -> dict:
    return {
        "id": f"{actor}/statuses/{number}/activity",
        "type": "Announce",
        "actor": actor,
        "published": published,
        "to": [PUBLIC],
        "cc": [FOLLOWERS],
        "object": "https://elsewhere.example/notes/42",
    }


def outbox(items: list[dict], **fields) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
        **fields,
    }


def make_zip(files: dict[str, bytes | dict], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, orjson.dumps(data) if isinstance(data, dict) else data)
    return out.getvalue()


def mastodon_archive(items: list[dict], *, media: dict[str, bytes] | None = None) -> bytes:
    files: dict[str, bytes | dict] = {"actor.json": actor_json(), "outbox.json": outbox(items)}
    files.update(media or {})
    files["likes.json"] = outbox([], id="likes.json")
    return make_zip(files)


def mastodon_items(local_mention_href: str) -> list[dict]:
    """Three posts to import (2019, 2021 reply to the first, 2022 reply to someone else
    mentioning a local account), plus a boost, a followers-only and a direct post."""
    first = mastodon_create(
        1,
        "2019-05-01T10:00:00Z",
        '<p>Old days <a href="https://old.example/tags/history" class="mention hashtag" '
        'rel="tag">#<span>history</span></a></p><script>alert(1)</script>',
        summary="a content warning",
        sensitive=True,
        tag=[{"type": "Hashtag", "href": f"{OLD}/tags/history", "name": "#history"}],
        attachment=[
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": MEDIA_PATH,
                "name": "a café",
                "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
                "focalPoint": [0.5, -0.25],
                "width": 64,
                "height": 48,
            },
            {"type": "Document", "mediaType": "image/png", "url": "media_attachments/gone.png"},
            {"type": "Document", "mediaType": "image/png", "url": "/system/" + FAKE_PATH},
            {"type": "Document", "mediaType": "image/png", "url": "../../etc/passwd"},
        ],
    )
    second = mastodon_create(
        2,
        "2021-03-02T08:30:00Z",
        "<p>an unlisted follow-up</p>",
        to=(FOLLOWERS,),
        cc=(PUBLIC,),
        inReplyTo=f"{ACTOR}/statuses/1",
    )
    third = mastodon_create(
        3,
        "2022-07-03T12:00:00Z",
        f'<p><span class="h-card"><a href="{local_mention_href}" class="u-url mention">'
        "@<span>carol</span></a></span> replying elsewhere</p>",
        inReplyTo="https://elsewhere.example/notes/5",
        tag=[{"type": "Mention", "href": local_mention_href, "name": "@carol"}],
    )
    private = mastodon_create(
        4, "2022-08-01T00:00:00Z", "<p>followers only</p>", to=(FOLLOWERS,), cc=()
    )
    direct = mastodon_create(
        5, "2022-08-02T00:00:00Z", "<p>a direct message</p>", to=(local_mention_href,), cc=()
    )
    # Newest first, as Mastodon's outbox is not sorted by date either.
    return [third, announce(6, "2022-09-01T00:00:00Z"), private, direct, second, first]


def mastodon_media() -> dict[str, bytes]:
    """The image, and an HTML page named as one (not media: skipped)."""
    return {MEDIA_PATH: png_bytes((64, 48)), FAKE_PATH: b"<html><script>x</script></html>"}


def pleroma_create(uuid: str, published: str, content: str, **fields) -> dict:
    """A Create as Pleroma's backup writes it (Transmogrifier.prepare_outgoing, no
    @context): objects under /objects/<uuid>, attachments as absolute URLs."""
    object_id = f"{OLD}/objects/{uuid}"
    note = {
        "id": object_id,
        "type": "Note",
        "actor": ACTOR,
        "attributedTo": ACTOR,
        "content": content,
        "context": f"{OLD}/contexts/{uuid}",
        "conversation": f"{OLD}/contexts/{uuid}",
        "published": published,
        "sensitive": None,
        "summary": "",
        "source": {"content": content, "mediaType": "text/plain"},
        "to": [PUBLIC],
        "cc": [FOLLOWERS],
        "tag": [],
        "attachment": [],
    }
    note.update(fields)
    return {
        "id": f"{OLD}/activities/{uuid}",
        "type": "Create",
        "actor": ACTOR,
        "context": note["context"],
        "directMessage": False,
        "published": published,
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


def pleroma_archive(items: list[dict]) -> bytes:
    return make_zip(
        {
            "actor.json": actor_json(),
            "outbox.json": outbox(items),
            "likes.json": outbox([], id="likes.json"),
            "bookmarks.json": outbox([], id="bookmarks.json"),
        }
    )

"""Listen (Pleroma's scrobbles): what an account is listening to, ours or another server's.

A Listen carries an Audio (title, artist, album, length, link) and no status: it is a
``scrobbles`` row, unique by the Listen's AP id (a second delivery writes nothing), shown
by Pleroma's ``/api/v1/pleroma/accounts/:id/scrobbles`` (a later issue). ``object`` is the
Audio's checked fields (``title artist album length external_link object_id``), read from
the normalised Audio for a remote Listen (federation/receive.py) and from the client's
parameters for ours (services/statuses/scrobbles.py); ``options["visibility"]`` is how it
was addressed. Ours goes to the followers as Pleroma sends it (federation/to_as_pleroma.py);
a direct or local-only one goes nowhere.
"""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.db.base import utcnow
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.models import Scrobble
from pyleroma.urls import activity_uri, object_uri

# Visibilities a Listen is delivered with (to the followers).
DELIVERED = ("public", "unlisted", "private")


async def handle_listen(ctx: PipelineContext, activity: Activity) -> Effects:
    """Store the scrobble; ``result`` is its row (the stored one for a repeat)."""
    session, settings = ctx.session, ctx.settings
    fields = activity.object
    visibility = activity.options.get("visibility", "public")
    activity_id = activity.id or activity_uri(settings, activity.row_id)
    object_id = fields.get("object_id") or (
        object_uri(settings, activity.row_id) if activity.local else None
    )
    effects = Effects()
    inserted = await insert_or_ignore(
        session,
        Scrobble,
        {
            "id": activity.row_id,
            "account_id": activity.actor.id,
            "activity_id": activity_id,
            "object_id": object_id,
            "title": fields["title"],
            "artist": fields.get("artist"),
            "album": fields.get("album"),
            "length": fields.get("length"),
            "external_link": fields.get("external_link"),
            "visibility": visibility,
            "created_at": fields.get("created_at") or utcnow(),
        },
        ("activity_id",),
    )
    scrobble = (
        await session.execute(
            select(Scrobble)
            .where(Scrobble.activity_id == activity_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    effects.result = scrobble
    if inserted and activity.local and visibility in DELIVERED:
        from pyleroma.federation.to_as_pleroma import listen_to_as

        document = listen_to_as(settings, activity.actor, scrobble, object_id=object_id)
        effects.deliver([], to_followers=True, activity=document)
    return effects

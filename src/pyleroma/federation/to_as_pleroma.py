"""AS2 JSON of the Pleroma-dialect activities we send: Listen (scrobbles), the Create of a
ChatMessage (chats), an Event's own fields, and Join, Leave and the Accept or Reject of a
Join (the pl fork's events).

Shapes follow what Pleroma and its pl fork send, so they and Mobilizon read them:

- a Listen is addressed like a post of its visibility (public: to the public collection,
  cc the followers; unlisted the other way round; followers-only to the followers) and
  embeds its Audio (title, artist, album, length, ``externalLink``) with the same audience;
- a ChatMessage goes to its one recipient, its attachment a single Document and its custom
  emoji Emoji tags;
- a Join or Leave names the event and is addressed to its organiser (cc the public
  collection for a public event, as the pl fork copies the event's audience); an Accept or
  Reject embeds the Join it answers, as Mobilizon sends it, so a receiver can match it
  without having stored its id.
"""

from __future__ import annotations

from typing import Any

from pyleroma.federation.to_as import AS_CONTEXT, PUBLIC, as_datetime, emoji_tags
from pyleroma.federation.to_as_note import media_to_as, note_addressing
from pyleroma.settings import Settings


def _followers(account) -> str:
    return account.followers_url or f"{account.ap_id}/followers"


def listen_to_as(settings: Settings, actor, scrobble, *, object_id: str) -> dict:
    """The Listen of ``scrobble`` (a Scrobble row of ``actor``, not local-only)."""
    to, cc = note_addressing(scrobble.visibility, _followers(actor), [])
    published = as_datetime(scrobble.created_at)
    audio: dict[str, Any] = {
        "id": object_id,
        "type": "Audio",
        "actor": actor.ap_id,
        "attributedTo": actor.ap_id,
        "title": scrobble.title,
        "to": to,
        "cc": cc,
        "published": published,
    }
    for key, value in (
        ("artist", scrobble.artist),
        ("album", scrobble.album),
        ("length", scrobble.length),
        ("externalLink", scrobble.external_link),
    ):
        if value is not None:
            audio[key] = value
    return {
        "@context": AS_CONTEXT,
        "id": scrobble.activity_id,
        "type": "Listen",
        "actor": actor.ap_id,
        "to": to,
        "cc": cc,
        "published": published,
        "object": audio,
    }


def chat_message_to_as(settings: Settings, sender, recipient, message, media=None) -> dict:
    """The ChatMessage object of ``message`` (a ChatMessage row), without ``@context``."""
    data: dict[str, Any] = {
        "id": message.ap_id,
        "type": "ChatMessage",
        "actor": sender.ap_id,
        "attributedTo": sender.ap_id,
        "to": [recipient.ap_id],
        "content": message.content,
        "published": as_datetime(message.created_at),
        "tag": emoji_tags(message.emojis),
    }
    if media is not None:
        data["attachment"] = media_to_as(settings, media)
    return data


def chat_create_to_as(activity_id: str, chat_message: dict) -> dict:
    """The Create delivering a ChatMessage to its recipient."""
    return {
        "@context": AS_CONTEXT,
        "id": activity_id,
        "type": "Create",
        "actor": chat_message["actor"],
        "to": list(chat_message["to"]),
        "published": chat_message["published"],
        "object": chat_message,
    }


def event_fields(event) -> dict:
    """What an Event object adds to a post's Note (``event`` an Event row), in the pl
    fork's names; ``type`` becomes Event."""
    data: dict[str, Any] = {
        "type": "Event",
        "name": event.name,
        "startTime": as_datetime(event.start_time),
        "joinMode": event.join_mode,
        "participation_count": event.participants_count,
    }
    if event.end_time is not None:
        data["endTime"] = as_datetime(event.end_time)
    if event.location:
        data["location"] = place_to_as(event.location)
    if getattr(event, "timezone", None):
        data["timezone"] = event.timezone  # Mobilizon's and the pl fork's IANA zone
    return data


def place_to_as(location: dict) -> dict:
    """A stored location as a Place with a PostalAddress (Mobilizon's and the pl fork's)."""
    place: dict[str, Any] = {"type": "Place", "name": location.get("name") or ""}
    for key in ("url", "longitude", "latitude"):
        if location.get(key) is not None:
            place[key] = location[key]
    address = {
        "streetAddress": location.get("street"),
        "postalCode": location.get("postal_code"),
        "addressLocality": location.get("locality"),
        "addressRegion": location.get("region"),
        "addressCountry": location.get("country"),
    }
    address = {key: value for key, value in address.items() if value}
    if address:
        place["address"] = {"type": "PostalAddress", **address}
    return place


def _event_audience(event_status, organiser_ap_id: str) -> dict:
    cc = [PUBLIC] if event_status.visibility in ("public", "unlisted") else []
    return {"to": [organiser_ap_id], "cc": cc}


def join_to_as(
    activity_id: str, actor, event_status, organiser_ap_id: str, message: str | None = None
) -> dict:
    """A Join of an event (``event_status`` its status), to its organiser."""
    data = {
        "@context": AS_CONTEXT,
        "id": activity_id,
        "type": "Join",
        "actor": actor.ap_id,
        "object": event_status.uri,
        **_event_audience(event_status, organiser_ap_id),
        "participationMessage": message,
    }
    if event_status.context:
        data["context"] = event_status.context
    return data


def leave_to_as(activity_id: str, actor, event_status, organiser_ap_id: str) -> dict:
    """A Leave of an event the actor joined."""
    return {
        "@context": AS_CONTEXT,
        "id": activity_id,
        "type": "Leave",
        "actor": actor.ap_id,
        "object": event_status.uri,
        **_event_audience(event_status, organiser_ap_id),
    }


def join_answer_to_as(
    kind: str, activity_id: str, organiser, participant_ap_id: str, join_id: str, event_uri: str
) -> dict:
    """An Accept or Reject of a Join, embedding it."""
    return {
        "@context": AS_CONTEXT,
        "id": activity_id,
        "type": kind,
        "actor": organiser.ap_id,
        "object": {"id": join_id, "type": "Join", "actor": participant_ap_id, "object": event_uri},
        "to": [participant_ap_id],
        "cc": [],
    }

"""``GET /objects/:id/replies`` (federation/to_as_replies.py): paging, and what is listed."""

from __future__ import annotations

from pyleroma.federation import to_as_replies
from tests.conftest import BASE_URL

AP = {"Accept": "application/activity+json"}


async def _post(client, user, text: str, **fields) -> dict:
    response = await client.post(
        "/api/v1/statuses", headers=user.headers, json={"status": text, **fields}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_replies_are_paged_oldest_first(client, factory, monkeypatch):
    monkeypatch.setattr(to_as_replies, "REPLIES_PAGE_SIZE", 2)
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    post = await _post(client, bob, "hello")
    answers = [
        await _post(client, carol, f"answer {n}", in_reply_to_id=post["id"]) for n in range(3)
    ]
    await _post(client, carol, "here only", in_reply_to_id=post["id"], visibility="local")
    await _post(client, carol, "to bob", in_reply_to_id=post["id"], visibility="direct")

    note = (await client.get(f"/objects/{post['id']}", headers=AP)).json()
    collection_id = f"{post['uri']}/replies"
    assert note["replies"] == {
        "id": collection_id,
        "type": "Collection",
        "first": f"{collection_id}?page=true",
    }
    collection = (await client.get(f"/objects/{post['id']}/replies")).json()
    first = collection["first"]
    assert first["items"] == [a["uri"] for a in answers[:2]]
    assert first["partOf"] == collection_id
    following = first["next"]
    assert following.startswith(f"{collection_id}?min_id=")
    second = (await client.get(following.removeprefix(BASE_URL))).json()
    assert second["id"] == following
    assert second["items"] == [answers[2]["uri"]]
    assert "next" not in second
    # A reply's own collection is empty; a bad min_id reads from the start.
    reply = (await client.get(f"/objects/{answers[0]['id']}/replies?page=true")).json()
    assert reply["items"] == []
    bad = await client.get(f"/objects/{post['id']}/replies?page=true&min_id=x")
    assert bad.json()["items"] == [a["uri"] for a in answers[:2]]

"""``replies_count`` counts only replies anyone may see (issue 8; Akkoma 2025.10).

A followers-only or direct reply to a public post must not show up in the count everyone
reads, or everyone learns that a private reply exists. The counter is kept on write
(posting and deleting), so reading it costs nothing; edits never change visibility.
"""

from __future__ import annotations

from pyleroma.models import Status
from tests.api.status_read_helpers import follow, get_row


async def _reply(client, user, parent_id, text, visibility):
    response = await client.post(
        "/api/v1/statuses",
        headers=user.headers,
        json={"status": text, "in_reply_to_id": str(parent_id), "visibility": visibility},
    )
    assert response.status_code == 200, response.text
    assert response.json()["visibility"] == visibility
    return response.json()["id"]


async def _shown_counts(client, status_id, *viewers) -> list[int]:
    """replies_count as the anonymous public and each viewer read it."""
    counts = [(await client.get(f"/api/v1/statuses/{status_id}")).json()["replies_count"]]
    for viewer in viewers:
        response = await client.get(f"/api/v1/statuses/{status_id}", headers=viewer.headers)
        counts.append(response.json()["replies_count"])
    return counts


async def test_only_replies_everyone_may_see_are_counted(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    await follow(db, bob.account, alice.account)
    root = await factory.status(alice.account, "a public question")

    replies = {
        visibility: await _reply(client, bob, root.id, f"@alice {visibility} answer", visibility)
        for visibility in ("public", "unlisted", "local", "private", "direct")
    }

    assert (await get_row(db, Status, root.id)).replies_count == 3
    assert await _shown_counts(client, root.id, alice, bob, carol) == [3, 3, 3, 3]
    # The private replies exist, and alice (addressed) can read them.
    for visibility in ("private", "direct"):
        shown = await client.get(f"/api/v1/statuses/{replies[visibility]}", headers=alice.headers)
        assert shown.status_code == 200

    # Edits never change visibility, so they never change the count.
    for visibility in ("public", "private"):
        response = await client.put(
            f"/api/v1/statuses/{replies[visibility]}",
            headers=bob.headers,
            json={"status": f"@alice edited {visibility} answer"},
        )
        assert response.status_code == 200, response.text
    assert (await get_row(db, Status, root.id)).replies_count == 3

    # Deleting an uncounted reply leaves the count alone; a counted one lowers it.
    for visibility in ("private", "direct"):
        gone = await client.delete(f"/api/v1/statuses/{replies[visibility]}", headers=bob.headers)
        assert gone.status_code == 200, gone.text
    assert (await get_row(db, Status, root.id)).replies_count == 3
    gone = await client.delete(f"/api/v1/statuses/{replies['public']}", headers=bob.headers)
    assert gone.status_code == 200
    assert (await get_row(db, Status, root.id)).replies_count == 2
    assert await _shown_counts(client, root.id, carol) == [2, 2]


async def test_a_private_reply_to_a_private_post_is_not_counted_either(client, factory, db):
    """Even those who see the parent read the same count as everyone: one counter."""
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(db, bob.account, alice.account)
    root = await factory.status(alice.account, "for my followers", visibility="private")

    await _reply(client, bob, root.id, "@alice followers-only answer", "private")

    assert (await get_row(db, Status, root.id)).replies_count == 0
    for viewer in (alice, bob):
        shown = await client.get(f"/api/v1/statuses/{root.id}", headers=viewer.headers)
        assert shown.json()["replies_count"] == 0

"""Local reports with ``forward``: a report about a remote account is delivered to its
server as a Flag in the shape Pleroma and Mastodon send (and read back by our own
receiver); without ``forward``, or about one of our own accounts, nothing leaves."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.activities.normalize import normalize_activity
from pyleroma.federation.activity_to_as import flag_to_as
from pyleroma.federation.relay import relay_ap_id
from pyleroma.models import Account, Follow, Report
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.urls import status_uri
from tests.activities.test_pipeline import _clear_jobs, _deliveries, _remote
from tests.activities.test_remote_flags import _reporter
from tests.activities.test_remote_posts import load, receive
from tests.api.timeline_helpers import remote_status

URL = "/api/v1/reports"


async def _report(db) -> Report:
    async with db() as session:
        return (await session.execute(select(Report))).scalar_one()


async def test_a_forwarded_report_delivers_a_flag_to_the_accounts_server(app, client, factory, db):
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    first = await remote_status(db, bob, "spam one")
    second = await remote_status(db, bob, "spam two")
    boost = await remote_status(db, bob, "", reblog_of_id=first.id)

    response = await client.post(
        URL,
        headers=alice.headers,
        json={
            "account_id": str(bob.id),
            "status_ids": [str(second.id), str(boost.id), str(first.id)],
            "comment": "Spam & scams <3",
            "forward": "true",
            "category": "spam",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["forwarded"] is True
    report = await _report(db)
    assert report.status_ids == [second.id, boost.id, first.id]  # the report keeps all

    base = app.state.settings.base_url
    [job] = await _deliveries(db)
    assert job["inbox"] == "https://remote.example/inbox"  # the shared inbox
    assert job["actor_id"] == alice.account.id  # signed by the reporter, the normal path
    assert job["activity"] == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{base}/activities/{report.id}",  # derived from the report row
        "type": "Flag",
        "actor": f"{base}/users/alice",
        "content": "Spam & scams <3",
        # The account first, then its own posts by id (the boost is no post of bob's).
        "object": [bob.ap_id, second.uri, first.uri],
        "to": [],
        "cc": [bob.ap_id],
        "state": "open",
    }


async def test_an_account_without_shared_inbox_gets_it_at_its_inbox(client, factory, db):
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "two.example", shared=False)
    response = await client.post(
        URL, headers=alice.headers, data={"account_id": str(bob.id), "forward": "1"}
    )
    assert response.status_code == 200, response.text
    [job] = await _deliveries(db)
    assert job["inbox"] == "https://two.example/users/bob/inbox"
    assert job["activity"]["object"] == [bob.ap_id]
    assert job["activity"]["content"] == ""  # always present: Pleroma matches on it


@pytest.mark.parametrize("forward", [None, "false", "0"])
async def test_without_forward_nothing_leaves(client, factory, db, forward):
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    post = await remote_status(db, bob, "spam")
    body = {"account_id": str(bob.id), "status_ids": [str(post.id)], "comment": "x"}
    if forward is not None:
        body["forward"] = forward
    response = await client.post(URL, headers=alice.headers, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["forwarded"] is False
    assert (await _report(db)).forward is False
    assert await _deliveries(db) == []


async def test_a_report_about_a_local_account_stays_here(client, factory, db):
    alice, carol = await factory.user("alice"), await factory.user("carol")
    # carol has remote followers: none of them hears of the report either.
    follower = await _remote(db, "f", "remote.example")
    async with db() as session:
        session.add(
            Follow(follower_id=follower.id, followed_id=carol.account.id, state=FOLLOW_ACCEPTED)
        )
        await session.commit()
    post = await factory.status(carol.account, "rude")
    await _clear_jobs(db)  # the post's Create to the follower
    response = await client.post(
        URL,
        headers=alice.headers,
        json={"account_id": str(carol.account.id), "status_ids": [str(post.id)], "forward": True},
    )
    assert response.status_code == 200, response.text
    report = await _report(db)
    assert report.forward is True and report.status_ids == [post.id]
    assert await _deliveries(db) == []


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ({"forward": "maybe"}, "forward"),
        ({"forward": "true", "status_ids": ["123"]}, "status_ids"),
        ({"forward": "true", "comment": "x" * 1001}, "Comment"),
    ],
)
async def test_a_refused_forwarded_report_stores_and_sends_nothing(
    client, factory, db, body, message_part
):
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    response = await client.post(
        URL, headers=alice.headers, json={"account_id": str(bob.id), **body}
    )
    assert response.status_code == 422, response.text
    assert message_part in response.json()["error"]
    async with db() as session:
        assert (await session.execute(select(Report))).first() is None
    assert await _deliveries(db) == []


async def test_statuses_the_reporter_cannot_see_are_refused(client, factory, db):
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    private = await remote_status(db, bob, "followers only", visibility="private")
    response = await client.post(
        URL,
        headers=alice.headers,
        json={"account_id": str(bob.id), "status_ids": [str(private.id)], "forward": "true"},
    )
    assert response.status_code == 422
    assert await _deliveries(db) == []


@pytest.mark.parametrize("settings_overrides", [{"activitypub_anonymize_reporter": True}])
async def test_anonymous_reports_are_sent_by_the_relay_actor(app, client, factory, db):
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    post = await remote_status(db, bob, "spam")
    response = await client.post(
        URL,
        headers=alice.headers,
        json={"account_id": str(bob.id), "status_ids": [str(post.id)], "forward": "true"},
    )
    assert response.status_code == 200, response.text
    relay = relay_ap_id(app.state.settings)
    async with db() as session:
        relay_actor = (
            await session.execute(select(Account).where(Account.ap_id == relay))
        ).scalar_one()
    assert relay_actor.private_key  # its key exists before anything signed with it leaves
    [job] = await _deliveries(db)
    assert job["actor_id"] == relay_actor.id
    assert job["activity"]["actor"] == relay
    assert job["activity"]["object"] == [bob.ap_id, post.uri]
    assert "alice" not in str(job["activity"])
    # The report itself is still alice's.
    assert (await _report(db)).account_id == alice.account.id


@pytest.mark.parametrize(
    "settings_overrides",
    [{"activitypub_anonymize_reporter": True, "instance_allow_relay": False}],
)
async def test_anonymous_reports_without_the_relay_actor_are_not_sent(client, factory, db):
    """/relay is not served while relays are off: the receiver could not verify the
    Flag, and sending it as the reporter instead would break the promise of anonymity."""
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    response = await client.post(
        URL, headers=alice.headers, json={"account_id": str(bob.id), "forward": "true"}
    )
    assert response.status_code == 200, response.text
    assert (await _report(db)).forward is True
    assert await _deliveries(db) == []


@pytest.mark.parametrize("settings_overrides", [{"federating": False}])
async def test_nothing_is_forwarded_when_the_instance_does_not_federate(client, factory, db):
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    response = await client.post(
        URL, headers=alice.headers, json={"account_id": str(bob.id), "forward": "true"}
    )
    assert response.status_code == 200, response.text
    assert await _deliveries(db) == []


async def test_the_flag_we_send_reads_like_mastodons(app, client, factory, db):
    """Our Flag and Mastodon's, through our own normalize: the same reporter, account,
    posts and comment come out, so any receiver reading one reads the other."""
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    post = await remote_status(db, bob, "spam")
    await client.post(
        URL,
        headers=alice.headers,
        json={
            "account_id": str(bob.id),
            "status_ids": [str(post.id)],
            "comment": "Spam & links to scams",
            "forward": "true",
        },
    )
    [job] = await _deliveries(db)
    ours = normalize_activity(job["activity"])
    mastodon = load("mastodon", "flag")
    mastodon["object"] = [bob.ap_id, post.uri]
    theirs = normalize_activity(mastodon)
    for key in ("type", "object", "objects", "content"):
        assert ours[key] == theirs[key], key
    assert ours["objects"] == [bob.ap_id, post.uri]
    assert ours["actor"] == alice.account.ap_id


async def test_the_flag_we_send_becomes_a_report_where_it_arrives(app, factory, db):
    """Round trip: the document another pyleroma sends about zoe, received here, is a
    report about zoe and her post with the comment, from the Flag's actor."""
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "reported")
    reporter = await _reporter(db, "mastodon")  # any remote actor
    document = flag_to_as(
        "https://mastodon.remote.test/activities/1",
        reporter.ap_id,
        zoe.account.ap_id,
        [status_uri(app.state.settings, post)],
        "Spam & links",
    )
    report = await receive(app, reporter, document)
    assert isinstance(report, Report)
    stored = await _report(db)
    assert (stored.account_id, stored.target_account_id) == (reporter.id, zoe.account.id)
    assert stored.status_ids == [post.id] and stored.comment == "Spam & links"

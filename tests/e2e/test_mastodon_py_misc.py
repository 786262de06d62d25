"""Mastodon.py against the routes of issue 13's "and the rest" that it has methods for:
featured tags, instance activity, languages and extended description, several accounts,
endorse / unendorse (Mastodon 4.4) and status quotes (Mastodon 4.5)."""

from __future__ import annotations

from mastodon import Mastodon

from tests.e2e.test_mastodon_py import SCOPES, sign_up


def test_mastodon_py_misc_routes(live_server):
    client_id, client_secret = Mastodon.create_app(
        "e2e misc", api_base_url=live_server.url, scopes=SCOPES
    )
    alice = sign_up(live_server, client_id, client_secret, "alice")
    bob = sign_up(live_server, client_id, client_secret, "bob")
    alice_me, bob_me = alice.me(), bob.me()

    alice.status_post("hello #cats")
    alice.status_post("hello #dogs #cats")
    featured = alice.featured_tag_create("cats")
    assert featured.name == "cats" and str(featured.statuses_count) == "2"
    assert [t.name for t in alice.featured_tags()] == ["cats"]
    assert [t.name for t in alice.featured_tag_suggestions()] == ["dogs"]
    assert [t.name for t in bob.account_featured_tags(alice_me.id)] == ["cats"]
    alice.featured_tag_delete(featured.id)
    assert alice.featured_tags() == []

    weeks = bob.instance_activity()
    assert len(weeks) == 12 and int(weeks[0].registrations) == 2
    assert "en" in {language.code for language in bob.instance_languages()}
    assert bob.instance_extended_description().content

    assert [a.id for a in bob.accounts([alice_me.id, bob_me.id])] == [alice_me.id, bob_me.id]

    alice.account_follow(bob_me.id)
    assert alice.account_endorse(bob_me.id).endorsed is True
    assert [a.id for a in alice.endorsements()] == [bob_me.id]
    assert alice.account_unendorse(bob_me.id).endorsed is False

    quoted = bob.status_post("quote me")
    quoting = alice.status_post("this", quoted_status_id=quoted.id)
    assert [s.id for s in bob.status_quotes(quoted.id)] == [quoting.id]

"""HellthreadPolicy: posts addressed to crowds are delisted or refused."""

from __future__ import annotations

import pytest

from pyleroma.activities.mrf.hellthread import HellthreadPolicy
from pyleroma.activities.normalize import normalize_activity
from pyleroma.activities.policies import Rejected
from pyleroma.models import Status
from pyleroma.settings import SettingsError, load_settings
from tests.activities.mrf.helpers import (
    ALICE_FOLLOWERS,
    PUBLIC,
    addressing,
    assert_nothing_behind,
    context,
    count,
    load,
    mastodon_reply,
    normalized,
    receive,
    remote_author,
    sender,
    serve_parent,
    settings,
    stored_status,
)


def crowd(n: int) -> list[str]:
    return [f"https://crowd{i}.remote.test/users/u{i}" for i in range(n)]


def note_to(to: list[str], cc: list[str], *, object_too: bool = True) -> dict:
    """Mastodon's public Note, addressed as given (the object too unless told)."""
    raw = load("mastodon", "create_note_public")
    raw["to"], raw["cc"] = list(to), list(cc)
    if object_too:
        raw["object"]["to"], raw["object"]["cc"] = list(to), list(cc)
    return raw


async def run(activity: dict, delist: int = 10, reject: int = 20, actor=None) -> dict:
    policy = HellthreadPolicy(
        settings(mrf_hellthread_delist_threshold=delist, mrf_hellthread_reject_threshold=reject)
    )
    return await policy.filter(context(actor or sender()), activity)


async def test_a_few_recipients_pass_unchanged():
    activity = normalized("mastodon", "create_note_public")
    before = addressing(activity)
    assert addressing(await run(activity)) == before


async def test_over_the_delist_threshold_a_public_post_is_delisted():
    many = crowd(11)
    activity = normalize_activity(note_to([PUBLIC], [ALICE_FOLLOWERS, *many]))
    result = await run(activity)
    # Pleroma's delisting: to the followers only, public in cc, the crowd no longer named.
    assert addressing(result) == ([ALICE_FOLLOWERS], [PUBLIC], [ALICE_FOLLOWERS], [PUBLIC])


async def test_without_its_followers_a_delisted_post_is_to_nobody():
    activity = normalize_activity(note_to([PUBLIC, *crowd(11)], []))
    assert addressing(await run(activity)) == ([], [PUBLIC], [], [PUBLIC])


async def test_the_threshold_itself_is_not_over_it():
    exactly = normalize_activity(note_to([PUBLIC], [ALICE_FOLLOWERS, *crowd(10)]))
    assert PUBLIC in (await run(exactly))["object"]["to"]
    # Public and the followers collection are not recipients; duplicates count once.
    doubled = normalize_activity(note_to([PUBLIC, *crowd(10)], [ALICE_FOLLOWERS, *crowd(10)]))
    assert PUBLIC in (await run(doubled))["object"]["to"]


async def test_over_the_reject_threshold_it_is_refused_whatever_its_visibility():
    for to, cc in (
        ([PUBLIC], crowd(21)),
        ([ALICE_FOLLOWERS], crowd(21)),
        (crowd(21), []),
    ):
        with pytest.raises(Rejected) as caught:
            await run(normalize_activity(note_to(to, cc)))
        assert str(caught.value) == ("[HellthreadPolicy] 21 recipients is over the limit of 20")


async def test_followers_only_and_direct_posts_are_never_delisted():
    for to, cc in (([ALICE_FOLLOWERS], crowd(15)), (crowd(15), [])):
        activity = normalize_activity(note_to(to, cc))
        assert addressing(await run(activity)) == (to, cc, to, cc)


async def test_a_crowd_hidden_in_the_object_is_counted():
    raw = note_to([PUBLIC], [ALICE_FOLLOWERS])
    raw["object"]["cc"] = [ALICE_FOLLOWERS, *crowd(30)]
    with pytest.raises(Rejected, match="30 recipients"):
        await run(normalize_activity(raw))


async def test_a_huge_crowd_is_counted_and_refused():
    activity = normalize_activity(note_to([PUBLIC], crowd(5000)))
    with pytest.raises(Rejected, match=r"2000 recipients is over the limit of 20"):
        await run(activity)  # normalize caps each list at 2000 entries


async def test_zero_turns_a_threshold_off():
    activity = normalize_activity(note_to([PUBLIC], crowd(50)))
    assert addressing(await run(activity, delist=0, reject=0))[0] == [PUBLIC]
    with pytest.raises(Rejected):
        await run(normalize_activity(note_to([PUBLIC], crowd(50))), delist=0, reject=20)
    delisted = await run(normalize_activity(note_to([PUBLIC], crowd(50))), delist=10, reject=0)
    assert addressing(delisted) == ([], [PUBLIC], [], [PUBLIC])


async def test_only_creates_of_posts_are_counted():
    update = normalized("mastodon", "update_note")
    update["to"] = update["object"]["to"] = [PUBLIC, *crowd(40)]
    assert (await run(update))["object"]["to"][0] == PUBLIC
    like = normalized("mastodon", "like")
    assert await run(like) is like


async def test_without_a_sender_row_its_followers_count_as_recipients():
    """No Account row (cannot happen on the receive path): nothing is left out."""
    activity = normalize_activity(note_to([PUBLIC], [ALICE_FOLLOWERS, *crowd(10)]))
    policy = HellthreadPolicy(settings())
    result = await policy.filter(context(None), activity)
    assert addressing(result) == ([], [PUBLIC], [], [PUBLIC])


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MRF_HELLTHREAD_DELIST_THRESHOLD", "-1", "must be 0"),
        ("MRF_HELLTHREAD_REJECT_THRESHOLD", "-5", "must be 0"),
        ("MRF_HELLTHREAD_REJECT_THRESHOLD", "many", "expected an integer"),
    ],
)
def test_bad_thresholds_stop_the_start(name, value, message):
    env = {"PYLEROMA_MRF_POLICIES": "HellthreadPolicy", f"PYLEROMA_{name}": value}
    with pytest.raises(SettingsError, match=message):
        load_settings(None, env=env)


def test_describe():
    policy = HellthreadPolicy(
        settings(mrf_hellthread_delist_threshold=5, mrf_hellthread_reject_threshold=0)
    )
    assert policy.describe() == {"mrf_hellthread": {"delist_threshold": 5, "reject_threshold": 0}}


# --- through the receive path --------------------------------------------------------------


async def test_a_refused_hellthread_leaves_nothing_behind(app, factory, db, monkeypatch):
    await factory.user("zoe")
    author = await remote_author(db, "mastodon")
    await remote_author(db, "pleroma")
    fetched = serve_parent(monkeypatch)
    app.state.settings.mrf_policies = ["HellthreadPolicy"]
    raw = mastodon_reply()
    raw["cc"] = raw["object"]["cc"] = [*raw["cc"], *crowd(25)]
    with pytest.raises(Rejected, match="27 recipients is over the limit of 20"):
        await receive(app, author, raw)
    await assert_nothing_behind(db, fetched)


async def test_a_delisted_hellthread_is_stored_unlisted(app, db):
    author = await remote_author(db, "mastodon")
    app.state.settings.mrf_policies = ["HellthreadPolicy"]
    raw = load("mastodon", "create_note_public")
    raw["cc"] = raw["object"]["cc"] = [*raw["cc"], *crowd(12)]
    status = await receive(app, author, raw)
    stored = await stored_status(db, raw["object"]["id"])
    assert stored.id == status.id and stored.visibility == "unlisted"
    assert await count(db, Status) == 1

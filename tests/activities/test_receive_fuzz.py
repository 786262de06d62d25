"""Mutated fixtures through normalisation and the real receive path (issue 11, robustness).

Hypothesis takes a fixture of tests/fixtures/activitypub/ (any server, any activity),
replaces, deletes or multiplies a few of its values anywhere in the tree with hostile ones
(wrong types, junk URLs, script, huge strings and lists, nesting), and feeds it to
``normalize_activity`` and to ``receive`` signed by the fixture's actor. The only outcomes
allowed: normalised (or InvalidActivity), and received as a row, None, InvalidActivity or
a rejection (Rejected, which Refused is). Any other exception fails the test, and after a
refusal no row of any kind is left behind: the counts read in a fresh session equal
those before. The network is never reached (``fetch._get`` fails like a dead server).

Derandomized, so a failure reproduces; a deeper run:
PYLEROMA_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/activities/test_receive_fuzz.py
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pyleroma.activities.context import PipelineContext
from pyleroma.activities.normalize import InvalidActivity, normalize_activity
from pyleroma.activities.policies import Rejected
from pyleroma.federation import fetch as fetch_module
from pyleroma.federation.errors import FetchError
from pyleroma.federation.receive import receive as receive_activity
from pyleroma.models import (
    Block,
    Favourite,
    Follow,
    MediaAttachment,
    Notification,
    Poll,
    Status,
    StatusMention,
    StatusReaction,
)
from tests.activities.test_remote_shapes import load, signer_of

FIXTURES = Path(__file__).parent.parent / "fixtures" / "activitypub"
EXAMPLES = int(os.environ.get("PYLEROMA_FUZZ_EXAMPLES", "40"))
SEEDS = sorted(
    p.relative_to(FIXTURES).as_posix()
    for p in FIXTURES.rglob("*.json")
    if not p.name.startswith("actor_") and isinstance(json.loads(p.read_text()).get("actor"), str)
)
ROWS = (Status, MediaAttachment, StatusMention, Poll, Notification, Favourite, Follow, Block)

DEEP: Any = "deep"
for _ in range(40):
    DEEP = [DEEP]

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "javascript:alert(1)",
            "https://evil.example/x",
            "http://127.0.0.1/admin",
            "as:Public",
            "<script>alert(1)</script><img src=x onerror=alert(2)>",
            "x" * 20_000,
            "2999-01-01T00:00:00Z",
            "Tombstone",
            "",
        ]
    ),
    st.lists(st.text(max_size=8), max_size=4),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
    st.just({"type": "Note", "id": "https://evil.example/n"}),
    st.just(
        [{"type": "Link", "href": "https://evil.example/a.png", "mediaType": "image/png"}] * 50
    ),
    st.just(DEEP),
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON tree (dict keys and list indices), the root excluded."""
    found = []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return found
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def mutate(raw: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        places = paths(raw)
        if not places:
            break
        where = data.draw(st.sampled_from(places), label="where")
        parent = raw
        for key in where[:-1]:
            parent = parent[key]
        key = where[-1]
        action = data.draw(st.sampled_from(["replace", "replace", "delete", "multiply"]))
        if action == "delete":
            del parent[key]
        elif action == "multiply":
            parent[key] = [
                copy.deepcopy(parent[key]) for _ in range(data.draw(st.integers(2, 300)))
            ]
        else:
            # A copy: a later mutation must not change the strategy's shared constants.
            parent[key] = copy.deepcopy(data.draw(HOSTILE, label="value"))
    return raw


@settings(max_examples=EXAMPLES * 10, deadline=None, derandomize=True)
@given(data=st.data())
def test_normalising_mutated_fixtures_never_crashes(data):
    raw = mutate(load(data.draw(st.sampled_from(SEEDS), label="fixture")), data)
    try:
        result = normalize_activity(raw)
    except InvalidActivity:
        return
    assert isinstance(result["actor"], str) and isinstance(result["type"], str)


@pytest.fixture
def offline(monkeypatch):
    async def unreachable(settings, url, *args, **kwargs):
        raise FetchError(f"could not fetch {url}: offline in tests", url=url)

    monkeypatch.setattr(fetch_module, "_get", unreachable)


async def row_counts(db) -> dict[str, int]:
    async with db() as session:
        return {
            model.__name__: await session.scalar(select(func.count()).select_from(model))
            for model in (*ROWS, StatusReaction)
        }


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_receiving_mutated_fixtures_stores_whole_or_nothing(app, factory, db, offline, data):
    async with db() as session:
        from pyleroma.models import Account

        have_zoe = await session.scalar(select(Account.id).where(Account.nickname == "zoe"))
    if have_zoe is None:
        await factory.user("zoe")
    seed = load(data.draw(st.sampled_from(SEEDS), label="fixture"))
    author = await signer_of(db, seed)
    raw = mutate(seed, data)
    before = await row_counts(db)
    async with app.state.sessionmaker() as session:
        try:
            await receive_activity(PipelineContext(session, app.state.settings), author, raw)
        except (InvalidActivity, Rejected):
            refused = True
        else:
            refused = False
    if refused:
        assert await row_counts(db) == before

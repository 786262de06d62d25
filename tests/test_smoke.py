"""The foundation's shared machinery: errors, params, ids, auth and scopes."""

from pyleroma.api.params import fold_pairs
from pyleroma.db.ids import new_id, parse_id
from pyleroma.policy.scopes import covers, parse_scopes, satisfies


def test_ids_are_increasing_and_parse_back():
    ids = [new_id() for _ in range(1000)]
    assert ids == sorted(ids) and len(set(ids)) == 1000
    assert parse_id(str(ids[0])) == ids[0]
    assert parse_id("12abc") is None and parse_id("9" * 30) is None and parse_id("-1") is None


def test_rails_style_params_fold_into_nested_values():
    folded = fold_pairs(
        [
            ("ids[]", "1"),
            ("ids[]", "2"),
            ("source[privacy]", "private"),
            ("fields_attributes[0][name]", "a"),
            ("fields_attributes[0][value]", "b"),
            ("x", "y"),
        ]
    )
    assert folded == {
        "ids": ["1", "2"],
        "source": {"privacy": "private"},
        "fields_attributes": {"0": {"name": "a", "value": "b"}},
        "x": "y",
    }


def test_scope_hierarchy():
    assert covers({"read"}, "read:accounts")
    assert covers({"admin:read"}, "admin:read:accounts")
    assert not covers({"read:statuses"}, "read:accounts")
    assert not covers({"write"}, "read:accounts")
    assert satisfies({"follow"}, ["follow", "write:follows"])
    assert parse_scopes("read  write,follow read") == ["read", "write", "follow"]


async def test_unknown_route_is_json_404(client):
    response = await client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


async def test_factory_user_is_stored(factory, db):
    from pyleroma.models import Account

    user = await factory.user("alice")
    async with db() as session:
        stored = await session.get(Account, user.account.id)
    assert stored.nickname == "alice" and stored.password_hash.startswith("$argon2id$")

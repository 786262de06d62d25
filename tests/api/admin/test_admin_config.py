"""Admin API, ConfigDB: GET/POST /config, /config/descriptions, /need_reboot, /restart.

Each change is checked through what it changes (the instance document, registration, the
MRF chain on a received post, the rate limiter) and through GET /config."""

from __future__ import annotations

from dataclasses import fields

import pytest

from pyleroma.activities.mrf import Rejected
from pyleroma.services.instance.config_db import NOT_ENABLED
from pyleroma.services.instance.config_map import KEYS, NOT_IN_DATABASE, attr_levels
from pyleroma.settings import Settings
from tests.activities.mrf.stateful_helpers import note, receive, remote
from tests.api.admin.helpers import PREFIXES, admin, log_messages

CONFIG = "/api/pleroma/admin/config"


@pytest.fixture
def settings_overrides() -> dict:
    return {"configurable_from_database": True}


def entry(key: str, *pairs, group: str = ":pleroma") -> dict:
    """A config entry whose value is a keyword list of ``(":subkey", value)`` pairs."""
    return {"group": group, "key": key, "value": [{"tuple": [k, v]} for k, v in pairs]}


async def post(client, staff, *configs, status: int = 200) -> dict:
    response = await client.post(CONFIG, json={"configs": list(configs)}, headers=staff.headers)
    assert response.status_code == status, response.text
    return response.json()


async def saved(client, staff) -> list[dict]:
    response = await client.get(CONFIG, params={"only_db": "true"}, headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()["configs"]


async def instance(client) -> dict:
    return (await client.get("/api/v1/instance")).json()


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_with_configdb_off_the_config_routes_answer_pleromas_error(client, factory):
    boss = await admin(factory)
    for prefix in PREFIXES:
        for method, path, body in (
            ("GET", "/config", None),
            ("POST", "/config", {"configs": [entry(":instance", (":name", "x"))]}),
            ("GET", "/restart", None),
        ):
            response = await client.request(method, prefix + path, json=body, headers=boss.headers)
            assert (response.status_code, response.json()) == (400, {"error": NOT_ENABLED})
        described = await client.get(prefix + "/config/descriptions", headers=boss.headers)
        assert described.status_code == 200 and described.json()
        reboot = await client.get(prefix + "/need_reboot", headers=boss.headers)
        assert reboot.json() == {"need_reboot": False}
    assert (await instance(client))["title"] == "pyleroma"


async def test_the_instance_name_changes_at_once_and_get_returns_it(client, factory, app):
    boss = await admin(factory)
    answer = await post(client, boss, entry(":instance", (":name", "Moss Garden")))
    assert answer == {
        "configs": [
            {
                "group": ":pleroma",
                "key": ":instance",
                "value": [{"tuple": [":name", "Moss Garden"]}],
                "db": [":name"],
            }
        ],
        "need_reboot": False,
    }
    assert (await instance(client))["title"] == "Moss Garden"
    assert (await client.get("/nodeinfo/2.1.json")).json()["metadata"]["nodeName"] == (
        "Moss Garden"
    )
    assert await saved(client, boss) == answer["configs"]
    merged = (await client.get(CONFIG, headers=boss.headers)).json()
    assert merged["need_reboot"] is False
    by_key = {(c["group"], c["key"]): c for c in merged["configs"]}
    assert set(by_key) >= {(spec.group, spec.key) for spec in KEYS}
    instance_entry = by_key[(":pleroma", ":instance")]
    assert instance_entry["db"] == [":name"]
    values = {item["tuple"][0]: item["tuple"][1] for item in instance_entry["value"]}
    # The saved value comes after the running defaults, as Pleroma merges them.
    assert instance_entry["value"][-1] == {"tuple": [":name", "Moss Garden"]}
    assert values[":limit"] == 5000 and values[":registrations_open"] is True
    assert "db" not in by_key[(":pleroma", ":mrf")]
    # The change is logged by key name (values may be secrets); saving it again is no change.
    assert await log_messages(client, boss) == ["@boss updated settings: :pleroma :instance"]
    await post(client, boss, entry(":instance", (":name", "Moss Garden")))
    assert len(await log_messages(client, boss)) == 1


async def test_closed_registrations_refuse_sign_ups(client, factory, app):
    boss = await admin(factory)
    await post(client, boss, entry(":instance", (":registrations_open", False)))
    assert app.state.settings.registrations == "closed"
    document = await instance(client)
    assert (document["registrations"], document["invites_enabled"]) == (False, False)
    oauth_app = await factory.oauth_app(scopes=["read", "write"])
    token = await factory.token(None, scopes=["read", "write"], app=oauth_app)
    body = {"username": "lain", "email": "lain@example.org", "password": "Pass-word-1"}
    refused = await client.post(
        "/api/v1/accounts",
        json={**body, "agreement": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (refused.status_code, refused.json()) == (403, {"error": "Registrations are closed"})
    # Invitations on, registrations still closed: invite-only; then open with approval.
    await post(client, boss, entry(":instance", (":invites_enabled", True)))
    assert app.state.settings.registrations == "invite"
    await post(
        client,
        boss,
        entry(":instance", (":registrations_open", True), (":account_approval_required", True)),
    )
    document = await instance(client)
    assert (document["registrations"], document["approval_required"]) == (True, True)


async def test_saves_merge_and_deletes_fall_back_to_the_running_value(client, factory):
    boss = await admin(factory)
    await post(client, boss, entry(":instance", (":name", "One"), (":limit", 300)))
    answer = await post(client, boss, entry(":instance", (":description", "Two")))
    assert answer["configs"][0]["db"] == [":name", ":limit", ":description"]
    document = await instance(client)
    assert (document["title"], document["description"], document["max_toot_chars"]) == (
        "One",
        "Two",
        300,
    )
    # Some subkeys deleted: the rest stays, the deleted ones are the running defaults again.
    partial = {"group": ":pleroma", "key": ":instance", "delete": True, "subkeys": [":name"]}
    answer = await post(client, boss, partial)
    assert answer["configs"] == [
        entry(":instance", (":limit", 300), (":description", "Two"))
        | {"db": [":limit", ":description"]}
    ]
    assert (await instance(client))["title"] == "pyleroma"
    # The whole key deleted: gone from the database, every value back to the file's.
    answer = await post(client, boss, {"group": ":pleroma", "key": ":instance", "delete": True})
    assert answer == {"configs": [], "need_reboot": False}
    assert await saved(client, boss) == []
    document = await instance(client)
    assert (document["description"], document["max_toot_chars"]) == ("A pyleroma instance", 5000)
    # Deleting what is not saved is nothing (Pleroma skips it).
    assert (await post(client, boss, partial))["configs"] == []


BAD = [
    (entry(":instance", (":limit", "many")), ":pleroma, :instance: :limit: expected an integer"),
    (entry(":instance", (":limit", -3)), ":limit: must be 1 or more"),
    (entry(":instance", (":public", True)), ":public is not a setting of this server"),
    (entry(":no_such_key", (":x", 1)), ":pleroma, :no_such_key is not a setting of this server"),
    (entry(":instance", (":registrations_open", "sometimes")), "expected true or false"),
    (entry(":instance", (":email", "not an address")), "instance_email must be an email"),
    (
        entry(":mrf", (":policies", ["Pleroma.Web.ActivityPub.MRF.NoSuchPolicy"])),
        "unknown policy",
    ),
    (entry(":mrf_keyword", (":reject", ["~r/(/"])), "is not a valid regular expression"),
    (entry("Pleroma.Emails.Mailer", (":adapter", "Swoosh.Adapters.Sendgrid")), "is not built"),
    ({"group": ":pleroma", "key": ":instance"}, "a value is needed"),
    ({"group": ":pleroma", "value": []}, "needs a group and a key"),
    (
        {"group": ":pleroma", "key": ":instance", "value": {"name": "x"}},
        "expected a keyword list",
    ),
]


@pytest.mark.parametrize(("item", "message"), BAD, ids=[m for _, m in BAD])
async def test_bad_values_are_refused_and_nothing_is_stored(client, factory, item, message):
    boss = await admin(factory)
    good = entry(":instance", (":name", "Not saved"))
    answer = await post(client, boss, good, item, status=400)
    assert message in answer["error"]
    assert await saved(client, boss) == []
    assert await log_messages(client, boss) == []
    assert (await instance(client))["title"] == "pyleroma"


async def test_configs_must_be_a_list(client, factory):
    boss = await admin(factory)
    response = await client.post(CONFIG, json={"configs": "x"}, headers=boss.headers)
    assert response.status_code == 400 and "configs" in response.json()["error"]
    response = await client.post(CONFIG, json={}, headers=boss.headers)
    assert response.status_code == 400


async def test_an_mrf_policy_change_applies_to_the_next_received_post(client, factory, app, db):
    boss = await admin(factory)
    author = await remote(db, "spammer", "spam.remote.test")
    await post(
        client,
        boss,
        entry(":mrf", (":policies", ["Pleroma.Web.ActivityPub.MRF.SimplePolicy"])),
        entry(":mrf_simple", (":reject", [{"tuple": ["spam.remote.test", "spam"]}])),
    )
    assert app.state.settings.mrf_simple_reject == ["spam.remote.test => spam"]
    with pytest.raises(Rejected, match="spam.remote.test"):
        await receive(app, author, note(author))
    federation = (await instance(client))["pleroma"]["metadata"]["federation"]
    assert "SimplePolicy" in federation["mrf_policies"]
    await post(client, boss, {"group": ":pleroma", "key": ":mrf_simple", "delete": True})
    assert await receive(app, author, note(author)) is not None


async def test_values_are_given_back_as_posted_and_mean_what_pleroma_means(client, factory, app):
    boss = await admin(factory)
    configs = [
        entry(
            "Pleroma.Emails.Mailer",
            (":enabled", True),
            (":relay", "smtp.example.org"),
            (":port", 465),
            (":ssl", True),
            (":tls", ":never"),
        ),
        entry(
            ":mrf_keyword",
            (":reject", ["~r/buy now/i", "plain words"]),
            (":replace", [{"tuple": ["~r/foo/", "bar"]}]),
        ),
        {
            "group": ":pleroma",
            "key": ":frontend_configurations",
            "value": [{"tuple": [":pleroma_fe", {":theme": "ocean", ":logoMask": False}]}],
        },
        entry(":rate_limit", (":authentication", {"tuple": [120000, 3]})),
        entry(":instance", (":limit_to_local_content", False)),
        entry(":instance", (":poll_limits", {":max_options": 7})),
    ]
    answer = await post(client, boss, *configs)
    assert answer["need_reboot"] is False
    stored = await saved(client, boss)
    assert [c["value"] for c in stored] == [
        configs[0]["value"],
        configs[1]["value"],
        configs[2]["value"],
        configs[3]["value"],
        configs[4]["value"] + configs[5]["value"],
    ]
    live = app.state.settings
    assert (live.mailer_enabled, live.mailer_host, live.mailer_port, live.mailer_tls) == (
        True,
        "smtp.example.org",
        465,
        "tls",
    )
    assert live.mrf_keyword_reject == ["/buy now/i", "plain words"]
    assert live.mrf_keyword_replace == ["/foo/ => bar"]
    assert live.limit_to_local_content == "none"
    assert live.poll_max_options == 7 and live.poll_max_option_chars == 200
    frontends = (await client.get("/api/pleroma/frontend_configurations")).json()
    assert frontends["pleroma_fe"] == {"theme": "ocean", "logoMask": False}
    assert "masto_fe" in frontends
    limiter = app.state.login_limiter
    assert (limiter.limit, limiter.window) == (3, 120)


async def test_a_start_only_setting_needs_a_reboot_until_restart(client, factory, app):
    boss = await admin(factory)
    live = app.state.settings
    answer = await post(
        client,
        boss,
        entry(":jobs", (":concurrency", 3), group=":pyleroma"),
        entry(":server", (":entity_cache_size", 7), group=":pyleroma"),
    )
    assert answer["need_reboot"] is True
    assert (live.job_concurrency, live.entity_cache_size) == (10, 5000)
    for prefix in PREFIXES:
        reboot = await client.get(prefix + "/need_reboot", headers=boss.headers)
        assert reboot.json() == {"need_reboot": True}
    assert (await client.get(CONFIG, headers=boss.headers)).json()["need_reboot"] is True
    # A live change meanwhile does not clear it (Pleroma's rule).
    answer = await post(client, boss, entry(":instance", (":name", "Still")))
    assert answer["need_reboot"] is True
    restarted = await client.get("/api/v1/pleroma/admin/restart", headers=boss.headers)
    assert (restarted.status_code, restarted.json()) == (200, {})
    assert (live.job_concurrency, live.entity_cache_size) == (3, 7)
    assert app.state.entity_cache.size == 7
    assert (await client.get(CONFIG, headers=boss.headers)).json()["need_reboot"] is False
    assert (await instance(client))["title"] == "Still"


async def test_the_listen_address_waits_for_the_process_to_start_again(client, factory, app):
    boss = await admin(factory)
    http = [{"tuple": [":ip", {"tuple": [0, 0, 0, 0]}]}, {"tuple": [":port", 4100]}]
    answer = await post(client, boss, entry("Pleroma.Web.Endpoint", (":http", http)))
    assert answer["need_reboot"] is True
    await client.get("/api/pleroma/admin/restart", headers=boss.headers)
    # Restarting in place cannot move the listener: still pending, still the old port.
    reboot = await client.get("/api/pleroma/admin/need_reboot", headers=boss.headers)
    assert reboot.json() == {"need_reboot": True}
    assert (app.state.settings.host, app.state.settings.port) == ("127.0.0.1", 4000)


async def test_restart_reads_the_config_file_again(client, factory, app, tmp_path):
    boss = await admin(factory)
    path = tmp_path / "pyleroma.toml"
    path.write_text(
        'instance_name = "From the file"\nconfigurable_from_database = true\n'
        "captcha_enabled = false\nrich_media_enabled = false\n"
    )
    app.state.settings.loaded_from = str(path)
    await client.get("/api/pleroma/admin/restart", headers=boss.headers)
    assert (await instance(client))["title"] == "From the file"
    await post(client, boss, entry(":instance", (":name", "From the database")))
    path.write_text(path.read_text().replace("From the file", "Edited"))
    await client.get("/api/pleroma/admin/restart", headers=boss.headers)
    assert (await instance(client))["title"] == "From the database"
    await post(client, boss, {"group": ":pleroma", "key": ":instance", "delete": True})
    assert (await instance(client))["title"] == "Edited"
    path.write_text("instance_name = [not toml\n")
    broken = await client.get("/api/pleroma/admin/restart", headers=boss.headers)
    assert broken.status_code == 400 and "cannot be read again" in broken.json()["error"]
    assert (await instance(client))["title"] == "Edited"


async def test_descriptions_cover_every_mapped_key(client, factory):
    boss = await admin(factory)
    response = await client.get(CONFIG + "/descriptions", headers=boss.headers)
    assert response.status_code == 200
    described = response.json()
    assert [(d["group"], d["key"]) for d in described] == [(s.group, s.key) for s in KEYS]
    first = described[0]
    assert first["group"].startswith(":") and first["key"] and first["description"]
    assert first["children"] and first["type"] == "group"

    def check(child):
        assert {"key", "label", "type", "description"} <= set(child), child
        for grandchild in child.get("children", []):
            check(grandchild)

    for item in described:
        assert item["label"] and item["description"]
        for child in item.get("children", []):
            check(child)
    mrf_simple = next(d for d in described if d["key"] == ":mrf_simple")
    assert mrf_simple["related_policy"] == "Pleroma.Web.ActivityPub.MRF.SimplePolicy"
    reject = next(c for c in mrf_simple["children"] if c["key"] == ":reject")
    assert reject["type"] == ["list", "tuple"]
    jobs = next(d for d in described if d["key"] == ":jobs")
    concurrency = next(c for c in jobs["children"] if c["key"] == ":concurrency")
    assert "restart" in concurrency["description"]
    # Pleroma-FE's front ends tab labels the name and ref inputs from these
    frontends = next(d for d in described if d["key"] == ":frontends")
    for choice in frontends["children"]:
        parts = [(c["key"], c["label"], c["type"]) for c in choice["children"]]
        assert parts == [("name", "Name", "string"), ("ref", "Reference", "string")]


def test_every_setting_is_mapped_or_said_to_be_file_only():
    mapped = set(attr_levels())
    names = {f.name for f in fields(Settings)}
    assert names - mapped - set(NOT_IN_DATABASE) == set()
    assert mapped & set(NOT_IN_DATABASE) == set()
    assert mapped <= names


async def test_nested_keyword_lists_merge_and_maps_are_taken_in_either_form(client, factory, app):
    boss = await admin(factory)
    mfa = (":multi_factor_authentication", [{"tuple": [":totp", [{"tuple": [":digits", 8]}]]}])
    await post(client, boss, entry(":instance", mfa))
    more = [{"tuple": [":totp", [{"tuple": [":period", 60]}]]}]
    answer = await post(client, boss, entry(":instance", (":multi_factor_authentication", more)))
    totp = [{"tuple": [":digits", 8]}, {"tuple": [":period", 60]}]
    assert answer["configs"][0]["value"] == [
        {"tuple": [":multi_factor_authentication", [{"tuple": [":totp", totp]}]]}
    ]
    live = app.state.settings
    assert (live.mfa_totp_digits, live.mfa_totp_period, live.mfa_backup_codes_length) == (8, 60, 16)
    ids = ["https://friendly.example/users/ann", "https://friendly.example/users/bo"]
    await post(
        client,
        boss,
        {"group": ":pleroma", "key": ":mrf_user_allowlist", "value": {"friendly.example": ids}},
    )
    assert live.mrf_user_allowlist == ids
    listed = [{"tuple": ["friendly.example", ids[:1]]}]
    await post(client, boss, {"group": ":pleroma", "key": ":mrf_user_allowlist", "value": listed})
    assert live.mrf_user_allowlist == ids[:1]
    timelines = (":timelines", {":local": True, ":federated": False})
    await post(client, boss, entry(":restrict_unauthenticated", timelines))
    assert (await client.get("/api/v1/timelines/public?local=true")).status_code == 401
    split = (":profiles", {":local": True, ":remote": False})
    answer = await post(client, boss, entry(":restrict_unauthenticated", split), status=400)
    assert "restricted together" in answer["error"]

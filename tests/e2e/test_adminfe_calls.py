"""AdminFE's requests replayed, page by page, against the admin API (issue 14: "AdminFE, or a
script that does what it does, lists users, reports and config without errors").

AdminFE (Pleroma's admin-fe, read from the public fork ``animeavi/admin-fe``) cannot run
here, so this file sends what it sends: the login it does (an app asking for ``read write
follow push admin``, then the password grant), then for each page the calls its store makes
when the page opens, and the calls behind its buttons, with the exact URLs, query strings and
JSON bodies of its ``src/api/*.js``. Every answer must be 200 or 204 and hold every field
AdminFE reads, with the type it needs (tests/e2e/adminfe_fields.py); after an action the page
fetches again what AdminFE fetches again, and the change must show there. docs/api/adminfe.md
lists the calls per page.

A page keeps going after a failed call (what needs that call's answer is skipped) and the test
fails at its end with the list of every call that went wrong: method, URL, body, what AdminFE
needs and what came back.

The ASGI ``client`` is enough (the other e2e files run a live server because their client
libraries open their own connections).
"""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.api.chat_helpers import chat_with
from tests.api.mail_helpers import mail_on
from tests.conftest import BASE_URL
from tests.e2e import adminfe_fields as F
from tests.factories import DEFAULT_PASSWORD, User
from tests.media_samples import png_bytes

A = "/api/v1/pleroma/admin"  # AdminFE's admin prefix (src/api/*.js)
HOST = BASE_URL.split("://", 1)[1]  # what the admin types as the instance on the login page
SCOPES = "read write follow push admin"  # src/api/login.js
TAG = "mrf_tag:sandbox"  # one of ModerationDropdown's tags
TAG_POLICY = "Pleroma.Web.ActivityPub.MRF.TagPolicy"


@pytest.fixture
def settings_overrides(smtp_inbox):
    """An instance as AdminFE is pointed at: settings from the database (its Settings pages),
    invite-only registrations (its Invites page shows) and a mailer (the mail actions)."""
    return mail_on(smtp_inbox, registrations="invite", configurable_from_database=True)


# --- the replaying client --------------------------------------------------------------------


class AdminFE:
    """Sends AdminFE's requests with its token and collects what goes wrong."""

    def __init__(self, client):
        self.client = client
        self.token: str | None = None
        self.me: dict = {}
        self.problems: list[str] = []

    async def call(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        files: dict | None = None,
        data: dict | None = None,
        spec: F.Spec | None = None,
        ok: tuple[int, ...] = (200, 204),
        auth: bool = True,
    ) -> Any:
        """The answer (JSON, or text), or None when the status is not one of ``ok``."""
        headers = {"Authorization": f"Bearer {self.token}"} if auth and self.token else {}
        response = await self.client.request(
            method, url, json=json, files=files, data=data, headers=headers
        )
        label = f"{method} {url}"
        if json is not None:
            label += f" {jsonlib.dumps(json)}"
        if files is not None or data is not None:
            label += f" (multipart: {', '.join([*(data or {}), *(files or {})])})"
        if response.status_code not in ok:
            self.problems.append(
                f"{label}\n    AdminFE needs {' or '.join(map(str, ok))}, got "
                f"{response.status_code}: {response.text[:300]}"
            )
            return None
        if "json" in response.headers.get("content-type", ""):
            body = response.json() if response.content else None
        else:
            body = response.text
        if spec is not None:
            for problem in F.field_problems(body, spec):
                self.problems.append(f"{label}\n    {problem}")
        return body

    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            self.problems.append(message)

    def extend(self, label: str, problems: list[str]) -> None:
        self.problems += [f"{label}\n    {problem}" for problem in problems]

    def assert_clean(self) -> None:
        assert not self.problems, f"{len(self.problems)} AdminFE call(s) went wrong:\n" + "\n".join(
            self.problems
        )

    # The calls every page makes when it opens (views/*/index.vue ``mounted``).
    async def page_opens(self) -> None:
        await self.call("GET", "/nodeinfo/2.0.json", spec=F.NODEINFO, auth=False)
        await self.call("GET", f"{A}/need_reboot", spec=F.NEED_REBOOT)

    # store/modules/reports.js FetchOpenReportsCount (the sidebar, and after a state change).
    async def open_reports_count(self) -> int | None:
        body = await self.call(
            "GET", f"{A}/reports?state=open&page=1&page_size=50", spec=F.OPEN_REPORTS_COUNT
        )
        return body["total"] if isinstance(body, dict) else None

    # store/modules/users.js FetchTagPolicySetting (Users and Reports pages).
    async def tag_policy_setting(self) -> list[str]:
        body = await self.call("GET", f"{A}/config", spec=F.CONFIG)
        if not isinstance(body, dict) or not isinstance(body.get("configs"), list):
            return []
        self.extend(
            f"GET {A}/config (FetchTagPolicySetting)", F.mrf_policies_problems(body["configs"])
        )
        return F.mrf_policies(body["configs"])

    # users.js FetchUsers / SearchUsers: what the Users page shows after every action.
    async def users(self, filters: str = "", page: int = 1, query: str = "", actor_types=()):
        url = f"{A}/users?query={query}&page={page}" if query else f"{A}/users?page={page}"
        url += f"&filters={filters}" + "".join(f"&actor_types[]={t}" for t in actor_types)
        body = await self.call("GET", url, spec=F.USERS_PAGE if filters == "" else None)
        if isinstance(body, dict) and filters and body.get("users"):
            self.extend(f"GET {url}", F.field_problems(body, F.USERS_PAGE))
        return body

    async def user_row(self, nickname: str, filters: str = "") -> dict | None:
        body = await self.users(filters=filters)
        if not isinstance(body, dict):
            return None
        return next((u for u in body.get("users", []) if u.get("nickname") == nickname), None)


def nicknames(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    return [u.get("nickname") for u in body.get("users", []) if isinstance(u, dict)]


async def adminfe_login(client, factory) -> AdminFE:
    """store/modules/user.js LoginByUsername, then GetUserInfo and the sidebar's count."""
    await factory.account("boss", is_admin=True)
    fe = AdminFE(client)
    app = await fe.call(
        "POST",
        "/api/v1/apps",
        json={
            "client_name": "AdminFE_0.5172",
            "redirect_uris": "https://admin.example/oauth-callback",
            "scopes": SCOPES,
        },
        spec={"client_id": F.STR, "client_secret": F.STR},
        auth=False,
    )
    token = app and await fe.call(
        "POST",
        "/oauth/token",
        json={
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "grant_type": "password",
            "username": "boss",
            "password": DEFAULT_PASSWORD,
        },
        spec=F.TOKEN,
        auth=False,
    )
    fe.assert_clean()  # nothing else can run without the token
    fe.token = token["access_token"]
    me = await fe.call("GET", "/api/v1/accounts/verify_credentials", spec=F.VERIFY_CREDENTIALS)
    fe.assert_clean()
    fe.expect(me["pleroma"]["is_admin"] is True, "verify_credentials: pleroma.is_admin not true")
    fe.me = me
    await fe.open_reports_count()  # views/layout/components/Sidebar mounted
    return fe


# --- the data the pages show -----------------------------------------------------------------


@dataclass
class World:
    alice: User
    bob: User
    statuses: dict[str, str] = field(default_factory=dict)  # visibility -> alice's status id
    report_id: str = ""
    reported_status_id: str = ""
    chat_id: str = ""
    message_ids: list[str] = field(default_factory=list)


async def seed(client, factory) -> World:
    """Accounts in every state the Users page filters on, alice's statuses in the four
    visibilities, bob's report on alice (with her public status), alice's chat with bob."""
    world = World(alice=await factory.user("alice"), bob=await factory.user("bob"))
    await factory.account("carol", is_approved=False, registration_reason="let me in please")
    await factory.account("dave", is_confirmed=False)
    await factory.account("erin")
    await factory.account("feedbot", actor_type="Application")
    await factory.account("modr", is_moderator=True)
    for visibility in ("public", "unlisted", "private", "direct"):
        status = await factory.status(
            world.alice.account, f"@bob a {visibility} post", visibility=visibility
        )
        world.statuses[visibility] = str(status.id)
    world.reported_status_id = world.statuses["public"]
    response = await client.post(
        "/api/v1/reports",
        json={
            "account_id": world.alice.id,
            "comment": "this is spam",
            "status_ids": [world.reported_status_id],
        },
        headers=world.bob.headers,
    )
    assert response.status_code == 200, response.text
    world.report_id = response.json()["id"]
    chat, messages = await chat_with(client, world.alice, world.bob, "hi bob", "still there?")
    world.chat_id = chat["id"]
    world.message_ids = [m["id"] for m in messages]
    return world


# --- the pages -------------------------------------------------------------------------------


async def test_login_as_adminfe_does(client, factory):
    """Login page: the app, the password grant, verify_credentials, then the layout."""
    fe = await adminfe_login(client, factory)
    await fe.page_opens()
    fe.expect(fe.me.get("username") == "boss", "verify_credentials: username is not boss")
    fe.assert_clean()


async def test_users_page(client, factory):
    """views/users/index.vue opening, its filters, search and paging, then every action of
    ModerationDropdown and MultipleUsersMenu, each followed by the list fetched again."""
    fe = await adminfe_login(client, factory)
    await seed(client, factory)
    await fe.call("GET", f"{A}/need_reboot", spec=F.NEED_REBOOT)
    await fe.tag_policy_setting()
    listed = await fe.users()
    await fe.call("GET", "/nodeinfo/2.0.json", spec=F.NODEINFO, auth=False)
    expected = {"alice", "bob", "boss", "carol", "dave", "erin", "feedbot", "modr"}
    fe.expect(expected <= set(nicknames(listed)), f"users?page=1&filters=: {nicknames(listed)}")
    if isinstance(listed, dict):
        fe.expect(listed.get("count") == len(expected), f"users count: {listed.get('count')}")

    # UsersFilter.vue: the filters AdminFE offers, joined with commas.
    for filters, present, absent in (
        ("local,active", {"alice"}, set()),
        ("external", set(), {"alice"}),
        ("deactivated", set(), {"alice"}),
        ("need_approval", {"carol"}, {"alice"}),
        ("unconfirmed", {"dave"}, {"alice"}),
        ("is_admin", {"boss"}, {"alice"}),
        ("is_moderator", {"modr"}, {"alice"}),
    ):
        found = set(nicknames(await fe.users(filters=filters)))
        fe.expect(
            present <= found and not (absent & found),
            f"users?page=1&filters={filters}: {sorted(found)}",
        )
    people = await fe.users(actor_types=("Person", "Service"))
    fe.expect(
        "alice" in nicknames(people),
        f"GET {A}/users?page=1&filters=&actor_types[]=Person&actor_types[]=Service\n"
        f"    alice (a Person) not listed: {nicknames(people)}",
    )
    bots = await fe.users(actor_types=("Application",))
    fe.expect(
        nicknames(bots) == ["feedbot"],
        f"GET {A}/users?page=1&filters=&actor_types[]=Application\n"
        f"    Person accounts listed (actor_types[] ignored?): {nicknames(bots)}",
    )
    searched = await fe.users(query="ali")
    fe.expect(nicknames(searched) == ["alice"], f"users?query=ali: {nicknames(searched)}")
    await fe.call("GET", f"{A}/users?page=2&filters=")

    # NewAccountDialog: CreateNewAccount.
    await fe.call(
        "POST",
        f"{A}/users",
        json={
            "users": [
                {"nickname": "newbie", "email": "newbie@example.org", "password": "a long password"}
            ]
        },
    )
    fe.expect(await fe.user_row("newbie") is not None, "new account newbie not listed")

    # ActivateUsers / DeactivateUsers.
    await fe.call("PATCH", f"{A}/users/deactivate", json={"nicknames": ["alice"]})
    row = await fe.user_row("alice")
    fe.expect(bool(row) and row.get("is_active") is False, f"after deactivate: {row}")
    await fe.call("PATCH", f"{A}/users/activate", json={"nicknames": ["alice"]})
    row = await fe.user_row("alice")
    fe.expect(bool(row) and row.get("is_active") is True, f"after activate: {row}")

    # AddTag / RemoveTag.
    await fe.call("PUT", f"{A}/users/tag", json={"nicknames": ["alice", "bob"], "tags": [TAG]})
    row = await fe.user_row("alice")
    fe.expect(bool(row) and TAG in row.get("tags", []), f"after tag: {row}")
    await fe.call("DELETE", f"{A}/users/tag", json={"nicknames": ["alice", "bob"], "tags": [TAG]})
    row = await fe.user_row("alice")
    fe.expect(bool(row) and TAG not in row.get("tags", []), f"after untag: {row}")

    # AddRight / DeleteRight (both groups).
    for right in ("moderator", "admin"):
        await fe.call("POST", f"{A}/users/permission_group/{right}", json={"nicknames": ["alice"]})
        row = await fe.user_row("alice")
        fe.expect(bool(row) and row["roles"].get(right) is True, f"after grant {right}: {row}")
        await fe.call(
            "DELETE", f"{A}/users/permission_group/{right}", json={"nicknames": ["alice"]}
        )
        row = await fe.user_row("alice")
        fe.expect(bool(row) and row["roles"].get(right) is False, f"after revoke {right}: {row}")

    # ApproveUsersAccount, ResendConfirmationEmail, ConfirmUsersEmail.
    await fe.call("PATCH", f"{A}/users/approve", json={"nicknames": ["carol"]})
    row = await fe.user_row("carol")
    fe.expect(bool(row) and row.get("is_approved") is True, f"after approve: {row}")
    await fe.call("PATCH", f"{A}/users/resend_confirmation_email", json={"nicknames": ["dave"]})
    await fe.call("PATCH", f"{A}/users/confirm_email", json={"nicknames": ["dave"]})
    row = await fe.user_row("dave")
    fe.expect(bool(row) and row.get("is_confirmed") is True, f"after confirm_email: {row}")

    # RequirePasswordReset, GetPasswordResetToken (ResetPasswordDialog), DisableMfa.
    await fe.call("PATCH", f"{A}/users/force_password_reset", json={"nicknames": ["bob"]})
    reset = await fe.call("GET", f"{A}/users/alice/password_reset", spec=F.PASSWORD_RESET)
    if isinstance(reset, dict) and isinstance(reset.get("link"), str):
        fe.expect(reset["link"].startswith("http"), f"password reset link: {reset['link']}")
    await fe.call("PUT", f"{A}/users/disable_mfa", json={"nickname": "alice"})

    # UpdateActorType, then FetchUserProfile of the user page it was done from.
    alice_row = await fe.user_row("alice")
    await fe.call("PATCH", f"{A}/users/alice/credentials", json={"actor_type": "Service"})
    if alice_row:
        shown = await fe.call("GET", f"{A}/users/{alice_row['id']}", spec=F.USER)
        fe.expect(
            isinstance(shown, dict) and shown.get("actor_type") == "Service",
            f"after actor_type Service: {shown and shown.get('actor_type')}",
        )
    await fe.call("PATCH", f"{A}/users/alice/credentials", json={"actor_type": "Person"})

    # EnableTagPolicy (offered when an mrf_tag is set and TagPolicy is off), then
    # FetchTagPolicySetting again.
    policies = await fe.tag_policy_setting()
    await fe.call(
        "POST",
        f"{A}/config",
        json={
            "configs": [
                {
                    "group": ":pleroma",
                    "key": ":mrf",
                    "value": [{"tuple": [":policies", [*policies, TAG_POLICY]]}],
                }
            ]
        },
        spec=F.CONFIG_SAVED,
    )
    policies = await fe.tag_policy_setting()
    fe.expect(TAG_POLICY in policies, f"after EnableTagPolicy, :mrf :policies = {policies}")

    # DeleteUsers: the row stays, deactivated, or goes.
    await fe.call("DELETE", f"{A}/users", json={"nicknames": ["erin"]})
    row = await fe.user_row("erin")
    fe.expect(row is None or row.get("is_active") is False, f"after delete: {row}")
    fe.assert_clean()


async def test_user_page(client, factory):
    """views/users/show.vue for alice: the user, her statuses (godmode off and on), her
    chats; the security settings dialog; a status changed and deleted from there."""
    fe = await adminfe_login(client, factory)
    world = await seed(client, factory)
    alice = world.alice.id
    await fe.call("GET", f"{A}/need_reboot", spec=F.NEED_REBOOT)
    await fe.call("GET", "/nodeinfo/2.0.json", spec=F.NODEINFO, auth=False)
    user = await fe.call("GET", f"{A}/users/{alice}", spec=F.USER)
    fe.expect(isinstance(user, dict) and user.get("nickname") == "alice", f"users/{alice}: {user}")
    public = await fe.call("GET", f"{A}/users/{alice}/statuses?godmode=false", spec=F.USER_STATUSES)
    seen = {s.get("visibility") for s in (public or {}).get("activities", [])}
    fe.expect(seen == {"public", "unlisted"}, f"statuses?godmode=false visibilities: {seen}")
    everything = await fe.call(
        "GET", f"{A}/users/{alice}/statuses?godmode=true", spec=F.USER_STATUSES
    )
    seen = {s.get("visibility") for s in (everything or {}).get("activities", [])}
    fe.expect(
        seen == {"public", "unlisted", "private", "direct"},
        f"statuses?godmode=true visibilities: {seen}",
    )
    chats = await fe.call(
        "GET", f"{A}/users/{alice}/chats", spec={"[]": F.DICT, **F.nest("[]", F.USER_CHAT)}
    )
    fe.expect(
        isinstance(chats, list) and [c.get("id") for c in chats] == [world.chat_id],
        f"users/{alice}/chats: {chats}",
    )

    # SecuritySettingsModal: FetchUserCredentials, UpdateUserCredentials (email, password).
    credentials = await fe.call("GET", f"{A}/users/alice/credentials", spec=F.CREDENTIALS)
    fe.expect(
        isinstance(credentials, dict) and credentials.get("email") == "alice@example.com",
        f"credentials email: {credentials and credentials.get('email')}",
    )
    await fe.call("PATCH", f"{A}/users/alice/credentials", json={"email": "alice@example.net"})
    credentials = await fe.call("GET", f"{A}/users/alice/credentials", spec=F.CREDENTIALS)
    fe.expect(
        isinstance(credentials, dict) and credentials.get("email") == "alice@example.net",
        f"credentials email after the change: {credentials and credentials.get('email')}",
    )
    await fe.call(
        "PATCH", f"{A}/users/alice/credentials", json={"password": "another long password"}
    )

    # ModerationDropdown on the profile: DeactivateUsers then FetchUserProfile.
    await fe.call("PATCH", f"{A}/users/deactivate", json={"nicknames": ["alice"]})
    user = await fe.call("GET", f"{A}/users/{alice}", spec=F.USER)
    fe.expect(
        isinstance(user, dict) and user.get("is_active") is False, f"after deactivate: {user}"
    )
    await fe.call("PATCH", f"{A}/users/activate", json={"nicknames": ["alice"]})

    # components/Status on the profile: ChangeStatusScope, DeleteStatus, each followed by
    # FetchUserStatuses.
    target = world.statuses["unlisted"]
    await fe.call(
        "PUT", f"{A}/statuses/{target}", json={"sensitive": True, "visibility": "unlisted"}
    )
    after = await fe.call("GET", f"{A}/users/{alice}/statuses?godmode=false", spec=F.USER_STATUSES)
    changed = next((s for s in (after or {}).get("activities", []) if s.get("id") == target), {})
    fe.expect(changed.get("sensitive") is True, f"after sensitive=true: {changed}")
    await fe.call("DELETE", f"{A}/statuses/{target}")
    after = await fe.call("GET", f"{A}/users/{alice}/statuses?godmode=false", spec=F.USER_STATUSES)
    ids = [s.get("id") for s in (after or {}).get("activities", [])]
    fe.expect(target not in ids, f"deleted status still listed: {ids}")
    fe.assert_clean()


async def test_reports_page(client, factory):
    """views/reports: the list (all, then the state filter), one report, notes, state
    changes, and the user and status actions of a report, each followed by what AdminFE
    fetches again."""
    fe = await adminfe_login(client, factory)
    world = await seed(client, factory)
    report = world.report_id
    await fe.page_opens()
    await fe.tag_policy_setting()
    listed = await fe.call("GET", f"{A}/reports?page=1&page_size=50", spec=F.REPORTS_PAGE)
    if isinstance(listed, dict) and isinstance(listed.get("reports"), list):
        fe.expect(
            [r.get("id") for r in listed["reports"]] == [report] and listed.get("total") == 1,
            f"reports: {[r.get('id') for r in listed['reports']]}, total {listed.get('total')}",
        )
    # ReportsFilter.vue.
    for state, count in (("open", 1), ("resolved", 0), ("closed", 0)):
        body = await fe.call(
            "GET", f"{A}/reports?state={state}&page=1&page_size=50", spec=F.OPEN_REPORTS_COUNT
        )
        fe.expect(
            isinstance(body, dict) and len(body.get("reports", [])) == count,
            f"reports?state={state}: {body and [r.get('state') for r in body.get('reports', [])]}",
        )
    # views/reports/show.vue.
    shown = await fe.call("GET", f"{A}/reports/{report}", spec=F.REPORT_WITH_STATUSES)
    if isinstance(shown, dict):
        fe.expect(
            shown.get("account", {}).get("nickname") == "alice", "report account is not alice"
        )
        fe.expect(shown.get("actor", {}).get("nickname") == "bob", "report actor is not bob")
        fe.expect(shown.get("content") == "this is spam", f"report content: {shown.get('content')}")

    # ReportContent: CreateReportNote; NoteCard: DeleteReportNote (then the report again).
    await fe.call("POST", f"{A}/reports/{report}/notes", json={"content": "looking into it"})
    shown = await fe.call(
        "GET", f"{A}/reports/{report}", spec={**F.REPORT, **F.nest("notes[]", F.REPORT_NOTE)}
    )
    notes = (shown or {}).get("notes") or [{}]
    fe.expect(notes[0].get("content") == "looking into it", f"report notes: {notes}")
    if notes[0].get("id") is not None:
        await fe.call("DELETE", f"{A}/reports/{report}/notes/{notes[0]['id']}")
        shown = await fe.call("GET", f"{A}/reports/{report}", spec=F.REPORT)
        fe.expect(
            (shown or {}).get("notes") == [], f"notes after delete: {(shown or {}).get('notes')}"
        )

    # Report.vue / show.vue: ChangeReportState, then FetchOpenReportsCount (and on the show
    # page FetchSingleReport).
    await fe.call("PATCH", f"{A}/reports", json={"reports": [{"state": "resolved", "id": report}]})
    fe.expect(await fe.open_reports_count() == 0, "open reports after resolving: not 0")
    shown = await fe.call("GET", f"{A}/reports/{report}", spec=F.REPORT)
    fe.expect((shown or {}).get("state") == "resolved", f"state: {(shown or {}).get('state')}")
    await fe.call("PATCH", f"{A}/reports", json={"reports": [{"state": "closed", "id": report}]})
    await fe.call("PATCH", f"{A}/reports", json={"reports": [{"state": "open", "id": report}]})
    fe.expect(await fe.open_reports_count() == 1, "open reports after reopening: not 1")

    # ModerateUserDropdown: the reported account deactivated, activated, tagged, untagged
    # (AdminFE patches its copy; the list fetched again must agree).
    await fe.call("PATCH", f"{A}/users/deactivate", json={"nicknames": ["alice"]})
    listed = await fe.call("GET", f"{A}/reports?page=1&page_size=50", spec=F.REPORTS_PAGE)
    account = ((listed or {}).get("reports") or [{}])[0].get("account", {})
    fe.expect(account.get("is_active") is False, f"reported account after deactivate: {account}")
    await fe.call("PATCH", f"{A}/users/activate", json={"nicknames": ["alice"]})
    await fe.call("PUT", f"{A}/users/tag", json={"nicknames": ["alice"], "tags": [TAG]})
    shown = await fe.call("GET", f"{A}/reports/{report}", spec=F.REPORT)
    fe.expect(
        TAG in (shown or {}).get("account", {}).get("tags", []), "tag not on the report's account"
    )
    await fe.call("DELETE", f"{A}/users/tag", json={"nicknames": ["alice"], "tags": [TAG]})

    # components/Status in a report: ChangeStatusScope then FetchReports; DeleteStatus then
    # FetchReports (the report must still render without its status).
    status = world.reported_status_id
    changed = await fe.call(
        "PUT",
        f"{A}/statuses/{status}",
        json={"sensitive": True, "visibility": "public"},
        spec={k: v for k, v in F.STATUS.items() if not k.startswith("account.")},
    )
    if isinstance(changed, dict):
        fe.expect(
            changed.get("sensitive") is True,
            f"PUT statuses answer: sensitive {changed.get('sensitive')}",
        )
    listed = await fe.call("GET", f"{A}/reports?page=1&page_size=50", spec=F.REPORTS_PAGE)
    statuses = ((listed or {}).get("reports") or [{}])[0].get("statuses") or [{}]
    fe.expect(statuses[0].get("sensitive") is True, f"reported status after change: {statuses[0]}")
    await fe.call(
        "PUT", f"{A}/statuses/{status}", json={"sensitive": False, "visibility": "unlisted"}
    )
    await fe.call("DELETE", f"{A}/statuses/{status}")
    await fe.call(
        "GET",
        f"{A}/reports?page=1&page_size=50",
        spec={"reports": F.LIST, "total": F.INT, **F.nest("reports[]", F.REPORT)},
    )

    # DeleteUserFromReports: the report still lists with its (now gone) account.
    await fe.call("DELETE", f"{A}/users", json={"nicknames": ["alice"]})
    listed = await fe.call(
        "GET",
        f"{A}/reports?page=1&page_size=50",
        spec={"reports": F.LIST, "total": F.INT, **F.nest("reports[]", F.REPORT)},
    )
    account = ((listed or {}).get("reports") or [{}])[0].get("account", {})
    fe.expect(account.get("is_active") is False, f"reported account after delete: {account}")
    fe.assert_clean()


async def test_statuses_pages(client, factory):
    """views/statuses/index.vue (counters, peers, the local instance with its two check
    boxes and "load more", another instance) and views/statuses/show.vue with its actions."""
    fe = await adminfe_login(client, factory)
    world = await seed(client, factory)
    await fe.page_opens()
    await fe.call("GET", "/api/v1/instance/peers", spec=F.PEERS)
    stats = await fe.call("GET", f"{A}/stats", spec=F.STATS)
    if isinstance(stats, dict):
        counts = stats.get("status_visibility", {})
        fe.expect(
            all(counts.get(v, 0) >= 1 for v in ("public", "unlisted", "private", "direct")),
            f"stats status_visibility: {counts}",
        )
    # The admin picks their own instance (HandleFilterChange, FetchStatusesByInstance).
    await fe.call("GET", f"{A}/stats?instance={HOST}", spec=F.STATS)
    base = f"{A}/statuses?godmode=%s&local_only=%s&page=%d&page_size=20"
    plain = await fe.call(
        "GET", base % ("false", "false", 1), spec={"[]": F.DICT, **F.nest("[]", F.STATUS)}
    )
    seen = {s.get("visibility") for s in plain or []}
    fe.expect(seen == {"public", "unlisted"}, f"statuses godmode=false: {seen}")
    godmode = await fe.call("GET", base % ("true", "false", 1), spec=F.nest("[]", F.STATUS))
    seen = {s.get("visibility") for s in godmode or []}
    fe.expect(seen == {"public", "unlisted", "private", "direct"}, f"statuses godmode=true: {seen}")
    await fe.call("GET", base % ("false", "true", 1), spec=F.nest("[]", F.STATUS))
    more = await fe.call("GET", base % ("false", "false", 2), spec=F.nest("[*]", F.STATUS))
    fe.expect(more == [], f"statuses page 2 (fewer than 20 in all): {more}")
    # Another instance: AdminFE takes the answer as a list of statuses; Pleroma answers
    # {"total", "activities"}; either must parse.
    remote = await fe.call("GET", f"{A}/instances/remote.example/statuses?page=1&page_size=20")
    fe.expect(
        remote == [] or (isinstance(remote, dict) and remote.get("activities") == []),
        f"instances/remote.example/statuses: {remote}",
    )

    # views/statuses/show.vue: FetchStatus, then FetchUserStatuses of its author.
    status = world.statuses["public"]
    shown = await fe.call("GET", f"{A}/statuses/{status}", spec=F.STATUS_PAGE)
    author = (shown or {}).get("account", {}).get("id")
    if author:
        await fe.call("GET", f"{A}/users/{author}/statuses?godmode=false", spec=F.USER_STATUSES)
    # ModerationDropdown on the status page: AddTag, then FetchStatusAfterUserModeration.
    await fe.call("PUT", f"{A}/users/tag", json={"nicknames": ["alice"], "tags": [TAG]})
    shown = await fe.call("GET", f"{A}/statuses/{status}", spec=F.STATUS_PAGE)
    fe.expect(
        TAG in (shown or {}).get("account", {}).get("tags", []), "tag not on the status author"
    )
    # Status: ChangeStatusScope, FetchStatusAfterUserModeration; DeleteStatus.
    await fe.call(
        "PUT", f"{A}/statuses/{status}", json={"sensitive": True, "visibility": "private"}
    )
    shown = await fe.call("GET", f"{A}/statuses/{status}", spec=F.STATUS_PAGE)
    fe.expect(
        (shown or {}).get("visibility") == "private" and (shown or {}).get("sensitive") is True,
        f"after the scope change: {shown and (shown.get('visibility'), shown.get('sensitive'))}",
    )
    await fe.call("DELETE", f"{A}/statuses/{status}")
    await fe.call("GET", f"{A}/statuses/{status}", ok=(404,))
    fe.assert_clean()


async def test_moderation_log_page(client, factory):
    """views/moderationLog: the log, the admin and moderator lists of its select, its
    filters (dates as the date picker gives them, actor, search)."""
    fe = await adminfe_login(client, factory)
    world = await seed(client, factory)
    await fe.call("PUT", f"{A}/users/tag", json={"nicknames": ["alice"], "tags": [TAG]})
    await fe.call(
        "PATCH", f"{A}/reports", json={"reports": [{"state": "resolved", "id": world.report_id}]}
    )
    await fe.page_opens()
    log = await fe.call("GET", f"{A}/moderation_log?page=1", spec=F.MODERATION_LOG)
    await fe.call("GET", f"{A}/users?filters=is_admin", spec=F.STAFF_LIST)
    await fe.call("GET", f"{A}/users?filters=is_moderator", spec=F.STAFF_LIST)
    if isinstance(log, dict) and isinstance(log.get("items"), list):
        fe.expect(log.get("total") == 2 and len(log["items"]) == 2, f"log: {log}")
        # LogEntryMessage: a report's entry links "#<id>" found in the message.
        for item in log["items"]:
            subject = item.get("data", {}).get("subject")
            if isinstance(subject, dict) and subject.get("type") == "report":
                fe.expect(
                    f"#{subject.get('id')}" in item.get("message", ""),
                    f"report log entry without #{subject.get('id')}: {item.get('message')}",
                )
    # fetchLogWithFilters: start_date, end_date (toISOString()), user_id, search, then page.
    now = datetime.now(UTC)
    iso = "%Y-%m-%dT%H:%M:%S.000Z"
    query = urlencode(
        {
            "start_date": (now - timedelta(days=1)).strftime(iso),
            "end_date": (now + timedelta(days=1)).strftime(iso),
            "user_id": fe.me["id"],
            "search": "tags",
            "page": 1,
        }
    )
    found = await fe.call("GET", f"{A}/moderation_log?{query}", spec=F.MODERATION_LOG)
    fe.expect(
        isinstance(found, dict) and found.get("total") == 1,
        f"moderation_log?{query}: {found}",
    )
    past = urlencode(
        {
            "start_date": (now - timedelta(days=3)).strftime(iso),
            "end_date": (now - timedelta(days=2)).strftime(iso),
            "page": 1,
        }
    )
    empty = await fe.call(
        "GET", f"{A}/moderation_log?{past}", spec={"items": F.LIST, "total": F.INT}
    )
    fe.expect(
        isinstance(empty, dict) and empty.get("total") == 0, f"moderation_log?{past}: {empty}"
    )
    fe.assert_clean()


async def test_invites_page(client, factory):
    """views/invites: the list, a token made (with and without a date), one sent by mail,
    one revoked."""
    fe = await adminfe_login(client, factory)
    info = await fe.call("GET", "/nodeinfo/2.0.json", spec=F.NODEINFO, auth=False)
    fe.expect(
        isinstance(info, dict) and info["metadata"].get("invitesEnabled") is True,
        "nodeinfo metadata.invitesEnabled is not true on an invite-only instance",
    )
    await fe.call("GET", f"{A}/need_reboot", spec=F.NEED_REBOOT)
    await fe.call("GET", f"{A}/users/invites", spec={"invites": F.LIST})
    made = await fe.call("POST", f"{A}/users/invite_token", json={"max_use": 5}, spec=F.NEW_INVITE)
    fe.expect(isinstance(made, dict) and made.get("max_use") == 5, f"invite_token: {made}")
    dated = await fe.call(
        "POST",
        f"{A}/users/invite_token",
        json={"max_use": 1, "expires_at": "2030-01-01"},
        spec=F.NEW_INVITE,
    )
    fe.expect(
        isinstance(dated, dict) and str(dated.get("expires_at", "")).startswith("2030-01-01"),
        f"dated invite_token: {dated}",
    )
    listed = await fe.call("GET", f"{A}/users/invites", spec=F.INVITES)
    fe.expect(len((listed or {}).get("invites", [])) == 2, f"invites: {listed}")
    await fe.call(
        "POST", f"{A}/users/email_invite", json={"email": "friend@example.org", "name": "Friend"}
    )
    await fe.call("POST", f"{A}/users/email_invite", json={"email": "other@example.org"})
    if isinstance(made, dict) and made.get("token"):
        await fe.call(
            "POST", f"{A}/users/revoke_invite", json={"token": made["token"]}, spec=F.INVITE
        )
        listed = await fe.call("GET", f"{A}/users/invites", spec=F.INVITES)
        revoked = [i for i in (listed or {}).get("invites", []) if i.get("token") == made["token"]]
        fe.expect(bool(revoked) and revoked[0].get("used") is True, f"revoked invite: {revoked}")
    fe.assert_clean()


async def test_relays_page(client, factory):
    """views/relays: the list (following a relay needs federation; not here)."""
    fe = await adminfe_login(client, factory)
    relays = await fe.call("GET", f"{A}/relay", spec=F.RELAYS)
    fe.expect(isinstance(relays, dict) and relays.get("relays") == [], f"relay: {relays}")
    fe.assert_clean()


async def test_emoji_packs_tab(client, factory):
    """Settings, Emoji tab (views/settings/components/Emoji.vue, views/emojiPacks): the local
    packs, a pack made, its metadata saved, a file added, renamed and removed, the import from
    the emoji directory, the pack deleted; ReloadEmoji after each as AdminFE does."""
    fe = await adminfe_login(client, factory)
    await fe.page_opens()
    name = "adminfe_pack"
    packs_url = "/api/v1/pleroma/emoji/packs?page=1&page_size=50"
    await fe.call("GET", packs_url, spec={"packs": F.DICT, "count": F.INT})
    await fe.call("POST", f"/api/v1/pleroma/emoji/pack?name={name}")
    await fe.call("POST", f"{A}/reload_emoji")
    packs = await fe.call("GET", packs_url, spec=F.EMOJI_PACKS)
    fe.expect(name in (packs or {}).get("packs", {}), f"packs after create: {packs}")
    pack_url = f"/api/v1/pleroma/emoji/pack?name={name}&page=1&page_size=30"
    pack = await fe.call("GET", pack_url, spec=F.EMOJI_PACK)
    metadata = {
        **((pack or {}).get("pack") or {}),
        "description": "made by AdminFE",
        "license": "CC0",
    }
    saved = await fe.call(
        "PATCH",
        f"/api/v1/pleroma/emoji/pack?name={name}",
        json={"metadata": metadata},
        spec={"": F.DICT},
    )
    fe.expect((saved or {}).get("description") == "made by AdminFE", f"saved metadata: {saved}")
    # NewEmojiUploader: AddNewEmojiFile (shortcode, file; filename left out when empty).
    files = await fe.call(
        "POST",
        f"/api/v1/pleroma/emoji/packs/files?name={name}",
        data={"shortcode": "blobcat"},
        files={"file": ("blobcat.png", png_bytes(), "image/png")},
        spec={"": F.DICT},
    )
    fe.expect("blobcat" in (files or {}), f"files after upload: {files}")
    await fe.call("POST", f"{A}/reload_emoji")
    # SingleEmojiEditor: UpdateEmojiFile, then FetchLocalSinglePack; DeleteEmojiFile.
    await fe.call(
        "PATCH",
        f"/api/v1/pleroma/emoji/packs/files?name={name}",
        json={
            "shortcode": "blobcat",
            "new_shortcode": "blobcat2",
            "new_filename": "blobcat2.png",
            "force": False,
        },
    )
    pack = await fe.call("GET", pack_url, spec=F.EMOJI_PACK)
    fe.expect("blobcat2" in (pack or {}).get("files", {}), f"files after rename: {pack}")
    await fe.call("DELETE", f"/api/v1/pleroma/emoji/packs/files?name={name}&shortcode=blobcat2")
    await fe.call("GET", pack_url, spec={"files": F.DICT, "files_count": F.INT})
    # ImportFromFS.
    await fe.call("GET", "/api/v1/pleroma/emoji/packs/import", spec={"[*]": F.STR})
    # LocalEmojiPack: DeletePack, then ReloadEmoji and FetchLocalEmojiPacks.
    await fe.call("DELETE", f"/api/v1/pleroma/emoji/pack?name={name}")
    await fe.call("POST", f"{A}/reload_emoji")
    packs = await fe.call("GET", packs_url, spec={"packs": F.DICT, "count": F.INT})
    fe.expect(name not in (packs or {}).get("packs", {}), f"packs after delete: {packs}")
    fe.assert_clean()


async def test_settings_page(client, factory):
    """views/settings: the saved and default settings and their descriptions (everything
    AdminFE's normalizers parse), a setting saved and removed as its inputs send it, the
    frontends table, the instance panel and terms of service documents."""
    fe = await adminfe_login(client, factory)
    await fe.page_opens()
    config = await fe.call("GET", f"{A}/config", spec=F.CONFIG)
    if isinstance(config, dict) and isinstance(config.get("configs"), list):
        fe.extend(f"GET {A}/config (SET_SETTINGS)", F.config_problems(config["configs"]))
        keys = {(c.get("group"), c.get("key")) for c in config["configs"]}
        fe.expect((":pleroma", ":instance") in keys, "config has no :pleroma :instance")
    descriptions = await fe.call("GET", f"{A}/config/descriptions", spec=F.DESCRIPTIONS)
    if isinstance(descriptions, list):
        fe.extend(
            f"GET {A}/config/descriptions (formSearchObject)", F.description_problems(descriptions)
        )
        fe.expect(
            any(d.get("key") == ":instance" for d in descriptions if isinstance(d, dict)),
            "descriptions have no :instance (Instance.vue finds it by key)",
        )

    # Inputs.vue + SubmitChanges: the changed input wrapped as a tuple, then GET /config.
    await fe.call(
        "POST",
        f"{A}/config",
        json={
            "configs": [
                {
                    "group": ":pleroma",
                    "key": ":instance",
                    "value": [{"tuple": [":name", "AdminFE test"]}],
                }
            ]
        },
        spec=F.CONFIG_SAVED,
    )
    config = await fe.call("GET", f"{A}/config", spec=F.CONFIG)
    fe.expect(_setting(config, ":instance", ":name") == "AdminFE test", "instance name not saved")
    if isinstance(config, dict) and isinstance(config.get("configs"), list):
        fe.extend(
            f"GET {A}/config after a save (SET_SETTINGS)", F.config_problems(config["configs"])
        )
    # Setting.vue RemoveSetting: the subkey deleted, then GET /config.
    await fe.call(
        "POST",
        f"{A}/config",
        json={
            "configs": [
                {"group": ":pleroma", "key": ":instance", "delete": True, "subkeys": [":name"]}
            ]
        },
        spec=F.CONFIG_SAVED,
    )
    config = await fe.call("GET", f"{A}/config", spec=F.CONFIG)
    fe.expect(_setting(config, ":instance", ":name") != "AdminFE test", "instance name not removed")

    # FrontendsTable.vue.
    await fe.call("GET", f"{A}/frontends", spec=F.FRONTENDS)
    # Instance.vue / Other.vue: FetchInstanceDocument, UpdateInstanceDocs (a text/html
    # blob in a form), RemoveInstanceDocument then FetchInstanceDocument.
    for document in ("instance-panel", "terms-of-service"):
        await fe.call("GET", f"{A}/instance_document/{document}")
    html = "<p>Welcome to our instance</p>"
    await fe.call(
        "PATCH",
        f"{A}/instance_document/instance-panel",
        files={"file": ("blob", html.encode(), "text/html")},
    )
    panel = await fe.call("GET", f"{A}/instance_document/instance-panel")
    fe.expect(isinstance(panel, str) and html in panel, f"instance panel: {panel!r:.200}")
    await fe.call("DELETE", f"{A}/instance_document/instance-panel")
    await fe.call("GET", f"{A}/instance_document/instance-panel")
    fe.assert_clean()


def _setting(config: Any, key: str, subkey: str) -> Any:
    if not isinstance(config, dict):
        return None
    for entry in config.get("configs", []):
        if entry.get("group") == ":pleroma" and entry.get("key") == key:
            for item in entry.get("value") or []:
                if isinstance(item, dict) and item.get("tuple", [None])[0] == subkey:
                    return item["tuple"][1]
    return None


async def test_chat_page(client, factory):
    """views/chats/show.vue (opened from the user page): the chat, its messages, "load
    more" (max_id), a message deleted then the messages fetched again."""
    fe = await adminfe_login(client, factory)
    world = await seed(client, factory)
    chat = world.chat_id
    await fe.page_opens()
    shown = await fe.call("GET", f"{A}/chats/{chat}", spec=F.CHAT)
    if isinstance(shown, dict):
        fe.expect(
            shown.get("sender", {}).get("id") == world.alice.id
            and shown.get("receiver", {}).get("id") == world.bob.id,
            f"chat sender/receiver: {shown.get('sender')}, {shown.get('receiver')}",
        )
    messages = await fe.call("GET", f"{A}/chats/{chat}/messages", spec=F.nest("[]", F.CHAT_MESSAGE))
    ids = [m.get("id") for m in messages or []]
    fe.expect(sorted(ids) == sorted(world.message_ids), f"messages: {ids}")
    # ChatMessage's author: getAuthor(message.account_id) among sender and receiver.
    fe.expect(
        all(m.get("account_id") == world.alice.id for m in messages or []),
        "message account_id is not the sender's id",
    )
    newest = max(world.message_ids, key=int)
    older = await fe.call(
        "GET", f"{A}/chats/{chat}/messages?max_id={newest}", spec=F.nest("[*]", F.CHAT_MESSAGE)
    )
    fe.expect(
        [m.get("id") for m in older or []] == [min(world.message_ids, key=int)],
        f"messages?max_id={newest}: {older}",
    )
    await fe.call("DELETE", f"{A}/chats/{chat}/messages/{newest}")
    messages = await fe.call(
        "GET", f"{A}/chats/{chat}/messages", spec=F.nest("[*]", F.CHAT_MESSAGE)
    )
    fe.expect(newest not in [m.get("id") for m in messages or []], "deleted message still listed")
    fe.assert_clean()

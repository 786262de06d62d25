"""What AdminFE reads from each answer, as field paths and types, and the checks that find
what would break it.

AdminFE (Pleroma's admin-fe; read from the public fork ``animeavi/admin-fe``: ``src/api/*.js``
send the requests, ``src/store/modules/*.js`` keep the answers, ``src/views`` and
``src/components`` read them) reads these fields and nothing else of the answers below. A
missing field or one of another type shows as a blank, a wrong badge or a JavaScript error in
the page, so tests/e2e/test_adminfe_calls.py checks every answer against these lists.

A spec maps a dotted path to the types allowed there. Path segments:

- ``name``: a key of an object;
- ``name[]``: each element of a list, which must not be empty (the test seeds data so that
  every list AdminFE iterates has something to check);
- ``name[*]``: each element of a list that may be empty;
- ``name{}``: each value of an object used as a map (emoji packs by name), not empty.

A segment may also be just ``[]`` / ``[*]`` / ``{}`` for the answer itself.
"""

from __future__ import annotations

from typing import Any

NONE = type(None)
STR = (str,)
BOOL = (bool,)
INT = (int,)
LIST = (list,)
DICT = (dict,)
ANY = (object,)
OPT_STR = (str, NONE)
OPT_INT = (int, NONE)
OPT_DICT = (dict, NONE)
# Pleroma's report note, invite and log entry ids are database integers; AdminFE only puts
# them back into URLs, so a string id works as well.
ID_OR_INT = (str, int)

Spec = dict[str, tuple]


def nest(prefix: str, spec: Spec) -> Spec:
    """``spec``'s paths under ``prefix`` (``nest("users[]", USER)``)."""
    return {f"{prefix}.{path}": types for path, types in spec.items()}


# --- the answers -----------------------------------------------------------------------------

TOKEN: Spec = {"access_token": STR}

# /api/v1/accounts/verify_credentials (store/modules/user.js GetUserInfo: refuses the login
# unless pleroma.is_admin; keeps username, id, avatar).
VERIFY_CREDENTIALS: Spec = {"id": STR, "username": STR, "avatar": STR, "pleroma.is_admin": BOOL}

# /nodeinfo/2.0.json (user.js GetNodeInfo: the Invites menu item; ModerationDropdown and
# MultipleUsersMenu read mailerEnabled before "require password reset").
NODEINFO: Spec = {"metadata.invitesEnabled": BOOL, "metadata.mailerEnabled": BOOL}

NEED_REBOOT: Spec = {"need_reboot": BOOL}

# The admin account view as the Users page, the user page and ModerationDropdown read it.
USER: Spec = {
    "id": STR,
    "nickname": STR,
    "local": BOOL,
    "is_active": BOOL,
    "is_approved": BOOL,
    "is_confirmed": BOOL,
    "roles.admin": BOOL,
    "roles.moderator": BOOL,
    "tags": LIST,
    "registration_reason": OPT_STR,
    "avatar": STR,
    "url": STR,
    "actor_type": STR,
}

USERS_PAGE: Spec = {"users": LIST, "count": INT, "page_size": INT, **nest("users[]", USER)}

# moderationLog.js FetchAdmins: the "filter by admin/moderator" select.
STAFF_LIST: Spec = {"users[].id": STR, "users[].nickname": STR}

CREDENTIALS: Spec = {"email": OPT_STR, "actor_type": STR}
PASSWORD_RESET: Spec = {"token": STR, "link": STR}

# components/Status: the card of a status (reports, the user page, the statuses pages).
STATUS: Spec = {
    "id": STR,
    "content": STR,
    "created_at": STR,
    "sensitive": BOOL,
    "visibility": STR,
    "spoiler_text": STR,
    "media_attachments": LIST,
    "url": OPT_STR,
    "poll": OPT_DICT,
    "account.id": STR,
    "account.nickname": STR,
    "account.avatar": STR,
}

# views/statuses/show.vue: the status and, for ModerationDropdown, its author as an admin
# account (Pleroma's AdminAPI.StatusView merges the admin account view into ``account``).
STATUS_PAGE: Spec = {**STATUS, **nest("account", USER)}

USER_STATUSES: Spec = {"activities": LIST, **nest("activities[]", STATUS)}

# views/users/show.vue: the user's chats.
USER_CHAT: Spec = {
    "id": STR,
    "receiver.avatar": STR,
    "receiver.username": STR,
    "last_message.content": STR,
}

# views/chats/show.vue and components/ChatMessage.
PARTICIPANT: Spec = {"id": STR, "avatar": STR, "display_name": STR, "url": STR}
CHAT: Spec = {"id": STR, **nest("sender", PARTICIPANT), **nest("receiver", PARTICIPANT)}
CHAT_MESSAGE: Spec = {
    "id": STR,
    "account_id": STR,
    "chat_id": STR,
    "content": STR,
    "created_at": STR,
    "attachment": OPT_DICT,
}

# views/reports: Report, ReportContent, ModerateUserDropdown, show.vue.
REPORT: Spec = {
    "id": STR,
    "created_at": STR,
    "state": STR,
    "content": OPT_STR,
    "account.id": STR,
    "account.nickname": STR,
    "account.avatar": STR,
    "account.url": STR,
    "account.is_active": BOOL,
    "account.local": BOOL,
    "account.tags": LIST,
    "actor.id": STR,
    "actor.nickname": STR,
    "actor.avatar": STR,
    "actor.url": STR,
    "statuses": LIST,
    "notes": LIST,
}
# A reported status: Pleroma renders it with the Mastodon account (no ``nickname``) and
# ReportContent passes ``status.account.nickname ? status.account : report.account`` to the
# card, so only the object itself is needed.
REPORTED_STATUS: Spec = {
    **{path: types for path, types in STATUS.items() if not path.startswith("account.")},
    "account": DICT,
}
REPORT_WITH_STATUSES: Spec = {**REPORT, **nest("statuses[]", REPORTED_STATUS)}
# NoteCard.
REPORT_NOTE: Spec = {
    "id": ID_OR_INT,
    "content": STR,
    "created_at": STR,
    "user.id": STR,
    "user.nickname": STR,
    "user.avatar": STR,
}
REPORTS_PAGE: Spec = {"reports": LIST, "total": INT, **nest("reports[]", REPORT_WITH_STATUSES)}
OPEN_REPORTS_COUNT: Spec = {"total": INT}

# status.js FetchStatusesCount: the four counters of the Statuses page.
STATS: Spec = {
    "status_visibility.public": INT,
    "status_visibility.unlisted": INT,
    "status_visibility.private": INT,
    "status_visibility.direct": INT,
}
PEERS: Spec = {"[*]": STR}

MODERATION_LOG: Spec = {
    "items": LIST,
    "total": INT,
    "items[].id": ID_OR_INT,
    "items[].time": INT,
    "items[].message": STR,
    "items[].data": DICT,
    # views/moderationLog: ``propertyExists(logEntry.data.actor, 'nickname')`` throws when
    # ``data.actor`` is missing.
    "items[].data.actor.id": STR,
    "items[].data.actor.nickname": STR,
}

INVITE: Spec = {
    "id": ID_OR_INT,
    "token": STR,
    "expires_at": OPT_STR,
    "max_use": OPT_INT,
    "uses": INT,
    "used": BOOL,
}
INVITES: Spec = {"invites": LIST, **nest("invites[]", INVITE)}
NEW_INVITE: Spec = {"token": STR, "max_use": OPT_INT, "expires_at": OPT_STR}

RELAYS: Spec = {"relays": LIST, "relays[*].actor": STR, "relays[*].followed_back": BOOL}

CONFIG: Spec = {
    "configs": LIST,
    "need_reboot": BOOL,
    "configs[].group": STR,
    "configs[].key": STR,
    "configs[].value": ANY,
}
# POST /config: AdminFE does not read the answer (it fetches GET /config again), which
# holds only the entries just saved, none after a delete.
CONFIG_SAVED: Spec = {"configs": LIST, "need_reboot": BOOL}
DESCRIPTIONS: Spec = {"[]": DICT, "[].group": STR}
FRONTENDS: Spec = {"[*].name": STR, "[*].installed": BOOL}

# emojiPacks.js FetchLocalEmojiPacks / FetchLocalSinglePack, LocalEmojiPack.vue.
EMOJI_PACKS: Spec = {"packs": DICT, "count": INT, "packs{}.pack": DICT}
EMOJI_PACK: Spec = {"files": DICT, "files_count": INT, "pack": DICT}


# --- the checks ------------------------------------------------------------------------------


def _type_names(types: tuple) -> str:
    return " or ".join("null" if t is NONE else t.__name__ for t in types)


def _type_ok(value: Any, types: tuple) -> bool:
    if isinstance(value, bool) and bool not in types and object not in types:
        return False  # JSON true is not a number
    return isinstance(value, types)


def _walk(node: Any, segments: list[str], done: str, types: tuple, problems: list[str]) -> None:
    if not segments:
        if not _type_ok(node, types):
            problems.append(
                f"{done or '(answer)'}: {_show(node)}, AdminFE needs {_type_names(types)}"
            )
        return
    segment, rest = segments[0], segments[1:]
    for suffix in ("[]", "[*]", "{}"):
        if segment.endswith(suffix):
            name = segment[: -len(suffix)]
            break
    else:
        suffix, name = "", segment
    if name:
        if not isinstance(node, dict):
            problems.append(f"{done or '(answer)'}: {_show(node)}, AdminFE needs an object")
            return
        if name not in node:
            problems.append(f"{_join(done, name)}: missing")
            return
        node, done = node[name], _join(done, name)
    if suffix in ("[]", "[*]"):
        if not isinstance(node, list):
            problems.append(f"{done or '(answer)'}: {_show(node)}, AdminFE needs a list")
            return
        if suffix == "[]" and not node:
            problems.append(f"{done or '(answer)'}: empty list, nothing to check")
        for index, item in enumerate(node):
            _walk(item, rest, f"{done}[{index}]", types, problems)
    elif suffix == "{}":
        if not isinstance(node, dict) or not node:
            problems.append(f"{done or '(answer)'}: {_show(node)}, AdminFE needs a non-empty map")
            return
        for key, item in node.items():
            _walk(item, rest, f"{done}{{{key}}}", types, problems)
    else:
        _walk(node, rest, done, types, problems)


def _join(done: str, name: str) -> str:
    return f"{done}.{name}" if done else name


def _show(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def field_problems(data: Any, spec: Spec) -> list[str]:
    """Every path of ``spec`` missing from ``data`` or holding another type (empty: fine)."""
    problems: list[str] = []
    for path, types in spec.items():
        _walk(data, path.split("."), "", types, problems)
    return problems


# store/modules/normalizers.js: how SET_SETTINGS reads each {group, key, value} of GET /config.
# A value it takes as is: a scalar, null, a non-empty list of scalars, or one of these keys;
# anything else goes through parseTuples, which needs a list of {"tuple": [name, value]} and
# fails on an object or a list of anything else.
_PLAIN_KEYS = {
    ":meta",
    ":types",
    ":extensions",
    ":backends",
    ":compiled_template_engines",
    ":compiled_format_encoders",
}


def _js_is_object(value: Any) -> bool:
    """JavaScript's ``typeof value === 'object'`` (objects, arrays and null)."""
    return value is None or isinstance(value, (dict, list))


def _plain_value(key: str, value: Any) -> bool:
    if key in _PLAIN_KEYS or not isinstance(value, (dict, list)):
        return True
    return bool(value) and isinstance(value, list) and not any(map(_js_is_object, value))


def _tuples_problems(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        return [f"{where}: {_show(value)}, AdminFE's parseTuples needs a list of tuples"]
    problems = []
    for index, item in enumerate(value):
        here = f"{where}[{index}]"
        if not (isinstance(item, dict) and isinstance(item.get("tuple"), list) and item["tuple"]):
            problems.append(f'{here}: {_show(item)}, AdminFE needs {{"tuple": [name, value]}}')
            continue
        name, inner = item["tuple"][0], item["tuple"][1] if len(item["tuple"]) > 1 else None
        nested = (
            isinstance(inner, list) and inner and isinstance(inner[0], dict) and "tuple" in inner[0]
        )
        if nested:
            problems += _tuples_problems(inner, f"{here}<{name}>")
        elif name in (":ip", ":prune") and isinstance(inner, dict) and "tuple" not in inner:
            problems.append(f'{here}<{name}>: {_show(inner)}, AdminFE needs {{"tuple": [...]}}')
    return problems


def config_problems(configs: list[dict]) -> list[str]:
    """What would break AdminFE's SET_SETTINGS on GET /config's ``configs``."""
    problems = []
    for index, entry in enumerate(configs):
        key, value = entry.get("key"), entry.get("value")
        if not _plain_value(key, value):
            problems += _tuples_problems(value, f"configs[{index}] {entry.get('group')} {key}")
    return problems


def mrf_policies_problems(configs: list[dict]) -> list[str]:
    """users.js FetchTagPolicySetting reads the ``:mrf`` value with ``.find(el => el.tuple[0]
    === ':policies')``: when the entry exists its value must be a list of tuples."""
    for entry in configs:
        if entry.get("key") == ":mrf":
            return _tuples_problems(entry.get("value"), f"{entry.get('group')} :mrf")
    return []


def mrf_policies(configs: list[dict]) -> list[str]:
    """The MRF policies as AdminFE's FetchTagPolicySetting finds them."""
    for entry in configs:
        if entry.get("key") == ":mrf" and isinstance(entry.get("value"), list):
            for item in entry["value"]:
                if isinstance(item, dict) and item.get("tuple", [None])[0] == ":policies":
                    found = item["tuple"][1]
                    return found if isinstance(found, list) else [found]
    return []


def description_problems(descriptions: list, where: str = "descriptions") -> list[str]:
    """What would break AdminFE's formSearchObject (``key``, ``label`` and ``description``
    lower-cased when set: strings) and the settings tabs (``children[0].key`` read whenever
    ``children`` is set: a non-empty list)."""
    problems = []
    if not isinstance(descriptions, list):
        return [f"{where}: {_show(descriptions)}, AdminFE needs a list"]
    for index, entry in enumerate(descriptions):
        here = f"{where}[{index}]"
        if isinstance(entry, dict) and (entry.get("key") or entry.get("group")):
            here += f" ({entry.get('key') or entry.get('group')})"
        if not isinstance(entry, dict):
            problems.append(f"{here}: {_show(entry)}, AdminFE needs an object")
            continue
        if not entry.get("key") and not entry.get("group"):
            problems.append(f"{here}: neither key nor group")
        for name in ("key", "label", "description"):
            if entry.get(name) and not isinstance(entry[name], str):
                problems.append(f"{here}.{name}: {_show(entry[name])}, AdminFE needs a string")
        children = entry.get("children")
        if children:
            problems += description_problems(children, f"{here}.children")
        elif children == []:
            # ``setting.children && setting.children[0].key`` (settings/components/*.vue):
            # an empty list is truthy in JavaScript.
            problems.append(f"{here}.children: empty list, AdminFE reads children[0].key")
        elif children is not None and children is not False:
            problems.append(f"{here}.children: {_show(children)}, AdminFE needs a list")
    return problems

"""GET /api/pleroma/admin/config/descriptions: every key of config_map.py described in the
shape of Pleroma's ``Pleroma.Docs.JSON`` (what AdminFE builds its settings pages from).

Each key: ``group``, ``key``, ``label``, ``type: "group"``, ``description``, ``children``
(and for MRF policies ``tab`` and ``related_policy``); each child: ``key``, ``label``,
``type`` (``"string"``, ``["list", "string"]``, ...), ``description``, ``suggestions``
when there are some, its own ``children`` when it is a keyword list or a map. A child whose
change waits for a restart says so in its description.
"""

from __future__ import annotations

from pyleroma.services.instance.config_fields import LIVE, PROCESS, Child, KeySpec, humanize
from pyleroma.services.instance.config_map import KEYS

_WHEN = {
    "reboot": " (applied by a restart: GET /api/pleroma/admin/restart)",
    PROCESS: " (applied when the server process starts again)",
}


def _child(child: Child) -> dict:
    described = {
        "key": child.key,
        "label": child.label or humanize(child.key),
        "type": child.type,
        "description": child.description + ("" if child.level == LIVE else _WHEN[child.level]),
    }
    if child.suggestions:
        described["suggestions"] = list(child.suggestions)
    described.update(child.extra)
    if child.children:
        described["children"] = [_child(c) for c in child.children]
    return described


def describe_key(spec: KeySpec) -> dict:
    described = {
        "group": spec.group,
        "key": spec.key,
        "label": spec.label or humanize(spec.key),
        "type": "group",
        "description": spec.description,
        **spec.extra,
    }
    if spec.whole is not None:
        whole = _child(spec.whole)
        described["type"] = "group" if spec.whole.children else whole["type"]
        if "suggestions" in whole:
            described["suggestions"] = whole["suggestions"]
        if whole.get("children"):  # AdminFE reads children[0] of any list given
            described["children"] = whole["children"]
    else:
        described["children"] = [_child(c) for c in spec.children]
    return described


def descriptions() -> list[dict]:
    return [describe_key(spec) for spec in KEYS]

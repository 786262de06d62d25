"""VocabularyPolicy: which kinds of activity and object are taken (Pleroma's
``:mrf_vocabulary``), for instances that want, say, no Likes or no Articles.

``accept`` (when not empty) lists the types taken, ``reject`` the types refused. As in
Pleroma, the type of the activity is checked and then the type of the object it embeds,
down the embedding: a Create of a Note needs both "Create" and "Note" in a non-empty
``accept``; an Accept of a Follow, both "Accept" and "Follow". An Undo is judged by what
it undoes (its own type is not checked), so accepting "Follow" also takes the Undo of a
Follow. An object named only by its id has no type to check. Types are compared as sent
after normalisation (``as:Note`` is ``Note``).
"""

from __future__ import annotations

import re
from typing import Any

from pyleroma.activities.mrf.base import Policy, reject
from pyleroma.settings import SettingsError

_TYPE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Embedded activities are at most a few deep (normalize.MAX_EMBEDDED_ACTIVITIES), but the
# walk has its own bound anyway.
_MAX_DEPTH = 8


def type_names(setting: str, values: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        name = value.strip()
        if not _TYPE_NAME.fullmatch(name):
            raise SettingsError(f"{setting}: {value!r} is not an ActivityStreams type name")
        if name not in found:
            found.append(name)
    return tuple(found)


class VocabularyPolicy(Policy):
    name = "VocabularyPolicy"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.accept = type_names("mrf_vocabulary_accept", settings.mrf_vocabulary_accept)
        self.reject = type_names("mrf_vocabulary_reject", settings.mrf_vocabulary_reject)

    async def filter(self, ctx, activity):
        self._check(activity, 0)
        return activity

    def _check(self, item: Any, depth: int) -> None:
        if not isinstance(item, dict) or depth > _MAX_DEPTH:
            return
        kind = item.get("type")
        if kind == "Undo":
            self._check(item.get("object"), depth + 1)
            return
        if not isinstance(kind, str):
            return
        if self.accept and kind not in self.accept:
            raise reject(self, f"{kind} not in accept list")
        if kind in self.reject:
            raise reject(self, f"{kind} in reject list")
        self._check(item.get("object"), depth + 1)

    def describe(self) -> dict[str, Any]:
        return {"mrf_vocabulary": {"accept": list(self.accept), "reject": list(self.reject)}}

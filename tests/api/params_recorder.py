"""Which parameter names a request's handler asks of ``Params``, to hold the OpenAPI
declarations to the code (the drift guard of test_openapi_fuzz.py).

``recording()`` swaps a recording subclass in where request parameters are built
(``api/params.get_params``, the media upload reader) for the duration of a test module, so
production code carries no hook at all. Only the request's own parameters are recorded:
``Params`` built by services over nested values (a poll, a filter's keywords) are not, and
a ``sub()`` of the request's parameters records ``outer.inner``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pyleroma.api import params as params_module
from pyleroma.api.mastodon import media as media_module
from pyleroma.api.params import Params

ACCESSORS = ("raw", "has", "str", "bool", "int", "list", "str_list", "dict", "file")


class RecordingParams(Params):
    asked: list[str] = []  # replaced by recording(); one request runs at a time
    prefix = ""

    def __contains__(self, name: str) -> bool:
        self.asked.append(self.prefix + name)
        return super().__contains__(name)

    def sub(self, name: str) -> Params:
        child = super().sub(name)
        child.prefix = f"{self.prefix}{name}."
        return child


def _recorded(method_name: str):
    original = getattr(Params, method_name)

    def method(self, name, *args, **kwargs):
        self.asked.append(self.prefix + name)
        return original(self, name, *args, **kwargs)

    method.__name__ = method_name
    return method


for _name in ACCESSORS:
    setattr(RecordingParams, _name, _recorded(_name))


@contextmanager
def recording() -> Iterator[list[str]]:
    """Record the names asked while active; yields the (shared, cleared by ``take``) list."""
    asked: list[str] = []
    RecordingParams.asked = asked
    saved = (params_module.Params, media_module.Params)
    params_module.Params = RecordingParams
    media_module.Params = RecordingParams
    try:
        yield asked
    finally:
        params_module.Params, media_module.Params = saved


def take(asked: list[str]) -> list[str]:
    names = list(dict.fromkeys(asked))
    asked.clear()
    return names


def declared_names(operation: dict) -> dict[str, dict]:
    """Name -> schema of everything an operation declares it reads (``[]`` stripped)."""
    found: dict[str, dict] = {}
    for item in operation.get("parameters", []):
        found[item["name"].removesuffix("[]")] = item.get("schema", {})
    for content in operation.get("requestBody", {}).get("content", {}).values():
        for name, schema in content.get("schema", {}).get("properties", {}).items():
            found[name.removesuffix("[]")] = schema
    return found


def undeclared(operation: dict, asked: list[str], components: dict) -> list[str]:
    """The names in ``asked`` the operation does not declare (nested ones checked against
    the declared object's properties when it lists them)."""
    declared = declared_names(operation)
    missing = []
    for name in asked:
        head, _, rest = name.partition(".")
        if head not in declared:
            missing.append(name)
            continue
        schema = declared[head]
        if "$ref" in schema:
            schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
        properties = schema.get("properties")
        if rest and properties is not None and rest.split(".")[0] not in properties:
            missing.append(name)
    return missing

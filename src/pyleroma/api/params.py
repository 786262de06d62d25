"""Request parameters read alike from the query string, forms and JSON bodies.

Mastodon clients send the same parameter in every encoding there is: ``ids[]=1&ids[]=2`` in a
query, ``source[privacy]=private`` in a form, ``{"source": {"privacy": "private"}}`` as JSON,
``fields_attributes[0][name]=x`` in multipart. ``read_params`` folds all of them into one
nested dict, and ``Params`` gives typed accessors that raise 422 with the parameter's name.
Malformed JSON is a 400; a body that is not an object is a 422.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import Request
from starlette.datastructures import UploadFile

from pyleroma.errors import BadRequest, Unprocessable
from pyleroma.values import Values

_KEY_PART = re.compile(r"\[([^\[\]]*)\]")
MAX_JSON_BODY = 2_000_000


def _split_key(key: str) -> list[str]:
    """``a[b][]`` -> ``["a", "b", ""]``; a key with no brackets is itself."""
    head, bracket, _ = key.partition("[")
    if not bracket or not head:
        return [key]
    rest = key[len(head) :]
    parts = _KEY_PART.findall(rest)
    if "".join(f"[{p}]" for p in parts) != rest:
        return [key]
    return [head, *parts]


def _assign(target: dict, parts: list[str], value: Any) -> None:
    node: Any = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        following = None if last else parts[index + 1]
        if part == "":
            # An array segment: `a[]=x` appends. `a[][k]=v` fills the last dict of the array
            # until it already has `k`, then starts a new one (Rails' rule), so
            # `a[][k]=1&a[][w]=2&a[][k]=3` is [{k: 1, w: 2}, {k: 3}].
            if not isinstance(node, list):
                return
            if last:
                node.append(value)
                continue
            tail = node[-1] if node else None
            if (
                following != ""
                and isinstance(tail, dict)
                and (
                    following not in tail
                    or (index + 2 < len(parts) and isinstance(tail[following], dict | list))
                )
            ):
                node = tail
                continue
            child: Any = [] if following == "" else {}
            node.append(child)
            node = child
            continue
        if not isinstance(node, dict):
            return
        if last:
            node[part] = value
            continue
        child = node.get(part)
        if following == "":
            if not isinstance(child, list):
                child = [] if child is None else [child]
                node[part] = child
        elif not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child


def fold_pairs(pairs) -> dict:
    """Fold (key, value) pairs with Rails-style keys into a nested dict."""
    result: dict = {}
    for key, value in pairs:
        _assign(result, _split_key(key), value)
    return result


def check_no_nul(params: dict) -> None:
    """422 naming the parameter when a text anywhere in ``params`` holds a NUL character.

    PostgreSQL can neither store nor compare text with U+0000, and no client has a reason to
    send one; refusing it here keeps every later lookup and write safe. Iterative, so a
    deeply nested JSON body cannot exhaust the stack.
    """
    pending: list[tuple[str, Any]] = [("", params)]
    while pending:
        name, value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise Unprocessable(f"{name}: must not contain NUL characters")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and "\x00" in key:
                    raise Unprocessable("Parameter names must not contain NUL characters")
                pending.append((f"{name}[{key}]" if name else str(key), item))
        elif isinstance(value, list):
            pending.extend((f"{name}[]", item) for item in value)


async def read_params(request: Request) -> dict:
    params = fold_pairs(request.query_params.multi_items())
    check_no_nul(params)
    if request.method in ("GET", "HEAD"):
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        body = await request.body()
        if len(body) > MAX_JSON_BODY:
            raise Unprocessable("Request body too large")
        if body.strip():
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise BadRequest("Malformed JSON body") from exc
            if not isinstance(data, dict):
                raise Unprocessable("The JSON body must be an object")
            if b"\\u0000" in body:  # JSON can only carry a NUL escaped
                check_no_nul(data)
            params.update(data)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form()
        except Exception as exc:  # python-multipart raises several types on bad bodies
            raise BadRequest("Malformed form body") from exc
        fields = fold_pairs(form.multi_items())
        check_no_nul(fields)
        params.update(fields)
    return params


class Params(Values):
    """A request's parameters (``get_params``): ``Values`` plus uploaded files."""

    def file(self, name: str) -> UploadFile | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, UploadFile):
            raise Unprocessable(f"{name}: must be a file upload")
        return value


async def get_params(request: Request) -> Params:
    """FastAPI dependency: the request's parameters, folded and typed."""
    cached = getattr(request.state, "params", None)
    if cached is None:
        cached = Params(await read_params(request))
        request.state.params = cached
    return cached

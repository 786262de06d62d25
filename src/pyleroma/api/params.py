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

from pyleroma.api.errors import BadRequest, Unprocessable

_KEY_PART = re.compile(r"\[([^\[\]]*)\]")
TRUE_WORDS = frozenset({"true", "1", "on", "yes", "t"})
FALSE_WORDS = frozenset({"false", "0", "off", "no", "f", ""})
MAX_JSON_BODY = 2_000_000
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
# Longer numbers are refused unread (a 64-bit one has 19 digits; a clamped one may be longer).
MAX_INT_DIGITS = 100
_INTEGER = re.compile(r"[+-]?[0-9]+")


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


_MISSING = object()


class Params:
    """Typed access to folded parameters; every accessor raises 422 naming the parameter."""

    def __init__(self, data: dict):
        self.data = data

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def has(self, name: str) -> bool:
        return name in self.data

    def str(self, name: str, default: str | None = None, *, max_length: int | None = None):
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            return default
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            raise Unprocessable(f"{name}: must be a string")
        if max_length is not None and len(value) > max_length:
            raise Unprocessable(f"{name}: is too long (maximum is {max_length} characters)")
        return value

    def bool(self, name: str, default: bool | None = None):
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            return default
        return parse_bool(value, name)

    def int(
        self,
        name: str,
        default: int | None = None,
        *,
        min: int | None = None,
        max: int | None = None,
        clamp: bool = False,
    ):
        """An integer: a JSON number with no fraction or ASCII digits with an optional sign.

        With ``clamp`` a value outside ``min``..``max`` is moved to the nearest bound, however
        large; otherwise it is a 422. Whatever the bounds, the result fits a signed 64-bit
        column (a 422 past it), so no integer from a client can overflow the database.
        """
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            return default
        number = parse_int(value)
        if number is None:
            raise Unprocessable(f"{name}: must be an integer")
        if min is not None and number < min:
            if not clamp:
                raise Unprocessable(f"{name}: must be at least {min}")
            number = min
        if max is not None and number > max:
            if not clamp:
                raise Unprocessable(f"{name}: must be at most {max}")
            number = max
        if not INT64_MIN <= number <= INT64_MAX:
            raise Unprocessable(f"{name}: must be between {INT64_MIN} and {INT64_MAX}")
        return number

    def list(self, name: str) -> list:
        """A list parameter: accepts ``name[]``, a JSON array, a single value or a dict of
        index keys (``name[0]=a&name[1]=b``)."""
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            return []
        if isinstance(value, list):
            return value
        if isinstance(value, dict):
            try:
                return [value[k] for k in sorted(value, key=int)]
            except ValueError as exc:
                raise Unprocessable(f"{name}: must be a list") from exc
        if isinstance(value, str) and "," in value and name.endswith("ids"):
            return [v for v in value.split(",") if v]
        return [value]

    def str_list(self, name: str) -> list[str]:
        items = self.list(name)
        if not all(isinstance(i, str | int) and not isinstance(i, bool) for i in items):
            raise Unprocessable(f"{name}: must be a list of strings")
        return [str(i) for i in items]

    def dict(self, name: str) -> dict:
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            return {}
        if not isinstance(value, dict):
            raise Unprocessable(f"{name}: must be an object")
        return value

    def file(self, name: str) -> UploadFile | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, UploadFile):
            raise Unprocessable(f"{name}: must be a file upload")
        return value

    def sub(self, name: str) -> Params:
        return Params(self.dict(name))


def parse_int(value: Any) -> int | None:
    """An integer from a client value, or None: ``int()`` alone would take ``"١٢"``,
    ``" 1_0 "`` and ``12.7``, and fail with a ValueError on 5,000 digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= MAX_INT_DIGITS and _INTEGER.fullmatch(text):
            return int(text)
    return None


def parse_bool(value: Any, name: str = "value") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS:
        return True
    if isinstance(value, str) and value.strip().lower() in FALSE_WORDS:
        return False
    raise Unprocessable(f"{name}: must be a boolean")


async def get_params(request: Request) -> Params:
    """FastAPI dependency: the request's parameters, folded and typed."""
    cached = getattr(request.state, "params", None)
    if cached is None:
        cached = Params(await read_params(request))
        request.state.params = cached
    return cached

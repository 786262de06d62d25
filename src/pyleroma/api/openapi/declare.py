"""What each route declares about its operation: parameters, request body and answers.

Routes read their parameters through ``Params`` (query, forms, multipart and JSON folded
together), so FastAPI cannot see them; each route states them beside its decorator::

    @router.get("/api/v1/timelines/home", **api_doc(query=[*PAGE, *TIMELINE_OPTIONS],
                response=arr(ref("Status")), paged=True))

``api_doc`` returns the decorator's ``openapi_extra`` holding the declaration under
``DECLARED``; ``document.py`` turns it into the operation's ``parameters``,
``requestBody`` and ``responses`` (replacing what FastAPI guessed). Body fields are offered
as JSON, as a form (arrays as ``name[]``, objects as ``name[key]``) and, for uploads, as
multipart. Every operation answers its 4xx with the ``Error`` body.
"""

from __future__ import annotations

import http
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyleroma.api.openapi.types import Schema, ref

DECLARED = "x-pyleroma-declared"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class Param:
    """A query parameter or a body field (``where`` is decided by the ``api_doc`` argument)."""

    name: str
    schema: Schema
    description: str = ""
    required: bool = False
    # A typical value: documents the parameter, and fuzzers start from it.
    example: Any = None

    def with_(self, **changes: Any) -> Param:
        return Param(**{**self.__dict__, **changes})

    @property
    def full_schema(self) -> Schema:
        if self.example is None:
            return self.schema
        return {**self.schema, "examples": [self.example]}


def param(
    name: str,
    schema: Schema,
    description: str = "",
    *,
    required: bool = False,
    example: Any = None,
) -> Param:
    return Param(name, schema, description, required, example)


def _is_array(schema: Schema) -> bool:
    kind = schema.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def _is_file(schema: Schema) -> bool:
    return schema.get("format") == "binary" or (
        _is_array(schema) and schema.get("items", {}).get("format") == "binary"
    )


def _parameter(item: Param, where: str = "query") -> dict:
    name = f"{item.name}[]" if where == "query" and _is_array(item.schema) else item.name
    data: dict[str, Any] = {"name": name, "in": where, "schema": item.full_schema}
    if item.required:
        data["required"] = True
    if item.description:
        data["description"] = item.description
    if where == "query" and _is_array(item.schema):
        data["style"] = "form"
        data["explode"] = True
    elif where == "query" and item.schema.get("type") == "object":
        data["style"] = "deepObject"  # name[key]=value, as Rails-style clients send it
        data["explode"] = True
    return data


def _object(fields: list[Param], *, form: bool) -> Schema:
    properties = {}
    for item in fields:
        schema = dict(item.full_schema)
        if item.description:
            schema["description"] = item.description
        name = f"{item.name}[]" if form and _is_array(item.schema) else item.name
        properties[name] = schema
    schema: Schema = {"type": "object", "properties": properties}
    required = [
        f"{i.name}[]" if form and _is_array(i.schema) else i.name for i in fields if i.required
    ]
    if required:
        schema["required"] = required
    return schema


def _request_body(fields: list[Param], uploads: bool, example: dict | None) -> dict:
    plain = [f for f in fields if not _is_file(f.schema)]
    content: dict[str, Any] = {
        JSON: {"schema": _object(plain, form=False)},
        FORM: {"schema": _object(plain, form=True)},
    }
    if example is not None:
        content[JSON]["example"] = example
    if uploads:
        content[MULTIPART] = {"schema": _object(fields, form=True)}
    return {"required": any(f.required for f in fields), "content": content}


def error_response(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": ref("Error")}}}


LINK_HEADER = {
    "Link": {
        "description": 'Pages around this one: <...max_id=...>; rel="next", <...min_id=...>; '
        'rel="prev"',
        "schema": {"type": "string"},
    }
}


def api_doc(
    *,
    query: Iterable[Param] = (),
    body: Iterable[Param] = (),
    example: dict | None = None,
    headers: Iterable[Param] = (),
    uploads: bool = False,
    path: Iterable[Param] = (),
    response: Schema | None = None,
    status: int = 200,
    media_type: str = JSON,
    paged: bool = False,
    errors: Iterable[int] = (),
    responses: dict[int | str, dict] | None = None,
) -> dict[str, Any]:
    """The route decorator's keyword arguments declaring its operation.

    ``response`` is the schema of the ``status`` answer (``Empty`` when None, for the
    routes answering ``{}``); ``example`` is a typical JSON body; ``paged`` adds the Link
    header; ``errors`` lists the 4xx worth naming (all share the Error body);
    ``responses`` adds or replaces answers.
    """
    body = list(body)
    answer: dict[str, Any] = {"description": http.HTTPStatus(status).phrase}
    schema = ref("Empty") if response is None else response
    answer["content"] = {media_type: {"schema": schema}}
    if paged:
        answer["headers"] = LINK_HEADER
    declared_responses: dict[str, Any] = {str(status): answer}
    for code in sorted(set(errors)):
        declared_responses[str(code)] = error_response(http.HTTPStatus(code).phrase)
    declared_responses["4XX"] = error_response("Client error")
    for code, value in (responses or {}).items():
        declared_responses[str(code)] = value
    declared: dict[str, Any] = {
        "parameters": [_parameter(p) for p in query] + [_parameter(p, "header") for p in headers],
        "path": {p.name: {"schema": p.schema, "description": p.description} for p in path},
        "responses": declared_responses,
    }
    if body:
        declared["requestBody"] = _request_body(body, uploads, example)
    return {"openapi_extra": {DECLARED: declared}}

"""JSON Schema building blocks for the OpenAPI document (OpenAPI 3.1: JSON Schema 2020-12).

Entity schemas are written with these so they read like the render functions they describe:
``obj({...required keys...}, optional={...})``, ``nullable(STR)``, ``arr(ref("Account"))``.
Components are registered by name (``component``) and referenced with ``ref``; the document
builder (``document.py``) puts every registered one under ``components/schemas``.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
NULL: Schema = {"type": "null"}
ANY_OBJECT: Schema = {"type": "object"}
# Ids are 64-bit integers rendered as strings of ASCII digits.
ID: Schema = {"type": "string", "pattern": "^[0-9]+$"}
# Mastodon's timestamps: ISO 8601 in UTC with milliseconds (urls.masto_datetime).
DATETIME: Schema = {"type": "string", "format": "date-time"}
DATE: Schema = {"type": "string", "format": "date"}
EMPTY_OBJECT: Schema = {"type": "object", "maxProperties": 0}

# The registry of named schemas (components/schemas), filled by the schema modules.
COMPONENTS: dict[str, Schema] = {}


def nullable(schema: Schema) -> Schema:
    """``schema`` or null (a ``$ref`` is wrapped, a typed schema gets "null" added)."""
    if "$ref" in schema or "type" not in schema:
        return {"anyOf": [schema, NULL]}
    kind = schema["type"]
    kinds = list(kind) if isinstance(kind, list) else [kind]
    return {**schema, "type": [*kinds, "null"]}


def arr(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def obj(
    required: dict[str, Schema] | None = None,
    *,
    optional: dict[str, Schema] | None = None,
    closed: bool = False,
    description: str | None = None,
) -> Schema:
    """An object whose ``required`` keys are always sent and ``optional`` ones sometimes.

    ``closed`` forbids other keys (used where the shape is the whole contract, e.g. ``{}``).
    """
    required = required or {}
    schema: Schema = {"type": "object", "properties": {**required, **(optional or {})}}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def enum(*values: str, nullable_: bool = False) -> Schema:
    schema: Schema = {"type": "string", "enum": list(values)}
    return nullable(schema) | {"enum": [*values, None]} if nullable_ else schema


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def component(name: str, schema: Schema) -> Schema:
    """Register ``schema`` as ``components/schemas/<name>``; returns a reference to it."""
    if name in COMPONENTS and COMPONENTS[name] != schema:
        raise ValueError(f"schema {name} registered twice")
    COMPONENTS[name] = schema
    return ref(name)

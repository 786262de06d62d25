"""The OpenAPI document at /api/openapi: every route's parameters, body and answers.

Routers declare their operations with ``api_doc`` (declare.py) using the entity schemas
(schemas_*.py) and shared parameter groups (parameters.py); document.py assembles them.
"""

from pyleroma.api.openapi.declare import Param, api_doc, param
from pyleroma.api.openapi.types import (
    ANY_OBJECT,
    BOOL,
    DATETIME,
    ID,
    INT,
    STR,
    arr,
    enum,
    nullable,
    obj,
    ref,
)

__all__ = [
    "ANY_OBJECT",
    "BOOL",
    "DATETIME",
    "ID",
    "INT",
    "STR",
    "Param",
    "api_doc",
    "arr",
    "enum",
    "nullable",
    "obj",
    "param",
    "ref",
]

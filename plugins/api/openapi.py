"""The OpenAPI 3 document of ``/api/v1``, generated from the registry: one
path set per resource, schemas from the page's columns and form fields.

The document lists no data: field names, types, static choices and the
permission code each operation needs, the same for every reader.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String

from core import Crud, FormField
from plugins.api import values as v
from plugins.api.resources import RESERVED

PROBLEM = {"$ref": "#/components/schemas/Problem"}
_KINDS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer"},
    "decimal": {"type": "string", "format": "decimal"},
    "bool": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "email": {"type": "string", "format": "email"},
}


def document(cruds: dict[str, tuple[str, Crud]], workflows: dict[str, Any], version: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Problem": _problem_schema()}
    for key, (mount, crud) in sorted(cruds.items()):
        name = key.replace(".", "_")
        schemas[name] = _record_schema(crud)
        schemas[f"{name}_create"] = _input_schema(crud, create=True)
        schemas[f"{name}_update"] = _input_schema(crud, create=False)
        base = f"/api/v1/{mount}/{crud.noun}"
        paths[base] = _collection(crud, name)
        paths[base + "/{id}"] = _item(crud, name)
        wf = workflows.get(key)
        if wf is not None:
            paths[base + "/{id}/transitions/{transition}"] = _transition(crud, name, wf)
    return {
        "openapi": "3.0.3",
        "info": {"title": "Suanpan API", "version": version,
                 "description": "Every model a plugin shows, under the same permissions as the pages. "
                                "Authenticate with an API token: `Authorization: Bearer sp_...`."},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    }


def _problem_schema() -> dict[str, Any]:
    return {"type": "object", "required": ["type", "title", "status"], "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "parameter": {"type": "string"},
        "current_version": {"type": "integer", "description": "412 and 409 of a stale version: the version "
                                                              "saved now (its ETag, unquoted)"},
        "request_id": {"type": "string", "description": "of a server error, as the server's log has it"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "pointer": {"type": "string"}, "parameter": {"type": "string"},
            "detail": {"type": "string"}}}},
    }}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "problem details (RFC 9457)",
                     "content": {"application/problem+json": {"schema": PROBLEM}}} for c in codes}


def _column_schema(crud: Crud, name: str) -> dict[str, Any]:
    column = crud.model.__table__.columns[name]
    kind = v.python_type(column.type)
    schema: dict[str, Any] = {"type": "string"}
    if kind is bool:
        schema = {"type": "boolean"}
    elif kind is int:
        schema = {"type": "integer"}
    elif kind is Decimal:
        schema = {"type": "string", "format": "decimal"}
    elif kind is datetime:
        schema = {"type": "string", "format": "date-time"}
    elif kind is date:
        schema = {"type": "string", "format": "date"}
    if column.nullable:
        schema["nullable"] = True
    return schema


def _record_schema(crud: Crud) -> dict[str, Any]:
    props = {n: _column_schema(crud, n) for n in v.output_fields(crud)}
    for col in (*crud.list_view.columns, *crud.detail_fields):
        if col.name in props and col.choices:
            props[col.name]["description"] = "one of: " + ", ".join(col.choices)
    return {"type": "object", "properties": props,
            "description": f"{crud.model.__label__}; fields hidden from the reader are left out, "
                           "fields masked for them come as masked text; custom fields appear under their names"}


def _field_schema(crud: Crud, f: FormField) -> dict[str, Any]:
    schema: dict[str, Any]
    if f.kind == "select":
        numeric = v.json_kind(crud.model, f) == "integer"
        schema = {"type": "integer" if numeric else "string"}
        if f.choices is not None and not callable(f.choices):
            schema["enum"] = [int(c) if numeric and str(c).isdigit() else c for c, _ in f.choices]
    else:
        schema = dict(_KINDS.get(f.kind, {"type": "string", "maxLength": f.max_length}))
        column = crud.model.__table__.columns.get(f.name)
        if schema.get("type") == "string" and "maxLength" not in schema and f.kind != "decimal":
            schema["maxLength"] = f.max_length
        length = column.type.length if column is not None and isinstance(column.type, String) else None
        if length and "maxLength" in schema:
            schema["maxLength"] = min(schema["maxLength"], length)
    schema["title"] = f.label
    if not f.required:
        schema["nullable"] = True
    return schema


def _input_schema(crud: Crud, *, create: bool) -> dict[str, Any]:
    props = {f.name: _field_schema(crud, f) for f in crud.form.fields}
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if create:
        required = [f.name for f in crud.form.fields if f.required]
        if required:
            out["required"] = required
    else:
        props["version"] = {"type": "integer", "description": "the version you read (or If-Match); "
                                                              "a stale one is 409"}
    return out


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _list_params(crud: Crud) -> list[dict[str, Any]]:
    columns = [c for c in crud.list_view.columns if c.name in crud.model.__table__.columns]
    sortable = sorted({c.name for c in columns if c.sortable} | {"id"})
    params: list[dict[str, Any]] = [
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": sortable}},
        {"name": "dir", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
        {"name": "after", "in": "query", "description": "the `next` cursor of the previous page",
         "schema": {"type": "string"}},
        FIELDS,
    ]
    if crud.list_view.search:
        params.append({"name": "q", "in": "query", "description": "search, like the page's",
                       "schema": {"type": "string", "maxLength": 100}})
    for c in columns:
        if c.name not in RESERVED:
            schema = _column_schema(crud, c.name)
            schema.pop("nullable", None)
            params.append({"name": c.name, "in": "query", "description": "equals", "schema": schema})
    return params


#: a sparse field set, on lists and single records
FIELDS = {"name": "fields", "in": "query", "schema": {"type": "string"},
          "description": "the fields to send, separated by commas (the id always comes): "
                         "`fields=name,phone`; a field the reader may not see is refused (400)"}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def _collection(crud: Crud, name: str) -> dict[str, Any]:
    key = crud.key
    page = {"type": "object", "required": ["items", "next"], "properties": {
        "items": {"type": "array", "items": _ref(name)}, "next": {"type": "string", "nullable": True}}}
    return {
        "get": {"operationId": f"{name}_list", "summary": f"List ({key}.read)", "tags": [key],
                "parameters": _list_params(crud),
                "responses": {"200": _json(page, "a page"), **_errors(400, 401, 403)}},
        "post": {"operationId": f"{name}_create", "summary": f"Create ({key}.create)", "tags": [key],
                 "requestBody": {"required": True, "content": {
                     "application/json": {"schema": _ref(f"{name}_create")}}},
                 "responses": {"201": _json(_ref(name), "created"), **_errors(400, 401, 403, 409, 422)}},
    }


#: what a stale If-Match is answered
STALE_IF_MATCH = "a stale If-Match: the problem names the current version"
#: the record's version as an entity tag, on every answer that carries the record
ETAG = {"ETag": {"description": 'the version of the record, quoted: `"3"`', "schema": {"type": "string"}}}


def _stale(status: int, description: str) -> dict[str, Any]:
    return {str(status): {"description": description, "headers": ETAG,
                          "content": {"application/problem+json": {"schema": PROBLEM}}}}


def _item(crud: Crud, name: str) -> dict[str, Any]:
    key = crud.key
    if_match = {"name": "If-Match", "in": "header", "schema": {"type": "string"},
                "description": 'the ETag you read (`"3"`); a stale one is 412. `*` names no version.'}
    if_none_match = {"name": "If-None-Match", "in": "header", "schema": {"type": "string"},
                     "description": "the ETag you hold: 304 while it is current"}
    record = {**_json(_ref(name), "the record"), "headers": ETAG}
    out: dict[str, Any] = {
        "parameters": [_ID],
        "get": {"operationId": f"{name}_get", "summary": f"Get ({key}.read)", "tags": [key],
                "parameters": [if_none_match, FIELDS],
                "responses": {"200": record, "304": {"description": "not modified", "headers": ETAG},
                              **_errors(400, 401, 403, 404)}},
        "patch": {"operationId": f"{name}_update", "summary": f"Update ({key}.update)", "tags": [key],
                  "description": "Send the version you read: `If-Match` (stale: 412) or the `version` "
                                 "field (stale: 409); neither: 428.",
                  "parameters": [if_match],
                  "requestBody": {"required": True, "content": {
                      "application/json": {"schema": _ref(f"{name}_update")}}},
                  "responses": {"200": record,
                                **_errors(400, 401, 403, 404, 422, 428),
                                **_stale(409, "a stale `version` field, or a locked state"),
                                **_stale(412, STALE_IF_MATCH)}},
    }
    if v.is_soft(crud.model):
        out["delete"] = {"operationId": f"{name}_delete", "summary": f"Delete ({key}.delete)",
                         "tags": [key], "parameters": [if_match],
                         "responses": {"204": {"description": "in the recycle bin"},
                                       **_errors(401, 403, 404),
                                       **_stale(409, "a stale `version` field, or a locked state"),
                                       **_stale(412, STALE_IF_MATCH)}}
    return out


def _transition(crud: Crud, name: str, wf: Any) -> dict[str, Any]:
    body = {"type": "object", "properties": {"comment": {"type": "string", "maxLength": 2000}}}
    return {"post": {
        "operationId": f"{name}_transition", "summary": "Fire a workflow transition", "tags": [crud.key],
        "parameters": [_ID, {"name": "transition", "in": "path", "required": True,
                             "schema": {"type": "string", "enum": [t.name for t in wf.transitions]}},
                       {"name": "If-Match", "in": "header", "schema": {"type": "string"},
                        "description": "optional: the ETag you read; a stale one is 412"}],
        "requestBody": {"required": False, "content": {"application/json": {"schema": body}}},
        "responses": {"200": {**_json(_ref(name), "the record after the transition"), "headers": ETAG},
                      **_errors(400, 401, 403, 404, 409, 422),
                      **_stale(412, STALE_IF_MATCH)}}}

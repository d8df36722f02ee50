"""The permission walk: every registered route of every enabled plugin, as a
user of another organisation and as a user without permissions.

Nothing here names a plugin's routes: a plugin added later is walked too.
Org A holds records whose text carries a marker; a user of org B, granted
every permission with the scope "org" in B, must never see the marker, must
get 404 for A's records and 403 where B lacks the permission; a user of A
without any role gets 403 on every route that needs a permission.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from core.db import Base, SoftDeleteMixin, UTCDateTime
from core.models import AuditLog, Department, RoleAssignment, User
from core.permissions import _col
from core.web import AUTHENTICATED, PUBLIC

MARKER = "机密甲"
#: routes the walk does not call, with the reason
SKIP = {
    "core:session_delete": "ends the walker's own session; covered by test_auth",
    "core:session_create": "public login form; covered by test_auth",
}


def _seed_org_a(kernel, make) -> dict[str, Any]:
    """Org A: a department, a user and a record of every registered model."""
    hq = make.hq()
    dept = make.department(hq, f"{MARKER}部门")
    owner = make.user(org=hq, department=dept, username="a_owner", name=f"{MARKER}用户")
    ids: dict[str, int] = {"core.org": hq.id, "core.department": dept.id, "core.user": owner.id}
    with kernel.db.session() as db:
        from core.models import Org

        db.get(Org, hq.id).name = f"{MARKER}集团"
        for key, model in kernel.registry.models.items():
            if key in ids or (_col(model, "org") is None and not _linked(model, ids)):
                continue
            record = _make_record(model, hq.id, owner.id, dept.id, ids)
            db.add(record)
            db.flush()
            ids[key] = record.id
        ids["assignment"] = db.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == owner.id))
    return ids


def _linked(model: type[Base], made: dict[str, int]) -> bool:
    """A plugin's model without an org column (a pipeline's stage) whose
    required links all reach records made already: made too, so that its
    children can be."""
    if model.__model_key__.startswith("core."):
        return False
    required = [c for c in model.__table__.columns  # type: ignore[attr-defined]
                if c.foreign_keys and not c.nullable and not c.primary_key]
    return bool(required) and all(
        next(iter(c.foreign_keys)).column.table.name.replace("_", ".", 1) in made for c in required)


def _make_record(model: type[Base], org_id: int, owner_id: int, dept_id: int, made: dict[str, int]) -> Any:
    """A row with the marker in every required string column; a required link
    points at the record of org A made before it (models register parents first)."""
    values: dict[str, Any] = {}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        if column.primary_key or column.default is not None or column.nullable:
            continue
        if column.name == "org_id":
            values[column.name] = org_id
        elif column.name == "owner_id":
            values[column.name] = owner_id
        elif column.name == "department_id":
            values[column.name] = dept_id
        elif column.foreign_keys:
            target = next(iter(column.foreign_keys)).column.table.name.replace("_", ".", 1)
            if target in made:
                values[column.name] = made[target]
        elif column.type.python_type is str:
            text = f"{MARKER}{column.name}"
            limit = getattr(column.type, "length", None)
            values[column.name] = text[:limit] if limit else text
        elif column.type.python_type is int and not column.foreign_keys:
            values[column.name] = 1  # a count, a size, the id of a linked record
        elif column.type.python_type is Decimal:
            values[column.name] = Decimal("1")  # an amount
        elif isinstance(column.type, UTCDateTime):
            values[column.name] = datetime.now(UTC)
        elif column.type.python_type is date:
            values[column.name] = date.today()
        elif column.type.python_type is bytes:
            values[column.name] = MARKER.encode()  # a stored file (a product image)
    if hasattr(model, "org_id"):
        values.setdefault("org_id", org_id)
    if hasattr(model, "owner_id"):
        values.setdefault("owner_id", owner_id)
    return model(**values)


def _routes(kernel) -> list[tuple[str, str, str, str]]:
    """(route name, method, path template, permission) of every enabled plugin."""
    out = []
    for mount, table in kernel.routes.items():
        prefix = table.prefix if table.prefix is not None else f"/{mount}"
        for spec in table.specs:
            for method in spec.methods:
                out.append((f"{mount}:{spec.name}", method, prefix + spec.path, spec.permission))
    return out


def _model_of(kernel, permission: str, path: str) -> str | None:
    if permission in (PUBLIC, AUTHENTICATED):
        return None
    key = permission.rsplit(".", 1)[0]
    return key if key in kernel.registry.models else None


def _fill(kernel, path: str, permission: str, ids: dict[str, int]) -> str:
    model_key = _model_of(kernel, permission, path)
    soft = next(k for k, m in kernel.registry.models.items() if issubclass(m, SoftDeleteMixin))
    # a path naming a model and a record ({model}/{id}: sharing, a timeline) gets a
    # live record of org A; the recycle bin's, a deleted one
    record_model = (soft if "recycle" in path else "core.user") if "{model" in path else None
    # a path naming a transition gets a record of a model with a workflow, and its first one
    workflow = next(iter(kernel.registry.workflows.values()), None) if "{transition" in path else None
    if workflow is not None and workflow.model in ids:
        record_model = workflow.model

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "id":
            key = record_model or model_key or ""
            return str(ids.get(key, ids["core.user"]))
        if name == "aid":
            return str(ids["assignment"])
        if name == "model":
            return record_model or soft
        if name == "name":
            return next(iter(kernel.enabled), "core")
        if name == "transition":
            return workflow.transitions[0].name if workflow else "1"
        return "1"

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


@pytest.fixture
def walk(kernel, make, new_client):
    ids = _seed_org_a(kernel, make)
    # the recycle bin routes need a deleted record of org A
    soft_key = next(k for k, m in kernel.registry.models.items() if issubclass(m, SoftDeleteMixin))
    with kernel.db.session() as db:
        from core.db import utcnow

        db.get(kernel.registry.models[soft_key], ids[soft_key]).deleted_at = utcnow()
    org_b = make.org("乙公司")
    every_code_in_b = dict.fromkeys(kernel.registry.permissions, "org")
    dept_b = make.department(org_b, "乙部门")
    outsider = make.user(org=org_b, department=dept_b, username="b_admin", roles=(),
                         grants=every_code_in_b)
    make.user(username="a_nobody", roles=())
    b, nobody = new_client(), new_client()
    b.login("b_admin")
    nobody.login("a_nobody")
    return kernel, ids, b, nobody, outsider


def _call(client, method: str, url: str):
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if method != "POST":  # the API's PATCH and DELETE
        return client.request(method, url, data={"csrf_token": client.csrf()}, follow_redirects=False)
    return client.submit(url, {}, follow_redirects=False)


def test_the_walk_covers_every_route_of_every_enabled_plugin(kernel):
    names = {name for name, *_ in _routes(kernel)}
    assert {"core:user_detail", "core:org_list", "notes:note_detail"} <= names
    assert len(names) > 30


def test_another_org_never_sees_or_touches_org_a(walk):
    kernel, ids, b, _nobody, outsider = walk
    failures = []
    for name, method, path, permission in _routes(kernel):
        if name in SKIP:
            continue
        url = _fill(kernel, path, permission, ids)
        response = _call(b, method, url)
        status = response.status_code
        has_id = "{id" in path or "{aid" in path
        if status >= 500:
            failures.append(f"{method} {url} ({name}): server error {status}")
        if MARKER in response.text:
            failures.append(f"{method} {url} ({name}): shows org A's data")
        if has_id and status not in (403, 404):
            failures.append(f"{method} {url} ({name}): answered {status} for a record of org A")
    assert not failures, "\n".join(failures)
    # and nothing of org A changed
    with kernel.db.session(write=False) as db:
        touched = db.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.user_id == outsider.id, AuditLog.record_id.in_(list(ids.values()))))
        assert db.get(Department, ids["core.department"]).name == f"{MARKER}部门"
        assert db.get(User, ids["core.user"]).active is True
    assert touched == 0


def test_a_user_without_permissions_gets_403_everywhere(walk):
    kernel, ids, _b, nobody, _outsider = walk
    failures = []
    for name, method, path, permission in _routes(kernel):
        if name in SKIP or permission in (PUBLIC, AUTHENTICATED):
            continue
        url = _fill(kernel, path, permission, ids)
        response = _call(nobody, method, url)
        if response.status_code != 403:
            failures.append(f"{method} {url} ({name}): answered {response.status_code}, not 403")
        if MARKER in response.text:
            failures.append(f"{method} {url} ({name}): shows data")
    assert not failures, "\n".join(failures)


def test_api_style_requests_get_problem_details(walk):
    kernel, ids, b, _nobody, _outsider = walk
    response = b.get(f"/admin/users/{ids['core.user']}", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def _api_resources(kernel) -> list[tuple[str, str, str]]:
    """(model key, method, URL template with ``{id}``) of every API resource
    (plugin ``api``: ``/api/v1/<mount>/<noun>`` for each model a page shows)."""
    if "api" not in kernel.enabled:
        return []
    out = []
    for key, (mount, crud) in kernel.registry.cruds.items():
        base = f"/api/v1/{mount}/{crud.noun}"
        out += [(key, "GET", base), (key, "POST", base), (key, "GET", base + "/{id}"),
                (key, "PATCH", base + "/{id}"), (key, "DELETE", base + "/{id}")]
        workflow = kernel.registry.workflows.get(key)
        if workflow is not None:
            out.append((key, "POST", base + "/{id}/transitions/" + workflow.transitions[0].name))
    return out


def test_the_api_walk_covers_every_resource(kernel):
    if "api" in kernel.enabled:
        keys = {key for key, *_ in _api_resources(kernel)}
        assert {"core.user", "core.org", "notes.note"} <= keys


def test_another_org_never_sees_or_touches_org_a_through_the_api(walk, token):
    kernel, ids, _b, _nobody, outsider = walk
    b = {"Authorization": f"Bearer {token(outsider)}"}
    failures = []
    with TestClient(kernel.asgi(), base_url="http://testserver", headers=b) as api:
        for key, method, path in _api_resources(kernel):
            url = path.replace("{id}", str(ids.get(key, ids["core.user"])))
            response = api.request(method, url, json={"title": "乙改", "version": 1})
            if response.status_code >= 500 or MARKER in response.text:
                failures.append(f"{method} {url}: {response.status_code} {response.text[:100]}")
            if "{id}" in path and key in ids and response.status_code not in (403, 404, 405):
                failures.append(f"{method} {url}: answered {response.status_code} for org A's record")
    assert not failures, "\n".join(failures)


def test_a_user_without_permissions_gets_403_from_the_api(walk, make, token):
    kernel, ids, _b, _nobody, _outsider = walk
    nobody = make.user(username="api_nobody", roles=())
    failures = []
    with TestClient(kernel.asgi(), base_url="http://testserver",
                    headers={"Authorization": f"Bearer {token(nobody)}"}) as api:
        for key, method, path in _api_resources(kernel):
            url = path.replace("{id}", str(ids.get(key, ids["core.user"])))
            response = api.request(method, url, json={})
            expected = (403, 405) if method == "DELETE" else (403,)
            if response.status_code not in expected or MARKER in response.text:
                failures.append(f"{method} {url}: answered {response.status_code}, not 403")
    assert not failures, "\n".join(failures)


@pytest.fixture
def token(kernel):
    from core.auth import create_api_token

    def issue(user: User) -> str:
        with kernel.db.session() as db:
            return create_api_token(db, db.get(User, user.id), "walk")[1]

    return issue

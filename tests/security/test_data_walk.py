"""The permission walk: every registered route of every enabled plugin, as a
user of another organisation and as a user without permissions.

Nothing here names a plugin's routes: a plugin added later is walked too.
Org A holds a row of every table, all with the same id (``data_support``),
so that whatever a route's numbers name (a record, an attachment, an issued
copy, an import batch, an approval task, an API token), it reaches org A's
row; the attachment and the issued copy are made through their own routes.
A user of org B, granted every permission with the scope "org" in B, must
never see org A's marker; for every route naming one of A's rows, B gets 404
or 403, or at least exactly the answer it gets for a row that does not
exist (a print of a type that keeps no copies is refused whatever the
record); B changes none of A's rows, through the pages or the API. A user
of A without any role gets 403 on every route that needs a permission.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from data_support import (
    MARKER,
    OrgA,
    Route,
    api_client,
    api_resources,
    call,
    fill,
    realise,
    routes,
    seed_deleted,
    seed_org_a,
)
from sqlalchemy import select

from core.app import Kernel
from core.db import Base
from core.models import User

#: routes the walk does not call, with the reason
SKIP = {
    "core:session_delete": "ends the walker's own session; covered by test_auth",
    "core:session_create": "public login form; covered by test_auth",
}
Walked = list[tuple[Route, str, str]]


def snapshot(kernel: Kernel, seeded: OrgA) -> dict[str, Any]:
    """Org A's row of every seeded table, as it is."""
    tables = Base.metadata.tables
    with kernel.db.session(write=False) as db:
        return {name: db.execute(select(tables[name]).where(tables[name].c.id == ident)).one_or_none()
                for name, ident in seeded.own().items() if "id" in tables[name].c}


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def walked(kernel: Kernel, seeded: OrgA, deleted: str) -> Walked:
    """(route, URL naming org A's rows, the same URL naming rows that do not exist)."""
    missing = seeded.ident + 7  # no table has a row with this id
    return [(route, url, other) for route in routes(kernel) if route.name not in SKIP
            for url, other in zip(fill(kernel, route, seeded, deleted=deleted),
                                  fill(kernel, route, seeded, deleted=deleted, ident=missing), strict=True)]


@pytest.fixture
def org_a(kernel: Kernel, password_hash: str) -> tuple[OrgA, str]:
    """Org A's rows, one deleted record among them (the recycle bin's routes need one)."""
    seeded = seed_org_a(kernel, password_hash)
    return seeded, seed_deleted(kernel, seeded)


def test_the_walk_covers_every_route_of_every_enabled_plugin(kernel: Kernel) -> None:
    names = {route.name for route in routes(kernel)}
    assert {"core:user_detail", "core:org_list", "notes:note_detail", "printing:document_pdf",
            "activity:attachment_download"} <= names
    assert len(names) > 30


def test_another_org_never_sees_or_touches_org_a(kernel: Kernel, make: Any, new_client: Callable[[], Any],
                                                 org_a: tuple[OrgA, str]) -> None:
    seeded, deleted = org_a
    owner = new_client()
    owner.login("a_owner")
    realise(kernel, owner, seeded)
    # given the walk names real rows: org A's owner gets each record's page,
    # the attachment and the issued copy, where a missing row is a 404
    urls = [kernel.record_path(key, seeded.ident) for key, (_, crud) in kernel.registry.cruds.items()
            if crud.model.__table__.name in seeded.own() and key != deleted]
    if "activity" in kernel.enabled:
        urls.append(kernel.url_path_for("activity:attachment_download", id=seeded.ident))
    if "printing" in kernel.enabled:
        urls.append(kernel.url_path_for("printing:issued_data", id=seeded.ident))
    assert {url: owner.get(url).status_code for url in urls if url} == dict.fromkeys(filter(None, urls), 200)
    # when a user of org B with every permission in B walks every route
    org_b = make.org("乙公司")
    outsider = make.user(org=org_b, department=make.department(org_b, "乙部门"), username="b_admin", roles=(),
                         grants=dict.fromkeys(kernel.registry.permissions, "org"))
    b = new_client()
    b.login("b_admin")
    before = snapshot(kernel, seeded)
    failures = _walk_as(b, walked(kernel, seeded, deleted))
    # and exports every model, and calls every REST resource on A's records
    failures += _export_as(kernel, b)
    failures += _api_as(kernel, outsider, seeded)
    # then nothing of org A shows, every row of A is a 404 like a missing one, and none changed
    assert not failures, "\n".join(failures)
    assert changed(before, snapshot(kernel, seeded)) == []
    problem = b.get(kernel.url_path_for("core:user_detail", id=seeded.owner_id),
                    headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.json()["status"] == 404
    assert problem.headers["content-type"].startswith("application/problem+json")


def _walk_as(b: Any, urls: Walked) -> list[str]:
    failures = []
    for route, url, missing in urls:
        response = call(b, route.method, url)
        status = response.status_code
        if status >= 500:
            failures.append(f"{route.method} {url} ({route.name}): server error {status}")
        if MARKER in response.text:
            failures.append(f"{route.method} {url} ({route.name}): shows org A's data")
        if route.has_id and status not in (403, 404):
            nothing = call(b, route.method, missing).status_code
            if nothing != status:
                failures.append(f"{route.method} {url} ({route.name}): answered {status} for a row of org A "
                                f"and {nothing} for none")
    return failures


def _export_as(kernel: Kernel, b: Any) -> list[str]:
    """Every model's export (CSV, every column B may see) holds nothing of org A."""
    if "dataio" not in kernel.enabled:
        return []
    failures = []
    for key in kernel.registry.cruds:
        if f"{key}.export" not in kernel.registry.permissions:
            continue
        response = b.get(kernel.url_path_for("dataio:export_file", model=key))
        if response.status_code != 200 or MARKER in response.content.decode("utf-8-sig"):
            failures.append(f"export of {key}: {response.status_code}, shows org A's data or fails")
    return failures


def _api_as(kernel: Kernel, user: User, seeded: OrgA) -> list[str]:
    failures = []
    with api_client(kernel, user.id) as api:
        for _key, method, path in api_resources(kernel):
            url = path.replace("{id}", str(seeded.ident))
            response = api.request(method, url, json={"title": "乙改", "version": 1})
            if response.status_code >= 500 or MARKER in response.text:
                failures.append(f"{method} {url}: {response.status_code} {response.text[:100]}")
            if "{id}" in path and response.status_code not in (403, 404, 405):
                failures.append(f"{method} {url}: answered {response.status_code} for org A's record")
    return failures


def test_the_api_walk_covers_every_resource(kernel: Kernel) -> None:
    if "api" in kernel.enabled:
        keys = {key for key, *_ in api_resources(kernel)}
        assert {"core.user", "core.org", "notes.note"} <= keys


def test_a_user_without_permissions_gets_403_everywhere(kernel: Kernel, make: Any, new_client: Callable[[], Any],
                                                         org_a: tuple[OrgA, str]) -> None:
    seeded, deleted = org_a
    nobody = make.user(username="a_nobody", roles=())
    page = new_client()
    page.login("a_nobody")
    failures = []
    once = {route: url for route, url, _missing in reversed(walked(kernel, seeded, deleted))}
    for route, url in once.items():  # one URL a route: the permission is the route's, whatever it names
        if route.open:
            continue
        response = call(page, route.method, url)
        if response.status_code != 403 or MARKER in response.text:
            failures.append(f"{route.method} {url} ({route.name}): answered {response.status_code}, not 403")
    with api_client(kernel, nobody.id) as api:
        for _key, method, path in api_resources(kernel):
            url = path.replace("{id}", str(seeded.ident))
            response = api.request(method, url, json={})
            expected = (403, 405) if method == "DELETE" else (403,)
            if response.status_code not in expected or MARKER in response.text:
                failures.append(f"{method} {url}: answered {response.status_code}, not 403")
    assert not failures, "\n".join(failures)

"""One predicate for every channel (design rule 3): the records a user with a
restricted scope sees are the same through the list page and its count, the
list's search, the global search, the REST API, the export, the reports and
printing, for every model that offers each of those.

Generated from the registry: every model a page shows (``registry.cruds``),
every search declaration, every report dataset and every print declaration;
a plugin added later is compared too. The records are a mix
(``data_support.seed_mix``): of each model, records of the reader's own, a
colleague's in the reader's department, others' in another department, the
reader's in another department, another organisation's, one shared with the
reader and one in the recycle bin. The reader holds every permission code
with the scope "own" or "department" (every other model the other).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from data_support import DELETED, MIX, PLACES, SHARED, Mix, api_client, scope_columns, seed_mix
from openpyxl import load_workbook
from sqlalchemy import select

from core.app import Kernel
from core.db import Base, id_column
from core.models import User
from core.permissions import Actor, load_actor, scope

EN = {"Accept-Language": "en"}
COUNT = re.compile(r"([\d,]+) records?\b")


def in_scope(kernel: Kernel, actor: Actor, key: str) -> set[int]:
    """The ids the kernel's predicate gives the reader (every record, not only the mix's)."""
    model = kernel.registry.models[key]
    with kernel.db.session(write=False) as db:
        return set(db.scalars(select(id_column(model)).where(scope(actor, model, "read"))))


def links(kernel: Kernel, key: str, text: str) -> set[int]:
    """Ids of the records of ``key`` a page links to (their own pages)."""
    path = kernel.record_path(key, 0)
    if path is None:
        return set()
    pattern = re.escape(path[:-1]) + r"(\d+)(?![\d/])"
    return {int(n) for n in re.findall(pattern, text)}


def test_a_restricted_user_sees_the_same_records_through_every_channel(
        kernel: Kernel, make: Any, new_client: Callable[[], Any]) -> None:
    mix = seed_mix(kernel, make)
    reader = new_client()
    reader.login("reader")
    with kernel.db.session(write=False) as db:
        user = db.get(User, mix.reader_id)
        assert user is not None
        actor = load_actor(db, user, all_codes=set(kernel.registry.permissions))
    expected = {key: in_scope(kernel, actor, key) for key in mix.ids}
    # given the mix is a mix: the reader's own record is in scope, another
    # organisation's and a deleted one are not, a shared one is
    for key, at in mix.at.items():
        mine, stranger = at[0], at[PLACES.index(("b", "stranger", "db"))]
        assert stranger not in expected[key], key
        role = {"own": "owner", "department": "department"}.get(mix.scopes[key])
        table = Base.metadata.tables[kernel.registry.models[key].__tablename__]
        readable = f"{key}.read" in kernel.registry.permissions
        if readable and mine is not None and role in scope_columns(table).values():
            assert mine in expected[key] and not set(mix.ids[key]) <= expected[key], key
    failures: list[str] = []
    with api_client(kernel, mix.reader_id) as api:
        for key, (mount, crud) in kernel.registry.cruds.items():
            if key in mix.ids:
                failures += _crud_channels(kernel, reader, api, mix, key, mount, crud.noun, expected[key])
    failures += _search(kernel, reader, mix, expected)
    failures += _reports(kernel, reader, mix, expected)
    failures += _prints(kernel, reader, mix, expected)
    assert not failures, "\n".join(failures)
    shared = [key for key, at in mix.at.items() if at[SHARED] in expected[key]]
    deleted = [key for key, at in mix.at.items() if at[DELETED] in expected[key]]
    assert "crm.customer" in shared and not {"crm.customer", "notes.note"} & set(deleted)


def _differs(channel: str, key: str, seen: set[int], mix: Mix, expected: set[int]) -> list[str]:
    """The channel's ids of the mix against the predicate's."""
    want = expected & set(mix.ids[key])
    got = seen & set(mix.ids[key])
    if got == want:
        return []
    return [f"{key} {channel}: shows {sorted(got - want)} it should not, misses {sorted(want - got)}"]


def _crud_channels(kernel: Kernel, reader: Any, api: Any, mix: Mix, key: str, mount: str, noun: str,
                   expected: set[int]) -> list[str]:
    failures = []
    list_url = kernel.url_path_for(f"{mount}:{noun}_list")
    for channel, params in (("list page", {}), ("list search", {"q": MIX})):
        page = reader.get(list_url, params=params, headers={**EN, "HX-Request": "true"})
        assert page.status_code == 200, f"{key} {channel}: {page.status_code}"
        failures += _differs(channel, key, links(kernel, key, page.text) | mix.found(key, page.text), mix, expected)
        counted = COUNT.search(page.text)
        if channel == "list page" and (counted is None or int(counted.group(1).replace(",", "")) != len(expected)):
            failures.append(f"{key} list count: {counted and counted.group(0)}, not {len(expected)}")
    if "api" in kernel.enabled:
        for channel, params in (("API list", {"limit": "200"}), ("API search", {"limit": "200", "q": MIX})):
            body = api.get(f"/api/v1/{mount}/{noun}", params=params)
            assert body.status_code == 200, f"{key} {channel}: {body.status_code} {body.text[:200]}"
            failures += _differs(channel, key, {item["id"] for item in body.json()["items"]}, mix, expected)
    if "dataio" in kernel.enabled and f"{key}.export" in kernel.registry.permissions:
        export = reader.get(kernel.url_path_for("dataio:export_file", model=key))
        assert export.status_code == 200, f"{key} export: {export.status_code}"
        text = export.content.decode("utf-8-sig")
        failures += _differs("export", key, mix.found(key, text), mix, expected)
        rows = len(list(csv.reader(io.StringIO(text)))) - 1
        if rows != len(expected):
            failures.append(f"{key} export: {rows} rows, not {len(expected)}")
    if "printing" in kernel.enabled and any(d.model.__model_key__ == key for d in kernel.registry.prints.values()):
        page = reader.get(kernel.url_path_for("printing:batch_new"), params={"model": key})
        listed = re.search(r'name="ids" value="([\d,]*)"', page.text)
        ids = {int(n) for n in listed.group(1).split(",") if n} if listed else set()
        failures += _differs("batch print", key, ids, mix, expected)
    return failures


def _search(kernel: Kernel, reader: Any, mix: Mix, expected: dict[str, set[int]]) -> list[str]:
    """The global search finds, of every declared model, the records in scope."""
    if "search" not in kernel.enabled:
        return []
    page = reader.get(kernel.url_path_for("search:result_list"), params={"q": MIX}, headers=EN).text
    return [f for key in kernel.registry.search if key in mix.ids
            for f in _differs("global search", key, links(kernel, key, page) | mix.found(key, page), mix,
                              expected[key])]


def _reports(kernel: Kernel, reader: Any, mix: Mix, expected: dict[str, set[int]]) -> list[str]:
    """Every dataset's records behind its count, and the count itself (the XLSX export)."""
    if "dashboard" not in kernel.enabled:
        return []
    failures = []
    for decl in kernel.registry.datasets.values():
        key = decl.model.__model_key__
        counts = [name for name, spec in decl.measures.items() if spec == "count"]
        if key not in mix.ids or not counts:
            continue
        query = {"dataset": decl.key, "measure": counts[0]}
        page = reader.get(kernel.url_path_for("dashboard:record_list"), params=query)
        assert page.status_code == 200, f"{decl.key} records: {page.status_code}"
        failures += _differs(f"report {decl.key}", key, links(kernel, key, page.text) | mix.found(key, page.text),
                             mix, expected[key])
        book = reader.get(kernel.url_path_for("dashboard:report_export"), params=query)
        assert book.status_code == 200, f"{decl.key} export: {book.status_code}"
        sheet = load_workbook(io.BytesIO(book.content)).worksheets[0]
        numbers = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, int | float)]
        if numbers[-1:] != [len(expected[key])]:
            failures.append(f"report {decl.key}: counts {numbers}, not {len(expected[key])}")
    return failures


def _prints(kernel: Kernel, reader: Any, mix: Mix, expected: dict[str, set[int]]) -> list[str]:
    """Every print declaration prints none of the records out of scope, and
    one of them prints a record in scope (a PDF costs: the batch print's ids
    are the rest of the proof)."""
    if "printing" not in kernel.enabled:
        return []
    failures, printed = [], False
    for decl in kernel.registry.prints.values():
        key = decl.model.__model_key__
        if key not in mix.ids:
            continue
        inside = [] if printed else sorted(expected[key] & set(mix.ids[key]))[:1]
        printed = printed or bool(inside)
        for ident in inside + sorted(set(mix.ids[key]) - expected[key]):
            status = reader.get(kernel.url_path_for("printing:document_pdf", key=decl.key, id=ident)).status_code
            if status != (200 if ident in expected[key] else 404):
                failures.append(f"print {decl.key} of {ident}: {status}")
    if not printed:
        failures.append("no print declaration printed a record in scope")
    return failures

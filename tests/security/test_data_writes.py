"""Mass assignment and restricted fields on the way in (design rule 8):
posting every column of a model, plus its organisation, owner, department,
state, approval fields, version, id and timestamps, and new values for the
fields a role hides or makes read-only, changes only what the user may
edit, through every create and update form, the REST API and the import.

Generated from the registry: every model a page shows (``registry.cruds``)
and every importable model. The forms are filled as a browser fills them:
from the page's own inputs (``data_support.PageForms``). What a plain save
changes is learnt first, by saving the same form twice (a version, a time
of change); a save with every other column posted must change nothing
more. A new record made with every other column posted must equal one
made without, but for what differs between two plain ones (its id, its
number, the text typed).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

from data_support import (
    NAMED,
    PASSWORD,
    OrgA,
    PageForms,
    Rules,
    api_client,
    browser,
    csrf,
    options,
    restricted_user,
    seed_org_a,
    text_for,
)
from sqlalchemy import Column, Table, func, select

from core.app import Kernel
from core.db import Base, UTCDateTime
from core.jobs import Worker
from core.models import User
from core.permissions import Actor, load_actor

#: names a request might try besides the model's columns
META = ("org_id", "owner_id", "department_id", "state", "approved_at", "approved_by", "approved_by_id",
        "approval_state", "version", "id", "created_at", "updated_at", "deleted_at", "created_by_id", "extra",
        "path", "password_hash")
INJECTED = "注入值"


class Elsewhere:
    """The rows junk points at: another organisation, its department and user."""

    def __init__(self, make: Any) -> None:
        org = make.org("乙公司")
        self.org_id = org.id
        self.department_id = make.department(org, "乙部门").id
        self.user_id = make.user(org=org, username="b_user", roles=()).id

    def value(self, column: Column[Any] | None, *, json: bool = False) -> Any:
        """A value of the column's type that no form of org A holds."""
        if column is not None and column.foreign_keys:
            target = next(iter(column.foreign_keys)).column.table.name
            return {"core_org": self.org_id, "core_user": self.user_id}.get(target, self.department_id)
        kind = _python_type(column)
        if kind is bool:
            return True if json else "1"
        if kind is int:
            return 7 if json else "7"
        if kind is Decimal:
            return "7"
        if column is not None and isinstance(column.type, UTCDateTime):
            return "2001-02-03T04:05:06"
        if kind is date:
            return "2001-02-03"
        if kind in (dict, list):
            return {"x_injected": INJECTED} if json else '{"x_injected": "注入值"}'
        return INJECTED


def _python_type(column: Column[Any] | None) -> type | None:
    try:
        return column.type.python_type if column is not None else str
    except NotImplementedError:
        return None


def junk(table: Table, elsewhere: Elsewhere, keep: set[str], *, json: bool = False) -> dict[str, Any]:
    """Every column of ``table`` and every name of :data:`META` but ``keep``, each with a value."""
    names = dict.fromkeys([*table.c.keys(), *META])
    return {n: elsewhere.value(table.c.get(n), json=json) for n in names if n not in keep}


def row(kernel: Kernel, table: Table, ident: int) -> dict[str, Any]:
    with kernel.db.session(write=False) as db:
        found = db.execute(select(table).where(table.c.id == ident)).mappings().one()
    return dict(found)


def form_data(pairs: list[tuple[str, Any]]) -> dict[str, list[Any]]:
    """Pairs as a form sends them (a name repeated: several values)."""
    out: dict[str, list[Any]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def differing(a: dict[str, Any], b: dict[str, Any]) -> set[str]:
    return {k for k in a if a[k] != b[k]}


def writer(kernel: Kernel, make: Any, seeded: OrgA, rules: Rules) -> tuple[int, Actor]:
    user_id = restricted_user(kernel, make, seeded, rules, "writer")
    with kernel.db.session(write=False) as db:
        user = db.get(User, user_id)
        assert user is not None
        return user_id, load_actor(db, user, all_codes=set(kernel.registry.permissions))


#: forms a generator cannot fill, by model and action, with what they need
NEEDS = {
    ("activity.reminder_rule", "create"): "its date field's choices come with the chosen record type (htmx)",
    ("api.webhook", "create"): "a URL the server may reach and events named by model keys",
    ("api.webhook", "update"): "a URL the server may reach and events named by model keys",
    ("crm.lead", "create"): "a mobile or an e-mail, which the writer's field rules make read-only",
    ("sales.quote", "create"): "lines priced within the currency's decimals, a price list in its currency",
    ("sales.quote", "update"): "lines priced within the currency's decimals, a price list in its currency",
    ("sales.contract", "create"): "lines priced within the currency's decimals",
    ("sales.contract", "update"): "lines priced within the currency's decimals",
    ("sales.delivery", "create"): "the contract it delivers (its new page takes ?contract_id=)",
    ("sales.return", "create"): "the contract it returns goods of (its new page takes ?contract_id=)",
    ("exhibitions.floor_plan", "create"): "a hall and edition that have no plan yet (one plan per hall and edition)",
    ("exhibitions.booth", "create"): "a free spot on the plan for each booth (booths never lie over each other)",
    ("exhibitions.service_order", "create"): "lines naming services of the chosen edition (the form offers them "
                                             "once the edition is chosen)",
    ("exhibitions.service_order", "update"): "lines naming services of the order's edition",
    ("exhibitions.visitor", "create"): "a mobile or an e-mail, which the writer's field rules make read-only",
    ("exhibitions.visitor", "update"): "a mobile or an e-mail, which the writer's field rules make read-only",
    ("exhibitions.desk_request", "create"): "an exhibitor with a booth in the chosen edition (the form offers "
                                            "the edition's exhibitors)",
    ("exhibitions.desk_request", "update"): "an exhibitor with a booth in the request's edition",
    ("exhibitions.desk_sla", "create"): "a category and priority with no service level yet (one level for each)",
    ("exhibitions.decoration_project", "create"): "a raw-space booth sold to an exhibitor and no project yet, "
                                                  "and a builder neither blacklisted nor expired",
    ("exhibitions.decoration_project", "update"): "a project still in draft or sent back for changes (the seeded "
                                                  "state is neither)",
    ("exhibitions.storage_receipt", "create"): "lines of pieces with their packages and m³",
    ("exhibitions.storage_receipt", "update"): "lines of pieces with their packages and m³",
}


def test_forms_and_the_api_change_only_what_the_user_may_edit(kernel: Kernel, make: Any,
                                                              password_hash: str) -> None:
    rules = Rules(kernel, cycle=("", "readonly", "hidden"), required=False)
    pages = {crud.model.__tablename__ for _, crud in kernel.registry.cruds.values()}
    seeded = seed_org_a(kernel, password_hash, text=rules, only=pages)
    user_id, actor = writer(kernel, make, seeded, rules)
    elsewhere = Elsewhere(make)
    failures: list[str] = []
    saved: list[str] = []
    with browser(kernel, "writer", PASSWORD) as page, api_client(kernel, user_id) as api:
        for key, (mount, crud) in kernel.registry.cruds.items():
            table = Base.metadata.tables[crud.model.__tablename__]
            # what the writer may edit: the form's fields but those the role's field rules lock
            editable = {f.name for f in crud.form.fields} - {n for (k, n) in rules.modes if k == key}
            if f"{key}.update" in kernel.registry.permissions and seeded.rows.get(table.name) == seeded.ident:
                if (key, "update") not in NEEDS:
                    failures += _update_form(kernel, page, mount, crud, table, seeded.ident, elsewhere, editable,
                                             saved)
                if "api" in kernel.enabled:
                    failures += _update_api(kernel, api, mount, crud, table, seeded.ident, elsewhere, editable)
            if f"{key}.create" in kernel.registry.permissions:
                if (key, "create") not in NEEDS:
                    failures += _create_form(kernel, page, mount, crud, table, elsewhere, editable, saved)
                if "api" in kernel.enabled:
                    failures += _create_api(kernel, api, mount, crud, table, elsewhere, editable)
    assert not failures, "\n".join(failures)
    # the saves that proved the forms work: the kernel's and the example plugin's at least
    assert {"core.department update", "notes.note update", "notes.note create", "crm.customer update"} <= set(saved)


def _update_form(kernel: Kernel, browser: Any, mount: str, crud: Any, table: Table, ident: int,
                 elsewhere: Elsewhere, keep: set[str], saved: list[str]) -> list[str]:
    """Save the edit form twice as it is (what a save changes by itself),
    then with every other column posted: nothing more may change."""
    edit = kernel.url_path_for(f"{mount}:{crud.noun}_edit", id=ident)
    action = kernel.url_path_for(f"{mount}:{crud.noun}_update", id=ident)
    # the proof that a save saves: a new title, where the user may change it
    named_by = crud.title_attr if crud.title_attr in keep else ""
    title = f"{NAMED}改{crud.noun}"[:_length(table, crud.title_attr)]
    states = []
    for turn in range(3):
        page = browser.get(edit)
        if page.status_code != 200:
            return [f"{crud.key} edit page: {page.status_code}"]
        sent = [(n, title if n == named_by else v) for n, v in PageForms(page.text).forms.get(action, [])]
        extra = junk(table, elsewhere, keep | {n for n, _ in sent}) if turn == 2 else {}
        response = _save(browser, action, sent, extra, crud, table, page.text, turn)
        if response.status_code != 303:
            return [f"{crud.key} update (turn {turn}): {response.status_code} {_errors(response.text)}"]
        states.append(row(kernel, table, ident))
    if named_by and states[0][named_by] != title:
        return [f"{crud.key} update: the title was not saved"]
    saved.append(f"{crud.key} update")
    by_itself = differing(states[0], states[1])
    more = differing(states[1], states[2]) - by_itself
    return [f"{crud.key} update form: posting other columns changed {sorted(more)}"] if more else []


def _create_form(kernel: Kernel, browser: Any, mount: str, crud: Any, table: Table, elsewhere: Elsewhere,
                 keep: set[str], saved: list[str]) -> list[str]:
    """Make three records from the new form: two plain ones (what differs by
    itself), one with every other column posted (nothing more may differ)."""
    new = kernel.url_path_for(f"{mount}:{crud.noun}_new")
    action = kernel.url_path_for(f"{mount}:{crud.noun}_create")
    page = browser.get(new)
    if page.status_code != 200:
        return [f"{crud.key} new page: {page.status_code}"]
    made = []
    for turn in range(3):
        sent = PageForms(page.text).forms.get(action, [])
        extra = junk(table, elsewhere, keep | {n for n, _ in sent}) if turn == 2 else {}
        response = _save(browser, action, sent, extra, crud, table, page.text, turn)
        if response.status_code != 303:
            return [f"{crud.key} create (turn {turn}): {response.status_code} {_errors(response.text)}"]
        found = re.search(r"/(\d+)(?:[/?#]|$)", response.headers["location"])
        if found is None:
            return [f"{crud.key} create: sent to {response.headers['location']}"]
        made.append(row(kernel, table, int(found.group(1))))
    saved.append(f"{crud.key} create")
    by_itself = differing(made[0], made[1])
    more = differing(made[1], made[2]) - by_itself
    return [f"{crud.key} create form: posting other columns changed {sorted(more)}"] if more else []


def _save(browser: Any, action: str, sent: list[tuple[str, str]], extra: dict[str, Any], crud: Any, table: Table,
          html: str, turn: int) -> Any:
    """Post a form as a user fills it: the empty inputs of required fields
    get a value of their kind (text unique to the turn), a select its first
    choice. The fields the answer marks wrong are filled again (a select:
    its next choice); an error on no input of the form (a document's lines,
    "a mobile or an e-mail") fills every empty input. Three times at most."""
    fields = {f.name: f for f in crud.form.fields}
    types = PageForms(html).types
    wrong: set[str] = set()
    for attempt in range(4):
        every = bool(wrong - {n for n, _ in sent})
        filled = [(n, _value(n, v, fields.get(n), types.get(n, ""), html, table, turn, attempt)
                   if n in wrong or (not v and (every or getattr(fields.get(n), "required", False))) else v)
                  for n, v in sent]
        response = browser.post(action, data=form_data(filled + list(extra.items())), follow_redirects=False)
        marked = re.findall(r'id="(?:f-([\w\[\]]+)|(line)-\d+)-err"', response.text)
        wrong = {a or b for a, b in marked} if response.status_code == 422 else set()
        if not wrong:
            return response
        sent = filled
    return response


def _value(name: str, value: str, field: Any, kind: str, html: str, table: Table, turn: int, attempt: int) -> str:
    """What a user types into an empty (or wrong) input: a choice of the
    select, else a value of the field's kind or of the input's type."""
    offered = options(html, name)
    if offered:
        choices = [o for o in offered if o] if getattr(field, "required", True) else offered
        return choices[attempt % len(choices)] if choices else ""
    kind = getattr(field, "kind", "") or {"number": "decimal", "email": "email", "date": "date"}.get(kind, "text")
    typed = {"text": f"{NAMED}{turn}{attempt}", "textarea": f"{NAMED}{turn}{attempt}",
             "email": f"n{turn}{attempt}@example.cn", "int": "" if attempt == 0 else "1", "decimal": "1",
             "date": date.today().isoformat()}.get(kind, value)
    column = table.c.get(name)
    return text_for(column, typed) if column is not None and kind in ("text", "textarea") else typed


def _length(table: Table, name: str) -> int:
    column = table.c.get(name)
    return getattr(column.type, "length", None) or 200 if column is not None else 200


def _errors(html: str) -> str:
    """The messages a form's answer marks its fields with."""
    found = re.findall(r'id="(?:f-[\w\[\]]+|line-\d+)-err"[^>]*>(.*?)</(?:div|td)>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>|\s+", " ", m).strip() for m in found)[:300]


def _update_api(kernel: Kernel, api: Any, mount: str, crud: Any, table: Table, ident: int,
                elsewhere: Elsewhere, editable: set[str]) -> list[str]:
    """A PATCH with every column the user may not change is refused naming each (422) and changes nothing."""
    url = f"/api/v1/{mount}/{crud.noun}/{ident}"
    before = row(kernel, table, ident)
    body = junk(table, elsewhere, editable, json=True)
    body["version"] = before.get("version", 1)
    response = api.patch(url, json=body)
    named = {e["name"] for e in response.json().get("errors", [])} if response.status_code == 422 else set()
    failures = []
    if response.status_code != 422 or set(body) - {"version"} - named:
        failures.append(f"{crud.key} API PATCH: {response.status_code}, not naming "
                        f"{sorted(set(body) - {'version'} - named)}")
    if differing(before, row(kernel, table, ident)):
        failures.append(f"{crud.key} API PATCH changed {sorted(differing(before, row(kernel, table, ident)))}")
    return failures


def _create_api(kernel: Kernel, api: Any, mount: str, crud: Any, table: Table, elsewhere: Elsewhere,
                editable: set[str]) -> list[str]:
    """A POST with every column the user may not set is refused naming each (422) and makes nothing."""
    count = select(func.count()).select_from(table)
    with kernel.db.session(write=False) as db:
        before = db.scalar(count)
    body = junk(table, elsewhere, editable, json=True)
    response = api.post(f"/api/v1/{mount}/{crud.noun}", json=body)
    named = {e["name"] for e in response.json().get("errors", [])} if response.status_code == 422 else set()
    with kernel.db.session(write=False) as db:
        after = db.scalar(count)
    failures = []
    if response.status_code != 422 or set(body) - named:
        failures.append(f"{crud.key} API POST: {response.status_code}, not naming {sorted(set(body) - named)}")
    if after != before:
        failures.append(f"{crud.key} API POST made a record")
    return failures


def test_an_import_writes_only_what_the_user_may_edit(kernel: Kernel, make: Any, password_hash: str) -> None:
    from plugins.dataio import importer

    rules = Rules(kernel, cycle=("", "readonly", "hidden"), required=False)
    pages = {crud.model.__tablename__ for _, crud in kernel.registry.cruds.values()}
    seeded = seed_org_a(kernel, password_hash, text=rules, only=pages)
    _user_id, actor = writer(kernel, make, seeded, rules)
    elsewhere = Elsewhere(make)
    failures, imported = [], []
    client = browser(kernel, "writer", PASSWORD)
    for key, target in importer.targets(kernel.pm.hook, kernel.registry).items():
        table = Base.metadata.tables[target.crud.model.__tablename__]
        if seeded.rows.get(table.name) != seeded.ident or not target.decl.match_keys:
            continue
        match = target.decl.match_keys[0]
        before = row(kernel, table, seeded.ident)
        free = [n for n in rules.free.get(key, []) if n != match]
        plain = {match: before[match], **{n: f"{NAMED}导入{n}"[:_length(table, n)] for n in free}}
        # what the writer may import: the form's fields but those the role's field rules lock
        columns = {f.name for f in target.crud.form.fields} - {n for (k, n) in rules.modes if k == key}
        posted = {**plain, **{n: str(v) for n, v in junk(table, elsewhere, columns | set(plain)).items()}}
        buf = io.StringIO()
        csv.writer(buf).writerows([list(posted), list(posted.values())])
        upload = client.post(kernel.url_path_for("dataio:import_create", model=key),
                             data={"csrf_token": csrf(client), "mode": "update", "match_key": match},
                             files={"file": ("data.csv", buf.getvalue().encode(), "text/csv")},
                             follow_redirects=False)
        assert upload.status_code == 303, (key, upload.status_code)
        batch = int(upload.headers["location"].rsplit("/", 1)[1])
        check = client.post(kernel.url_path_for("dataio:batch_check", id=batch),
                            data={"csrf_token": csrf(client), **{f"map_{n}": n for n in posted}})
        commit = client.post(kernel.url_path_for("dataio:batch_commit", id=batch),
                             data={"csrf_token": csrf(client)}, follow_redirects=False)
        Worker(kernel, "test").run_pending()
        after = row(kernel, table, seeded.ident)
        changed = differing(before, after) - set(free) - {"version", "updated_at"}
        if changed:
            failures.append(f"{key} import changed {sorted(changed)}")
        if check.status_code != 200 or commit.status_code not in (303, 409):
            failures.append(f"{key} import: check {check.status_code}, commit {commit.status_code}")
        if free and all(after[n] == plain[n] for n in free):
            imported.append(key)
    assert not failures, "\n".join(failures)
    # the imports that proved a file writes what the user may edit: the kernel's and the example plugin's at least
    assert {"core.department", "notes.note"} <= set(imported)

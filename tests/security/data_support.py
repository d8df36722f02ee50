"""Seeding and walking helpers for the data-security tests (who sees and
writes what), generated from the app's tables, models and routes so that a
plugin added later is covered without work of its own.

* :func:`seed_org_a` puts a row into every table (``Base.metadata``) for
  organisation A, each with the same id, :data:`FIXED_ID`, in its own table.
  Any route's ``{id}`` (and ``{aid}``, ``{rate_id}``...) filled with that id
  then reaches a real row of org A, whatever the route shows: a record, an
  attachment, an issued copy, an approval task, an API token.
* :func:`seed_mix` puts a handful of records of every registered model with
  an organisation column into org A and org B, with different owners and
  departments, for comparing what a restricted user sees channel by channel.
* :func:`routes`, :func:`fill` and :func:`api_resources` list the route table
  and the REST resources, as the walk calls them.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import Column, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from core.admin import services
from core.app import Kernel
from core.auth import CSRF_COOKIE, create_api_token
from core.db import Base, SoftDeleteMixin, UTCDateTime, utcnow
from core.models import Department, Org, RecordShare, Role, RoleAssignment, User
from core.permissions import _col
from core.web import AUTHENTICATED, PUBLIC

#: the password of every user the suite's factories make (tests/conftest.py)
PASSWORD = "correct-horse-battery"
#: the id of org A's row in every table
FIXED_ID = 900_001
#: text every string column of org A's rows carries
MARKER = "机密甲"
#: a file: one transparent pixel (PNG), which an image column and a printed letterhead take
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
#: kernel tables that hold no one's records, each left unseeded for its reason
NOT_SEEDED = {
    "core_acl_stamp": "the actor cache's single counter row, kept by the wipe",
    "core_plugin_state": "which plugins are enabled: a row would switch a plugin on or off",
    "core_session": "a login: the walk logs its users in for real",
    "core_login_throttle": "failed logins per name and address, keyed by them, not by id",
    "core_job_schedule": "when each scheduled job runs next, keyed by the job's name",
    "core_external_id": "what plugins shipped, keyed by (plugin, key): a row would claim a shipped role",
}


def table_key(table: Table) -> str:
    """``crm_customer`` -> ``crm.customer``: a table's model key."""
    return table.name.replace("_", ".", 1)


def link_model(kernel: Kernel) -> str:
    """The model a seeded link (``record_model``, an approval's ``model``)
    points at: one with a workflow (so that approvals and transitions find
    it), else the first model with a page."""
    workflows = [k for k in kernel.registry.workflows if k in kernel.registry.models]
    return workflows[0] if workflows else next(iter(kernel.registry.cruds))


def text_for(column: Column[Any], text: str) -> str:
    """``text`` cut to what the column holds; a column of three characters or
    fewer holds a code (a currency's ``CNY``): capital letters made from ``text``."""
    limit = getattr(column.type, "length", None)
    if limit and limit <= 3:
        return code_of(text, limit)
    return text[:limit] if limit else text


def code_of(text: str, length: int = 3) -> str:
    """Capital letters, the same for the same text (a code column's value)."""
    n = zlib.crc32(text.encode())
    return "".join(chr(65 + (n // 26**i) % 26) for i in range(length))


def value_for(column: Column[Any], text: str) -> Any:
    """A value of the column's type: ``text`` for strings (cut to the column's
    length), 1 for numbers and amounts, now and today for times and dates."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return None
    if kind is str:
        return text_for(column, text)
    if kind is bool:
        return False
    if kind is int:
        return 1  # a count, a size, a position
    if kind is Decimal:
        return Decimal("1")
    if isinstance(column.type, UTCDateTime):
        return datetime.now(UTC)
    if kind is date:
        return date.today()
    if kind is bytes:
        return PIXEL  # a stored file: a product image, a letterhead's logo, a batch's PDF
    if kind in (dict, list):
        return kind()
    return None


@dataclass
class Owners:
    """Who a seeded row belongs to: its organisation, owner and department."""

    org_id: int
    owner_id: int
    department_id: int


def scope_columns(table: Table) -> dict[str, str]:
    """Column name -> ``org``, ``owner`` or ``department``: where a row of
    ``table`` says whose it is (``__scope_columns__``; by default ``org_id``,
    ``owner_id``, ``department_id``)."""
    model = model_of_table(table)
    named = getattr(model, "__scope_columns__", None) or {
        "org": "org_id", "owner": "owner_id", "department": "department_id"}
    return {name: role for role, name in named.items() if name in table.c and not table.c[name].primary_key}


def row_values(table: Table, owners: Owners, *, parent: Callable[[Table], int | None],
               text: str | Callable[[Column[Any]], str], linked: tuple[str, int],
               fill_optional: bool = False) -> dict[str, Any]:
    """Values for a row of ``table``: the required columns (and, with
    ``fill_optional``, the text columns that may be empty), the owners in the
    scope columns, a required link to ``parent(target table)``; a column
    naming a model (``record_model``, ``model``) and ``record_id`` name the
    record ``linked`` (model key, id). A text column holds ``text`` and its
    name, or what ``text(column)`` gives."""
    values: dict[str, Any] = {}
    scoped = scope_columns(table)
    text_of = text if callable(text) else lambda c: f"{text}{c.name}"
    for column in table.columns:
        name = column.name
        if name in scoped:
            values[name] = {"org": owners.org_id, "owner": owners.owner_id,
                            "department": owners.department_id}[scoped[name]]
        elif column.primary_key and not column.foreign_keys:
            continue
        elif name in ("model", "record_model"):
            values[name] = linked[0]
        elif name == "record_id":
            values[name] = linked[1]
        elif column.foreign_keys:
            target = next(iter(column.foreign_keys)).column.table
            if not column.nullable or column.primary_key:
                values[name] = parent(target)
        elif column.default is not None or column.server_default is not None or column.nullable:
            optional_text = fill_optional and is_text(column) and not column.info.get("choices")
            if optional_text and name not in _MEANINGFUL:
                values[name] = text_for(column, text_of(column))
            elif _python_type(column) is bytes:
                values[name] = value_for(column, "")  # a stored file: a batch's PDF
        elif name in PLAUSIBLE:
            values[name] = PLAUSIBLE[name]
        else:
            values[name] = value_for(column, text_of(column))
    return values


#: required text columns whose value the code reads as a format, not text to show
PLAUSIBLE = {"content_type": "application/octet-stream", "sha256": "0" * 64, "lang": "zh_CN"}


#: text columns whose value the code reads as a code or a key, never filled
_MEANINGFUL = frozenset({"state", "kind", "locale", "lang", "currency", "path", "extra", "token_hash",
                         "password_hash", "secret", "sha256", "content_type", "status", "mode",
                         "stage", "action", "channel", "category", "task", "point", "dataset", "widget",
                         "doc_key", "file_format", "encoding", "match_key", "event", "grain", "storage_key"})


def _python_type(column: Column[Any]) -> type | None:
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def is_text(column: Column[Any]) -> bool:
    return _python_type(column) is str


def seeded_tables(kernel: Kernel) -> list[Table]:
    """The tables of the enabled plugins and the kernel, parents first."""
    enabled = {m.__table__.name for m in kernel.registry.models.values()}  # type: ignore[attr-defined]
    return [t for t in Base.metadata.sorted_tables
            if t.name not in NOT_SEEDED and (t.name in enabled or t.name.startswith("core_"))]


def model_of_table(table: Table) -> type[Base] | None:
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    return None


def owned(table: Table, owned_tables: set[str]) -> bool:
    """Is a row of ``table`` some organisation's data: it has an organisation
    column, links to a record (``record_id``), or needs a row of such a table
    (a contact's customer, an approval's submitter)? The rest (currencies,
    roles, custom field definitions) is the installation's, shared by all."""
    model = model_of_table(table)
    if "org_id" in table.c or (model is not None and _col(model, "org") is not None) or "record_id" in table.c:
        return True
    return any(next(iter(c.foreign_keys)).column.table.name in owned_tables
               for c in table.columns if c.foreign_keys and (not c.nullable or c.primary_key))


@dataclass
class OrgA:
    """Organisation A as :func:`seed_org_a` made it: its rows all have the id
    ``ident``; the installation's shared rows (:func:`owned`) they need have
    ``shared`` and no marker."""

    ident: int
    shared: int
    org_id: int
    department_id: int
    owner_id: int
    linked: str
    #: table name -> id of its seeded row (org A's, or a shared one)
    rows: dict[str, int] = field(default_factory=dict)

    def own(self) -> dict[str, int]:
        """Org A's rows: table name -> id."""
        return {name: ident for name, ident in self.rows.items() if ident == self.ident}


#: the text of a column of a table's seeded row
TextOf = Callable[[Table, Column[Any]], str]


def seed_org_a(kernel: Kernel, password_hash: str, *, ident: int = FIXED_ID, marker: str = MARKER,
               text: TextOf | None = None, fill_optional: bool = False, only: set[str] | None = None) -> OrgA:
    """Organisation A (a branch of head office) with a department, a user who
    may log in (username ``a_owner``, an administrator in A) and a row of every
    other table: org A's with the id ``ident`` and ``marker`` in their text,
    the shared ones with the id ``ident + 1`` and neutral text. With ``text``,
    the text columns hold what it gives instead; with ``fill_optional``, the
    optional ones too. With ``only``, the rows of those tables alone (and of
    the tables they need: a contact's customer), none of their children."""
    linked = link_model(kernel)
    with kernel.db.session() as db:
        hq = db.scalar(select(Org).where(Org.code == "HQ"))
        assert hq is not None
        org = services.create_org(db, None, {"id": ident, "code": f"{marker}A", "name": f"{marker}集团",
                                             "parent_id": hq.id, "active": True})
        dept = Department(id=ident, org_id=org.id, name=f"{marker}部门")
        db.add(dept)
        db.flush()
        services.set_tree_path(db, dept, None)
        owner = User(id=ident, username="a_owner", display_name=f"{marker}用户", org_id=org.id,
                     department_id=dept.id, password_hash=password_hash, email="a.owner@example.cn")
        db.add(owner)
        db.flush()
        admin = db.scalar(select(Role.id).where(Role.key == "admin"))
        db.add(RoleAssignment(user_id=owner.id, role_id=admin, org_id=org.id))
        owners = Owners(org.id, owner.id, dept.id)
        seeded = OrgA(ident, ident + 1, org.id, dept.id, owner.id, linked,
                      {"core_org": ident, "core_department": ident, "core_user": ident})
        wanted = needed(only) if only is not None else None
        for table in seeded_tables(kernel):
            if table.name in seeded.rows or (wanted is not None and table.name not in wanted):
                continue
            model = model_of_table(table)
            mine = owned(table, set(seeded.own()))
            chosen: str | Callable[[Column[Any]], str] = marker if mine else "公用"
            if text is not None:
                chosen = partial(text, table)
            values = row_values(table, owners, parent=lambda t: seeded.rows.get(t.name), text=chosen,
                                linked=(linked, ident), fill_optional=fill_optional)
            if "id" in table.columns:
                values["id"] = ident if mine else seeded.shared
            if model is None or any(v is None for k, v in values.items() if not table.columns[k].nullable):
                continue  # a required link to a table not seeded
            db.add(model(**values))
            db.flush()
            seeded.rows[table.name] = ident if mine else seeded.shared
    return seeded


def needed(tables: set[str]) -> set[str]:
    """``tables`` and every table a row of them needs (a required link), recursively."""
    out, todo = set(), list(tables)
    while todo:
        name = todo.pop()
        if name in out or name not in Base.metadata.tables:
            continue
        out.add(name)
        todo += [next(iter(c.foreign_keys)).column.table.name for c in Base.metadata.tables[name].columns
                 if c.foreign_keys and not c.nullable]
    return out


def seed_deleted(kernel: Kernel, seeded: OrgA) -> str:
    """Move org A's record of the last model with a recycle bin there (a
    plugin's, which no other row needs); its key."""
    own = seeded.own()
    key, model = [(k, m) for k, m in kernel.registry.models.items() if issubclass(m, SoftDeleteMixin)
                  and m.__table__.name in own][-1]  # type: ignore[attr-defined]
    with kernel.db.session() as db:
        record = db.get(model, seeded.ident)
        assert record is not None
        record.deleted_at = utcnow()
    return key


def realise(kernel: Kernel, owner: TestClient, seeded: OrgA) -> list[str]:
    """Make again, through their own routes and as org A's owner, the rows
    whose seeded form is not real enough for the routes that serve them (an
    attachment needs its file, an issued copy is a printed PDF), and give them
    org A's id; the tables remade."""
    made: list[tuple[str, Any]] = []
    if "activity" in kernel.enabled:
        url = kernel.url_path_for("activity:attachment_create", model=seeded.linked, id=seeded.ident)
        made.append(("activity_attachment", owner.post(url, data={"csrf_token": owner.csrf()},  # type: ignore[attr-defined]
                                                       files={"file": (f"{MARKER}.txt", f"{MARKER}附件".encode())})))
    kept = [d for d in kernel.registry.prints.values() if d.keep_issued and d.model.__table__.name in seeded.rows]  # type: ignore[attr-defined]
    if "printing" in kernel.enabled and kept:
        url = kernel.url_path_for("printing:issued_create", key=kept[0].key, id=seeded.ident)
        made.append(("printing_issued_copy", owner.post(url, data={"csrf_token": owner.csrf()})))  # type: ignore[attr-defined]
    tables = Base.metadata.tables
    with kernel.db.session() as db:
        for name, response in made:
            assert response.status_code in (200, 303), f"{name}: {response.status_code} {response.text[:300]}"
            table = tables[name]
            newest = db.scalar(select(table.c.id).where(table.c.id != seeded.ident).order_by(table.c.id.desc()))
            db.execute(table.delete().where(table.c.id == seeded.ident))
            db.execute(table.update().where(table.c.id == newest).values(id=seeded.ident))
    return [name for name, _ in made]


# ------------------------------------------------------------------ a mix for one restricted user

#: text every string column of the mix's records starts with, then the record's number
MIX = "混合记"
TOKEN = re.compile(MIX + r"(\d{4})号")


@dataclass
class Mix:
    """Records of every model with an organisation, for one user ``reader``
    (username ``reader``) of org A, department 1, whose grants have the scope
    ``scopes[model key]`` ("own" or "department": every other model the
    other, or "org" where a model has neither column)."""

    reader_id: int
    org_a: int
    org_b: int
    scopes: dict[str, str]
    #: model key -> ids of the mix's records of it
    ids: dict[str, list[int]] = field(default_factory=dict)
    #: model key -> the id of its record at each of :data:`PLACES` (None: none there)
    at: dict[str, list[int | None]] = field(default_factory=dict)
    #: number in a record's text (``混合记0007号``) -> (model key, id)
    numbers: dict[int, tuple[str, int]] = field(default_factory=dict)

    def found(self, key: str, text: str) -> set[int]:
        """Ids of ``key``'s records whose number shows in ``text``."""
        return {ident for n in TOKEN.findall(text) if (found := self.numbers.get(int(n))) and found[0] == key
                for ident in [found[1]]}


#: who each record of the mix belongs to: (org, owner, department), by name
PLACES = (("a", "reader", "d1"), ("a", "colleague", "d1"), ("a", "other", "d2"), ("a", "reader", "d2"),
          ("b", "stranger", "db"), ("a", "other", "d2"), ("a", "reader", "d1"))
#: the record of :data:`PLACES` shared with the reader, and the one in the recycle bin
SHARED, DELETED = 5, 6


def seed_mix(kernel: Kernel, make: Any) -> Mix:
    """Orgs A and B, two departments in A, users and, of every model whose
    rows belong to an organisation (:func:`owned`), one record for each place
    in :data:`PLACES`; its children point at their parent of the same place,
    links (``record_model``, ``record_id``) at the linked model's record of the
    same place. The reader's grants give every permission code the scope of
    its model; the record at :data:`SHARED` is shared with the reader, the one
    at :data:`DELETED` is in the recycle bin."""
    a, b = make.org("甲公司"), make.org("乙公司")
    d1, d2, db_ = make.department(a, "一部"), make.department(a, "二部"), make.department(b, "乙部")
    people = {"colleague": make.user(org=a, department=d1, username="colleague", roles=()),
              "other": make.user(org=a, department=d2, username="other", roles=()),
              "stranger": make.user(org=b, department=db_, username="stranger", roles=())}
    scopes = {key: _scope_for(model, n) for n, (key, model) in enumerate(kernel.registry.models.items())}
    grants = {code: scopes.get(code.rsplit(".", 1)[0], "org") for code in kernel.registry.permissions}
    people["reader"] = make.user(org=a, department=d1, username="reader", roles=(), grants=grants)
    mix = Mix(people["reader"].id, a.id, b.id, scopes)
    orgs, depts = {"a": a.id, "b": b.id}, {"d1": d1.id, "d2": d2.id, "db": db_.id}
    places = [Owners(orgs[o], people[p].id, depts[d]) for o, p, d in PLACES]
    registered = {m.__table__.name: key for key, m in kernel.registry.models.items()}  # type: ignore[attr-defined]
    linked = link_model(kernel)
    tables = [t for t in seeded_tables(kernel) if t.name != "core_org" and "id" in t.c]
    made: dict[str, list[int | None]] = {}  # table -> id at each place (None: none there)
    mine_tables: set[str] = set()
    serial = iter(range(1, 10_000))
    with kernel.db.session() as db:
        # links name records by id, not by a foreign key: the linked ones first
        for table in sorted(tables, key=lambda t: "record_id" in t.c):
            model = model_of_table(table)
            assert model is not None
            mine = owned(table, mine_tables)
            existing = None if mine else db.scalar(select(table.c.id).limit(1))
            if existing is not None:  # the installation's own (a shipped currency): used as it is
                made[table.name] = [existing] * len(places)
                continue
            rows: list[int | None] = []
            for place, owners in enumerate(places if mine else places[:1]):
                number = next(serial)
                target = _at(made.get(kernel.registry.models[linked].__table__.name), place)  # type: ignore[attr-defined]
                values = row_values(table, owners, parent=lambda t: _at(made.get(t.name), place),  # noqa: B023
                                    text=f"{MIX}{number:04d}号", linked=(linked, target or 0), fill_optional=mine)
                if place == DELETED and issubclass(model, SoftDeleteMixin):
                    values["deleted_at"] = utcnow()
                rows.append(_insert(db, model, table, values))
                if rows[-1] is not None:
                    mix.numbers[number] = (registered.get(table.name, table.name), rows[-1])
            made[table.name] = rows if mine else rows * len(places)
            if mine and any(rows):
                mine_tables.add(table.name)
                if table.name in registered:
                    mix.ids[registered[table.name]] = [r for r in rows if r is not None]
                    mix.at[registered[table.name]] = rows
                    shared = rows[SHARED]
                    if shared is not None and getattr(model, "__shareable__", True):
                        db.add(RecordShare(model=registered[table.name], record_id=shared,
                                           user_id=mix.reader_id, can_write=False))
    return mix


def _at(rows: list[int | None] | None, place: int) -> int | None:
    return rows[place] if rows else None


def _insert(db: Session, model: type[Base], table: Table, values: dict[str, Any]) -> int | None:
    """Insert one row; its id, or None when a required link is missing or a
    unique rule refuses it (one letterhead an organisation)."""
    if any(v is None for k, v in values.items() if not table.columns[k].nullable):
        return None
    try:
        with db.begin_nested():
            record = model(**values)
            db.add(record)
            db.flush()
    except IntegrityError:
        return None
    ident: int = getattr(record, "id")  # noqa: B009 - every table seeded here has an id
    return ident


def _scope_for(model: type[Base], n: int) -> str:
    """"own" for every other model and "department" for the rest, where the
    model has the column; "org" for a model with neither."""
    has = {"own": _col(model, "owner") is not None, "department": _col(model, "department") is not None}
    wanted = ("own", "department")[n % 2]
    if has[wanted]:
        return wanted
    return next((scope for scope, present in has.items() if present), "org")


# ------------------------------------------------------------------ routes


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    permission: str

    @property
    def has_id(self) -> bool:
        """Does the path name something by number (``{id}``, ``{aid}``, a slot's ``{index}``)?"""
        return ":int}" in self.path

    @property
    def open(self) -> bool:
        return self.permission in (PUBLIC, AUTHENTICATED)


def routes(kernel: Kernel) -> list[Route]:
    """Every route of every enabled plugin, one per method."""
    out = []
    for mount, table in kernel.routes.items():
        prefix = table.prefix if table.prefix is not None else f"/{mount}"
        for spec in table.specs:
            for method in spec.methods:
                out.append(Route(f"{mount}:{spec.name}", method, prefix + spec.path, spec.permission))
    return out


def fill(kernel: Kernel, route: Route, seeded: OrgA, *, deleted: str, ident: int | None = None) -> list[str]:
    """The URLs the walk calls for ``route``: every number is org A's row
    (``ident``, by default the id all of org A's rows have). A ``{model}``
    beside a number (a record's timeline, its sharing, a transition) is each
    model with a page and a row of org A in turn; without a number, the model
    of the seeded links; in the recycle bin, the model with a deleted row.
    A ``{transition}`` is the first of that model's workflow, a ``{name}`` an
    enabled plugin, a ``{key}`` each print declaration's key in turn (the
    documents of every print declaration are walked)."""
    number = str(seeded.ident if ident is None else ident)
    if "recycle" in route.path:
        models = [deleted]
    elif "{model}" in route.path and route.has_id:
        own = seeded.own()
        models = [k for k, (_, crud) in kernel.registry.cruds.items()
                  if crud.model.__table__.name in own and k != deleted]
    else:
        models = [seeded.linked]
    keys = (list(kernel.registry.prints) or ["1"]) if "{key}" in route.path else [""]
    urls = []
    for model in models:
        workflow = kernel.registry.workflows.get(model)

        def value(match: re.Match[str]) -> str:
            name, kind = match.group(1), match.group(2)
            if kind == "int":
                return number
            if name == "model":
                return model  # noqa: B023 - used within the loop's own turn
            if name == "name":
                return next(iter(kernel.enabled), "core")
            if name == "transition":
                return workflow.transitions[0].name if workflow else "1"  # noqa: B023
            return "1"

        urls += [re.sub(r"\{(\w+)(?::(\w+))?\}", value, route.path.replace("{key}", key)) for key in keys]
    return list(dict.fromkeys(urls))


def call(client: TestClient, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    """A page request as a browser sends it: unsafe ones with the CSRF token."""
    if method == "GET":
        return client.get(url, follow_redirects=False)
    return client.request(method, url, data={"csrf_token": csrf(client), **(data or {})}, follow_redirects=False)


def csrf(client: TestClient) -> str:
    """The CSRF token a page of ``client`` carries (its cookie, set by any page)."""
    if CSRF_COOKIE not in client.cookies:
        client.get("/login")
    return str(client.cookies[CSRF_COOKIE])


def browser(kernel: Kernel, username: str, password: str) -> TestClient:
    """A browser signed in as ``username`` that gets a server error as an
    answer (500), not as an exception: a walk reports every one."""
    client = TestClient(kernel.asgi(), base_url="http://testserver", raise_server_exceptions=False)
    response = client.post("/login", data={"csrf_token": csrf(client), "username": username, "password": password},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    return client


def api_resources(kernel: Kernel) -> list[tuple[str, str, str]]:
    """(model key, method, URL template with ``{id}``) of every REST resource
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
            out += [(key, "POST", f"{base}/{{id}}/transitions/{t.name}") for t in workflow.transitions]
    return out


def api_client(kernel: Kernel, user_id: int) -> TestClient:
    """A client of the REST API holding an API token of the user."""
    with kernel.db.session() as db:
        user = db.get(User, user_id)
        assert user is not None
        token = create_api_token(db, user, "security")[1]
    return TestClient(kernel.asgi(), base_url="http://testserver",
                      headers={"Authorization": f"Bearer {token}"})


# ------------------------------------------------------------------ field rules

#: what hidden and read-only fields of org A hold, and the text of the fields records are named by
HIDDEN, READ_ONLY, NAMED = "密藏甲", "密读甲", "名"


class Rules:
    """Which rule a role has on each field, and what :func:`seed_org_a`
    writes in each text column. The free-text fields a model's pages declare
    (text inputs, text list columns and detail rows: names, phones,
    addresses, notes, terms) take the modes of ``cycle`` in turn ("" for
    none; only the optional ones unless ``required``), but those a record is named by (its title, its search title, a
    usual name column: what references to it show). Choices (a currency
    code, a kind) are codes, not data; every other column holds neutral text."""

    def __init__(self, kernel: Kernel, cycle: tuple[str, ...] = ("hidden",), *, required: bool = True) -> None:
        #: (model key, field) -> "hidden" | "readonly"
        self.modes: dict[tuple[str, str], str] = {}
        #: model key -> its free-text fields without a rule
        self.free: dict[str, list[str]] = {}
        self.tables: dict[str, str] = {}  # table -> model key
        for key, (_mount, crud) in kernel.registry.cruds.items():
            table = crud.model.__table__
            self.tables[table.name] = key
            search = kernel.registry.search.get(key)
            named = {crud.title_attr, search.title if search else "", "name", "title", "display_name",
                     "subject", "code"}
            coded = {f.name for f in crud.form.fields if f.kind not in ("text", "textarea", "email")}
            texts = [c.name for c in (*crud.list_view.columns, *crud.detail_fields) if c.kind == "text"] + [
                f.name for f in crud.form.fields if f.kind in ("text", "textarea", "email")]
            needed = set() if required else {f.name for f in crud.form.fields if f.required}
            fields = [n for n in dict.fromkeys(texts) if n in table.c and n not in named | coded | needed
                      and not table.c[n].info.get("choices")]
            for n, name in enumerate(fields):
                mode = cycle[n % len(cycle)]
                if mode:
                    self.modes[(key, name)] = mode
                else:
                    self.free.setdefault(key, []).append(name)

    def __call__(self, table: Table, column: Column[Any]) -> str:
        mode = self.modes.get((self.tables.get(table.name, ""), column.name))
        if not is_text(column) or mode is None:
            return f"{NAMED}{table.name}.{column.name}"
        return f"{HIDDEN if mode == 'hidden' else READ_ONLY}{table.name}.{column.name}"

    def hidden(self, key: str) -> list[str]:
        return [name for (k, name), mode in self.modes.items() if k == key and mode == "hidden"]


def restricted_user(kernel: Kernel, make: Any, seeded: OrgA, rules: Rules, username: str) -> int:
    """A user of org A with every permission (scope "org", "all" for the
    installation's own models) and the field rules; their id."""
    grants = {}
    for code in kernel.registry.permissions:
        model = kernel.registry.models.get(code.rsplit(".", 1)[0])
        grants[code] = "all" if model is not None and _col(model, "org") is None else "org"
    with kernel.db.session(write=False) as db:
        org, dept = db.get(Org, seeded.org_id), db.get(Department, seeded.department_id)
    reader = make.user(org=org, department=dept, username=username, roles=())
    with kernel.db.session() as db:
        role = services.create_role(db, None, {"key": "restricted", "name": "受限"})  # type: ignore[arg-type]
        services.set_role_grants(db, role, grants, kernel.registry)
        services.set_field_rules(db, role, rules.modes, kernel.registry)
        db.add(RoleAssignment(user_id=reader.id, role_id=role.id, org_id=seeded.org_id))
    return int(reader.id)


# ------------------------------------------------------------------ forms as a browser sends them


class PageForms(HTMLParser):
    """The forms of a page as a browser would submit them: the action of
    each form -> its (name, value) pairs, in order. Disabled controls send
    nothing; a select sends its selected option (the first, when none is);
    checkboxes and radio buttons send only when checked."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, list[tuple[str, str]]] = {}
        #: an input's name -> its type (``text``, ``number``, ``email``, ``date``, ``select``, ``textarea``...)
        self.types: dict[str, str] = {}
        self._form: list[tuple[str, str]] | None = None
        self._select: tuple[str, bool, list[str], list[str]] | None = None  # name, multiple, options, chosen
        self._textarea: tuple[str, list[str]] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action", ""), [])
        if self._form is None or "disabled" in a or not (a.get("name") or tag == "option"):
            return
        if "name" in a:
            self.types.setdefault(a["name"], a.get("type", "text") if tag == "input" else tag)
        if tag == "input" and a.get("type", "text") not in ("submit", "button", "file", "image", "reset"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._form.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select = (a["name"], "multiple" in a, [], [])
        elif tag == "option" and self._select is not None:
            self._select[2].append(a.get("value", ""))
            if "selected" in a:
                self._select[3].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = (a["name"], [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, options, chosen = self._select
            sent = chosen if multiple or chosen else options[:1]
            self._form.extend((name, value) for value in sent)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.append((self._textarea[0], "".join(self._textarea[1]).removeprefix("\n")))
            self._textarea = None


def options(html: str, name: str) -> list[str]:
    """The values a page's select named ``name`` offers."""
    found = re.search(r'<select[^>]*\bname="' + re.escape(name) + r'"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option[^>]*value="([^"]*)"', found.group(1)) if found else []

"""What the web-hardening tests (``tests/security/test_web_*.py``) share:
the Starlette route table as data, a database seeded with a row in every
table of every enabled plugin, real values for the parameters of a path, and
a checksum of every table.

Nothing here names a plugin: a plugin enabled later is seeded, walked and
checksummed the same way.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from core.app import Kernel
from core.config import Settings
from core.db import Base
from core.models import User
from core.web import AUTHENTICATED, PUBLIC, UNSAFE, RouteSpec
from tests.conftest import Client, Factory, fresh

MARKER = "安全网"
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
#: tables the seed leaves alone: rows only the kernel makes (a session is a
#: login, a throttle row a failed one), and the seed's own bookkeeping
NOT_SEEDED = frozenset({"core_session", "core_login_throttle", "core_acl_stamp", "core_plugin_state"})


# ------------------------------------------------------------------ the route table


@dataclass(frozen=True)
class WebRoute:
    """One method of one route of the Starlette table, with the kernel's
    declaration behind it (``spec``: its permission, its handler)."""

    method: str
    path: str  #: the whole path template, ``/crm/customers/{id:int}``
    name: str  #: ``mount:name``
    spec: RouteSpec

    @property
    def params(self) -> list[tuple[str, str]]:
        """(name, convertor) of each path parameter, in order."""
        return [(m.group(1), m.group(2) or "str") for m in _PARAM.finditer(self.path)]

    @property
    def public(self) -> bool:
        return self.spec.permission == PUBLIC

    @property
    def needs_permission(self) -> bool:
        return self.spec.permission not in (PUBLIC, AUTHENTICATED)

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.name})"


def _walk(routes: Iterable[BaseRoute], prefix: str = "", mount: str = "") -> Iterator[tuple[str, str, Route]]:
    for route in routes:
        if isinstance(route, Mount) and route.routes:
            yield from _walk(route.routes, prefix + route.path, route.name or "")
        elif isinstance(route, Route):
            yield prefix + route.path, mount, route


def web_routes(kernel: Kernel, app: Starlette) -> list[WebRoute]:
    """Every method of every route Starlette serves through the kernel (the
    static files and the ``/crm`` -> ``/crm/`` redirects are no endpoints of it)."""
    specs = {f"{mount}:{s.name}": s for mount, table in kernel.routes.items() for s in table.specs}
    found = []
    for path, mount, route in _walk(app.routes):
        spec = specs.get(f"{mount}:{route.name}")
        if spec is None:
            continue
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append(WebRoute(method, path, f"{mount}:{route.name}", spec))
    declared = {f"{m}:{s.name}" for m, t in kernel.routes.items() for s in t.specs}
    assert {r.name for r in found} == declared, "a declared route is missing from Starlette's table"
    return found


def unsafe_routes(routes: Iterable[WebRoute]) -> list[WebRoute]:
    return [r for r in routes if r.method in UNSAFE]


def get_routes(routes: Iterable[WebRoute]) -> list[WebRoute]:
    return [r for r in routes if r.method == "GET"]


# ------------------------------------------------------------------ a seeded database


@dataclass
class Seeded:
    """What :func:`seed` made: the first id of each table, and the rows it
    could not make (a table whose required link has no row to point to)."""

    org_id: int
    owner_id: int
    department_id: int
    ids: dict[str, list[Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    #: (column name, value) for text columns naming something declared
    hints: tuple[tuple[str, str], ...] = ()
    #: column name -> values found in the database (:func:`column_values`, read once)
    found: dict[str, list[Any]] = field(default_factory=dict)


#: plausible text for columns whose name says what they hold (a content type
#: must be one, or the record's download fails the way no upload could make it)
_TEXT_HINTS = (("content_type", "text/plain"), ("email", "seed@example.com"), ("url", "https://example.com/"),
               ("sha256", "0" * 64), ("currency", "CNY"), ("locale", "zh_CN"), ("lang", "zh_CN"))


def _registry_hints(kernel: Kernel) -> tuple[tuple[str, str], ...]:
    """Columns naming what the plugins declared hold one of those names (a
    custom field's model, a saved report's dataset, a print's document type)."""
    registry = kernel.registry
    extra = next((k for k, m in registry.models.items() if "extra" in m.__table__.columns), "")
    hints = (("model", extra), ("dataset", next(iter(registry.datasets), "")),
             ("doc_key", next(iter(registry.prints), "")), ("widget", next(iter(registry.widgets), "")))
    return tuple((column, value) for column, value in hints if value)


def _kind(column: Any) -> type | None:
    """The Python type of a column's values (a decorated type, UTCDateTime,
    is of the type it decorates); None when the type does not say."""
    try:
        return cast(type, getattr(column.type, "impl_instance", column.type).python_type)
    except NotImplementedError:
        return None


def _value(column: Any, seeded: Seeded, made: dict[str, list[Any]]) -> Any:
    """A value for a required column, or ``None`` to leave it to its default."""
    if column.name == "org_id":
        return seeded.org_id
    if column.name in ("owner_id", "user_id", "created_by_id", "author_id"):
        return seeded.owner_id
    if column.name == "department_id":
        return seeded.department_id
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column
        values = made.get(target.table.name)
        return values[0] if values else None
    kind = _kind(column)
    if kind is None:
        return None
    if kind is str:
        limit = getattr(column.type, "length", None)
        value = next((v for hint, v in seeded.hints if hint == column.name), None)
        if value is None:
            value = next((v for hint, v in _TEXT_HINTS if hint in column.name), f"{MARKER}{column.name}")
        return value[:limit] if limit else value
    if kind is bool:
        return True
    if kind is int:
        return 1
    if kind is Decimal:
        return Decimal("1")
    if kind is datetime:
        return datetime.now(UTC)
    if kind is date:
        return date.today()
    if kind is bytes:
        return MARKER.encode()
    if kind is dict:
        return {}
    if kind is list:
        return []
    return None


def _row(table: Table, seeded: Seeded, made: dict[str, list[Any]]) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for column in table.columns:
        if (column.primary_key and column.autoincrement in (True, "auto") and not column.foreign_keys
                and _kind(column) is int):
            continue
        needed = not column.nullable and column.default is None and column.server_default is None
        if column.name in ("org_id", "owner_id", "department_id") or needed:
            value = _value(column, seeded, made)
            if value is None and needed:
                return None
            values[column.name] = value
        elif column.foreign_keys and made.get(next(iter(column.foreign_keys)).column.table.name):
            # an optional link to a row that exists: the record's page shows it
            target = next(iter(column.foreign_keys)).column.table.name
            if target != table.name:
                values[column.name] = made[target][0]
    return values


def seed(kernel: Kernel, *, org_id: int, owner_id: int, department_id: int) -> Seeded:
    """A row in every table of the metadata that has none (parents first),
    owned by ``owner_id`` in ``org_id``, each through its mapped class where
    there is one (so the kernel's events run as for any write). A row the
    database refuses is left out (``skipped``, with the reason)."""
    seeded = Seeded(org_id, owner_id, department_id, hints=_registry_hints(kernel))
    mapped = {mapper.local_table.name: mapper.class_ for mapper in Base.registry.mappers}
    # the metadata may hold tables of models another test declared (a plugin
    # this kernel does not run): only the database's own tables are seeded
    present = set(table_names(kernel))
    with kernel.db.session() as db:
        made: dict[str, list[Any]] = {}
        for table in (t for t in Base.metadata.sorted_tables if t.name in present):
            pk = list(table.primary_key.columns)
            existing = list(db.execute(select(*pk).limit(5))) if pk else []
            if existing or table.name in NOT_SEEDED:
                made[table.name] = [r[0] for r in existing]
                continue
            values = _row(table, seeded, made)
            if values is None:
                seeded.skipped[table.name] = "a required link has no row to point to"
                continue
            try:
                with db.begin_nested():
                    if table.name in mapped:
                        record = mapped[table.name](**values)
                        db.add(record)
                        db.flush()
                    else:
                        db.execute(table.insert().values(**values))
            except (SQLAlchemyError, TypeError, ValueError) as exc:
                seeded.skipped[table.name] = str(exc).splitlines()[0][:200]
                continue
            made[table.name] = [r[0] for r in db.execute(select(*pk).limit(5))] if pk else []
        seeded.ids = made
    return seeded


# ------------------------------------------------------------------ every table's rows


def table_names(kernel: Kernel) -> list[str]:
    return sorted(inspect(kernel.db.engine).get_table_names())


def checksums(kernel: Kernel, *, exclude: Iterable[str] = ()) -> dict[str, str]:
    """A digest of every row of every table (but ``exclude``): what a request
    that must write nothing must leave as it found it."""
    left_out = set(exclude)
    out: dict[str, str] = {}
    with kernel.db.session(write=False) as db:
        for name in table_names(kernel):
            if name in left_out:
                continue
            rows = sorted(repr(tuple(row)) for row in db.execute(text(f'SELECT * FROM "{name}"')))
            out[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest() + f":{len(rows)}"
    return out


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


# ------------------------------------------------------------------ filling a path


def model_of(kernel: Kernel, route: WebRoute) -> str | None:
    """The model a route's permission names (``crm.customer.read`` -> ``crm.customer``)."""
    if not route.needs_permission:
        return None
    key = route.spec.permission.rsplit(".", 1)[0]
    return key if key in kernel.registry.models else None


def _table_of_segment(kernel: Kernel, route: WebRoute, param: str, ids: dict[str, list[Any]]) -> str | None:
    """The table a path's ``{param}`` points into, from the segment before it
    (``/dataio/batches/{id}`` -> ``dataio_batch``) within the route's plugin."""
    mount = route.name.split(":", 1)[0]
    prefix = "core" if mount == "core" else mount
    segments = [s for s in route.path.split("/") if s]
    at = next(i for i, s in enumerate(segments) if s.startswith("{" + param))
    words = [segments[at - 1]] if at else []
    if param.endswith("_id"):
        words.insert(0, param[:-3])
    for word in words:
        noun = word.replace("-", "_")
        for stem in (noun, noun.removesuffix("s"), noun.removesuffix("es"), noun.removesuffix("ies") + "y"):
            for name in (f"{prefix}_{stem}", *(t for t in ids if t.startswith(f"{prefix}_") and
                                                   t.endswith(f"_{stem}"))):
                if ids.get(name):
                    return name
            if param.endswith("_id") and ids.get(f"core_{stem}"):
                return f"core_{stem}"
    return None


def path_candidates(kernel: Kernel, route: WebRoute, seeded: Seeded) -> list[dict[str, str]]:
    """Ways to fill the route's path parameters with values that exist in the
    seeded database (the first is the likeliest); one empty mapping for a
    path without parameters."""
    params = route.params
    if not params:
        return [{}]
    registry, ids = kernel.registry, seeded.ids
    model = model_of(kernel, route)
    choices: dict[str, list[str]] = {}
    for name, convertor in params:
        values: list[Any] = []
        if name == "id" and model is not None:
            values = ids.get(registry.models[model].__table__.name, [])
        elif convertor == "int":
            table = _table_of_segment(kernel, route, name, ids)
            values = ids.get(table, []) if table else []
            if name in ("index", "step", "number"):
                values = [0, 1, *values]
        elif name == "model":
            # the likeliest first: a model with pages and a workflow, then with pages
            values = sorted(registry.models, key=lambda k: (k not in registry.cruds or k not in registry.workflows,
                                                           k not in registry.cruds, k))
        elif name == "mount" or name == "noun":
            values = [m if name == "mount" else c.noun for m, c in registry.cruds.values()]
        elif name == "transition":
            values = sorted({t.name for wf in registry.workflows.values() for t in wf.transitions})
        elif name == "key":
            values = [*registry.prints, *registry.widgets, *_found(kernel, seeded, "key")]
        elif name == "name":
            values = [*kernel.enabled, *_found(kernel, seeded, "name")]
        else:
            values = _found(kernel, seeded, name)
        choices[name] = [str(v) for v in values] or ["1"]
    return _combinations(kernel, route, choices, seeded)


def _combinations(kernel: Kernel, route: WebRoute, choices: dict[str, list[str]],
                  seeded: Seeded) -> list[dict[str, str]]:
    names = list(choices)
    if names == ["model", "id"]:
        # a record of that model: each model with a seeded row, and that row
        out = []
        for key, model in sorted(kernel.registry.models.items()):
            rows = seeded.ids.get(model.__table__.name)
            if rows:
                out.append({"model": key, "id": str(rows[0])})
        return out or [{"model": next(iter(sorted(kernel.registry.models))), "id": "1"}]
    if names == ["mount", "noun", *names[2:]]:
        out = []
        for mount, crud in kernel.registry.cruds.values():
            rest = {n: choices[n][0] for n in names[2:]}
            if "id" in rest:
                rows = seeded.ids.get(crud.model.__table__.name) or [1]
                rest["id"] = str(rows[0])
            out.append({"mount": mount, "noun": crud.noun, **rest})
        return out
    if len(names) == 1:
        return [{names[0]: v} for v in choices[names[0]]]
    first = names[0]
    return [{first: v, **{n: choices[n][0] for n in names[1:]}} for v in choices[first]]


def _found(kernel: Kernel, seeded: Seeded, column: str) -> list[Any]:
    if column not in seeded.found:
        seeded.found[column] = column_values(kernel, column)
    return seeded.found[column]


def column_values(kernel: Kernel, column: str, limit: int = 5) -> list[Any]:
    """Values of every column called ``column`` in the database, a few of each."""
    out: list[Any] = []
    with kernel.db.session(write=False) as db:
        for table in Base.metadata.sorted_tables:
            if column in table.columns:
                out += db.scalars(select(table.columns[column]).distinct().limit(limit)).all()
    return [v for v in dict.fromkeys(out) if v not in (None, "")]


def fill(route: WebRoute, values: dict[str, str]) -> str:
    from urllib.parse import quote

    return _PARAM.sub(lambda m: quote(values[m.group(1)], safe=""), route.path)


def requests_for(kernel: Kernel, routes: Iterable[WebRoute], seeded: Seeded,
                 limit: int = 3) -> list[tuple[WebRoute, list[str]]]:
    """Each route with up to ``limit`` URLs to try, real values first."""
    return [(r, [fill(r, c) for c in path_candidates(kernel, r, seeded)][:limit]) for r in routes]


# ------------------------------------------------------------------ a site for a whole module


@dataclass
class Site:
    """A kernel on the emptied test database, seeded, with an administrator
    and a salesperson who owns the seeded records, and its Starlette app."""

    kernel: Kernel
    app: Starlette
    routes: list[WebRoute]
    seeded: Seeded
    admin: User
    seller: User
    make: Factory
    clients: list[Client] = field(default_factory=list)

    def browser(self, username: str | None = None, **headers: str) -> Client:
        """A new in-process browser, logged in as ``username`` when given.
        Server errors come back as responses (the kernel's 500 page)."""
        client = Client(self.app, base_url="http://testserver", raise_server_exceptions=False,
                        headers=headers)
        client.__enter__()
        self.clients.append(client)
        if username is not None:
            client.login(username)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.__exit__(None, None, None)
        self.kernel.db.dispose()


def seller_role(kernel: Kernel) -> str:
    """A salesperson's shipped role (``crm.salesperson`` when the CRM is on), else ``staff``."""
    keys = [key if plugin == "core" else f"{plugin}.{key}" for plugin, key in kernel.registry.roles]
    return next((k for k in keys if k.endswith("salesperson")), "staff")


def open_site(settings: Settings, password_hash: str) -> Site:
    """What ``tests/conftest.py``'s ``kernel`` fixture makes, for a whole
    module (seeding every table takes seconds), then the seed."""
    fresh(settings)
    kernel = Kernel(settings)
    make = Factory(kernel, password_hash)
    hq = make.hq()
    dept = make.department(hq, "安全测试部")
    admin = make.user(username="sec_admin", roles=("admin",), department=dept, name="安全管理员")
    seller = make.user(username="sec_seller", roles=(seller_role(kernel),), department=dept, name="安全销售")
    seeded = seed(kernel, org_id=hq.id, owner_id=seller.id, department_id=dept.id)
    app = kernel.asgi()
    return Site(kernel, app, web_routes(kernel, app), seeded, admin, seller, make)


__all__ = ["MARKER", "Seeded", "Site", "WebRoute", "changed_tables", "checksums", "column_values",
           "fill", "get_routes", "model_of", "open_site", "path_candidates", "requests_for", "seed",
           "seller_role", "table_names", "unsafe_routes", "web_routes"]

"""Fixtures: a migrated database (SQLite, or PostgreSQL when
SUANPAN_DATABASE_URL says so), a fresh kernel per test, factories, and an
in-process browser-like client."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, inspect, make_url, select, text
from starlette.testclient import TestClient

from core import migrate
from core.admin import services
from core.app import Kernel
from core.approvals import sync_shipped_chains
from core.auth import CSRF_COOKIE
from core.config import Settings, load_settings
from core.db import Database
from core.models import Department, Org, Role, RoleAssignment, User

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"
_seq = count(1)
CHROMIUM = Path(os.environ.get("SUANPAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def database_url(tmp: Path) -> str:
    """SQLite in the session's temporary folder, or the configured PostgreSQL
    database; under pytest-xdist each worker gets a database of its own
    (``test_gw0``, ``test_gw1``...), created on the same server when missing.
    A worker's database does not wait for the disk at each commit
    (``synchronous_commit = off``): the tests stop the suite's processes,
    never PostgreSQL, so no committed row can be lost, and the suite commits
    thousands of times."""
    configured = os.environ.get("SUANPAN_DATABASE_URL")
    if not configured:
        return f"sqlite:///{tmp / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not configured.startswith("postgresql"):
        return configured
    url = make_url(configured)
    name = f"{url.database}_{worker}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def install_example_plugin() -> Path:
    """Install the example third-party plugin as its own distribution, into a
    folder on sys.path, the way pip would put it into site-packages."""
    target = Path(os.environ.get("SUANPAN_TEST_PLUGINS", ROOT / "build" / "test-plugins"))
    stamp = target / ".stamp"
    source = ROOT / "tests" / "example_plugin"
    newest = max(p.stat().st_mtime for p in source.rglob("*") if p.is_file())
    if not stamp.exists() or stamp.stat().st_mtime < newest:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
             "--upgrade", "--target", str(target), str(source)],
            check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        stamp.touch()
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    return target


def pytest_configure(config: pytest.Config) -> None:
    # under xdist the controller installs it before the workers start
    install_example_plugin()


E2E = ROOT / "tests" / "e2e"


def _browser_tests_repeat() -> bool:
    """Whether the browser tests would only repeat a SQLite run: they serve
    on SQLite whatever SUANPAN_DATABASE_URL says (tests/e2e/conftest.py), so
    under PostgreSQL they ran already, the same, in CI's SQLite pass.
    SUANPAN_E2E_ON_POSTGRESQL=1 runs them all the same."""
    return (os.environ.get("SUANPAN_DATABASE_URL", "").startswith("postgresql")
            and not os.environ.get("SUANPAN_E2E_ON_POSTGRESQL"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser tests share one served demo installation per process, and
    the load tests another (tests/load/conftest.py): under ``--dist
    loadgroup`` each kind goes to one worker, so each is set up once. Under
    PostgreSQL the browser tests are deselected (:func:`_browser_tests_repeat`)."""
    if _browser_tests_repeat():
        repeated = [item for item in items if E2E in item.path.parents]
        if repeated:
            config.hook.pytest_deselected(items=repeated)
            items[:] = [item for item in items if E2E not in item.path.parents]
    groups = {E2E: "e2e", ROOT / "tests" / "load": "load"}
    for item in items:
        for folder, group in groups.items():
            if folder in item.path.parents:
                item.add_marker(pytest.mark.xdist_group(group))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _browser_tests_repeat():
        terminalreporter.write_line(
            "The browser tests (tests/e2e) were deselected: they serve on SQLite whatever the database, "
            "so they ran already in the SQLite pass. SUANPAN_E2E_ON_POSTGRESQL=1 runs them here too.",
            yellow=True)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Chromium from the system, one per test process (the end-to-end and
    the XSS tests share it: Playwright's sync API allows one driver per
    thread). A missing browser is an error, never a skip."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium is required for the browser tests and was not found at {CHROMIUM}; "
                    "install it (make system-deps) or set SUANPAN_CHROMIUM.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def example_plugin() -> Path:
    return install_example_plugin()


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory, example_plugin: Path) -> Settings:
    tmp = tmp_path_factory.mktemp("suanpan")
    url = database_url(tmp)
    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    # tests drive job workers themselves (core.jobs.Worker), never in the background
    settings = load_settings(var_dir=tmp, database_url=url, secret_key="test-secret",
                             inprocess_worker=False)
    kernel = Kernel(settings)
    migrate.upgrade(kernel)
    kernel.db.dispose()
    return settings


#: tables a wipe leaves as they are: the schema's version, and the actor-cache
#: counter's one row (as after a migration)
KEPT = ("alembic_version", "core_acl_stamp")


def _tables(database: Database) -> list[str]:
    """The tables to empty, children first; on SQLite without the shadow
    tables of a virtual (FTS5) table, which empties them itself."""
    from core.db import Base

    with database.engine.connect() as conn:
        names = set(inspect(conn).get_table_names()) - set(KEPT)
        if database.is_sqlite:
            names -= set(conn.scalars(text("SELECT name FROM pragma_table_list WHERE type = 'shadow'")))
    known = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in names]
    return known + sorted(names - set(known))


def _filled(db: Any, names: list[str]) -> list[str]:
    """The tables of ``names`` that hold rows, in the same order: one statement."""
    found = set(db.scalars(text(" UNION ALL ".join(
        f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM {n})" for n in names))))
    return [n for n in names if n in found]


def _wipe(database: Database) -> None:
    """Empty every table that holds rows."""
    with database.session() as db:
        filled = _filled(db, _tables(database))
        if not database.is_sqlite:
            # TRUNCATE ... CASCADE makes new files for every table that refers to
            # a named one (nearly all refer to core_user) and drops the old ones
            # at commit: about a second a test. DELETE only the tables holding
            # rows, foreign keys not checked meanwhile (replica role, which the
            # test server's superuser may take), and rewind the moved sequences.
            if filled:
                db.execute(text("SET LOCAL session_replication_role = replica"))
                for name in filled:
                    db.execute(text(f"DELETE FROM {name}"))
            db.execute(text("SELECT setval(format('%I', sequencename), 1, false) FROM pg_sequences "
                            "WHERE schemaname = 'public' AND last_value IS NOT NULL"))
            return
        if "core_department" in filled:
            db.execute(text("UPDATE core_department SET head_id = NULL"))
        for name in filled:
            db.execute(text(f"DELETE FROM {name}"))


class Baseline:
    """What every test starts from: the shipped roles and approval chains and
    the head office, with what writing them left (audit rows, external ids, a
    search entry). The services write it for the session's first test; the
    rows they wrote are kept and put back for every later test with one
    INSERT a table (the services took 25 ms a test on SQLite, 70 ms on
    PostgreSQL), the sequences where they were."""

    def __init__(self, kernel: Kernel) -> None:
        from core.db import Base

        #: (table name, the Table when the models know it, its rows)
        self.rows: list[tuple[str, Any, list[dict[str, Any]]]] = []
        self.sequences: list[tuple[str, int]] = []
        with kernel.db.session() as db:
            services.sync_shipped_roles(db, kernel.registry)
            sync_shipped_chains(db, kernel.registry)
            services.create_org(db, None, {"code": "HQ", "name": "总公司", "name_en": "Head office",
                                           "active": True})
        with kernel.db.session(write=False) as db:
            for name in reversed(_filled(db, _tables(kernel.db))):  # parents first
                table = Base.metadata.tables.get(name)
                if table is not None:  # typed: JSON and dates go back as they came
                    rows = [{c.key: v for c, v in zip(table.columns, r, strict=True)}
                            for r in db.execute(table.select())]
                else:  # an FTS5 table (the search index): its rowids too
                    rows = [dict(r._mapping) for r in db.execute(text(f"SELECT rowid, * FROM {name}"))]
                self.rows.append((name, table, rows))
            if not kernel.db.is_sqlite:
                self.sequences = [(n, int(v)) for n, v in db.execute(text(
                    "SELECT format('%I', sequencename), last_value FROM pg_sequences "
                    "WHERE schemaname = 'public' AND last_value IS NOT NULL"))]

    def restore(self, database: Database) -> None:
        _wipe(database)
        with database.session() as db:
            for name, table, rows in self.rows:
                if table is not None:
                    db.execute(insert(table), rows)
                else:
                    columns = list(rows[0])
                    db.execute(text(f"INSERT INTO {name} ({', '.join(columns)}) "
                                    f"VALUES ({', '.join(':' + c for c in columns)})"), rows)
            for sequence, value in self.sequences:
                db.execute(text("SELECT setval(:s, :v, true)"), {"s": sequence, "v": value})


_baselines: dict[str, Baseline] = {}


def fresh(settings: Settings) -> None:
    """Empty the database of ``settings`` but for the :class:`Baseline`. A
    kernel is made after it: the plugins a test switched off are on again."""
    database = Database(settings.database_url, pool_size=settings.threads + 2)
    baseline = _baselines.get(settings.database_url)
    if baseline is None:
        _wipe(database)
        first = Kernel(settings)  # every plugin on: the wipe took the switched-off ones' states
        _baselines[settings.database_url] = Baseline(first)
        first.db.dispose()
    else:
        baseline.restore(database)
    database.dispose()


@pytest.fixture
def kernel(base_settings: Settings) -> Iterator[Kernel]:
    """A fresh kernel on an emptied database: shipped roles and the HQ org."""
    fresh(base_settings)
    k = Kernel(base_settings)
    yield k
    k.db.dispose()


@pytest.fixture(scope="session")
def password_hash(base_settings: Settings) -> str:
    from core.auth import Passwords

    return Passwords(base_settings).hash(PASSWORD)


class Factory:
    """Makes orgs, departments and users with roles, committed at once."""

    def __init__(self, kernel: Kernel, password_hash: str) -> None:
        self.kernel = kernel
        self.password_hash = password_hash

    def org(self, name: str | None = None, *, parent: int | None = None) -> Org:
        n = next(_seq)
        with self.kernel.db.session() as db:
            if parent is None:
                parent = db.scalar(select(Org.id).where(Org.code == "HQ"))
            return services.create_org(db, None, {"code": f"O{n}", "name": name or f"机构{n}",
                                                  "parent_id": parent, "active": True})

    def hq(self) -> Org:
        with self.kernel.db.session(write=False) as db:
            org = db.scalar(select(Org).where(Org.code == "HQ"))
            assert org is not None
            return org

    def department(self, org: Org, name: str | None = None, *, parent: Department | None = None) -> Department:
        with self.kernel.db.session() as db:
            dept = Department(org_id=org.id, name=name or f"部门{next(_seq)}",
                              parent_id=parent.id if parent else None)
            db.add(dept)
            db.flush()
            services.set_tree_path(db, dept, parent)
            return dept

    def user(self, *, org: Org | None = None, roles: tuple[str, ...] = ("admin",),
             department: Department | None = None, username: str | None = None,
             name: str | None = None, grants: dict[str, str] | None = None) -> User:
        org = org or self.hq()
        n = next(_seq)
        with self.kernel.db.session() as db:
            user = User(username=username or f"user{n}", display_name=name or f"用户{n}",
                        org_id=org.id, department_id=department.id if department else None,
                        password_hash=self.password_hash)
            db.add(user)
            db.flush()
            for key in roles:
                role_id = db.scalar(select(Role.id).where(Role.key == key))
                assert role_id is not None, key
                db.add(RoleAssignment(user_id=user.id, role_id=role_id, org_id=org.id))
            if grants:
                role = services.create_role(db, None, {"key": f"r{n}", "name": f"角色{n}"})  # type: ignore[arg-type]
                services.set_role_grants(db, role, grants, self.kernel.registry)
                db.add(RoleAssignment(user_id=user.id, role_id=role.id, org_id=org.id))
            return user


@pytest.fixture
def make(kernel: Kernel, password_hash: str) -> Factory:
    return Factory(kernel, password_hash)


class Client(TestClient):
    """An in-process browser: keeps cookies, sends the CSRF token."""

    def csrf(self) -> str:
        if CSRF_COOKIE not in self.cookies:
            self.get("/login")
        return self.cookies[CSRF_COOKIE]

    def submit(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.post(url, data={"csrf_token": self.csrf(), **(data or {})}, **kw)

    def login(self, username: str, password: str = PASSWORD) -> Any:
        response = self.submit("/login", {"username": username, "password": password},
                               follow_redirects=False)
        assert response.status_code == 303, response.text
        return response


@pytest.fixture
def client(kernel: Kernel) -> Iterator[Client]:
    with Client(kernel.asgi(), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def new_client(kernel: Kernel) -> Any:
    """Make further independent clients (another user, another browser)."""
    made: list[Client] = []

    def factory() -> Client:
        c = Client(kernel.asgi(), base_url="http://testserver")
        c.__enter__()
        made.append(c)
        return c

    yield factory
    for c in made:
        c.__exit__(None, None, None)


@pytest.fixture
def admin(make: Factory, client: Client) -> User:
    """An administrator, logged in on ``client``."""
    user = make.user(roles=("admin",), username="root", name="管理员")
    client.login("root")
    return user


@pytest.fixture
def start(kernel: Kernel, base_settings: Settings) -> Iterator[Any]:
    """Start another kernel on the fixture kernel's (emptied) database:
    ``start(*extra_plugins, **kernel_options)``."""
    started: list[Kernel] = []

    def start_(*plugins: Any, **kw: Any) -> Kernel:
        k = Kernel(base_settings, extra_plugins=plugins, **kw) if plugins else Kernel(base_settings, **kw)
        started.append(k)
        return k

    yield start_
    for k in started:
        k.db.dispose()


@pytest.fixture
def browser(client: Client) -> Iterator[Any]:
    """Open another in-process browser on another kernel: ``browser(kernel)``."""
    opened: list[Client] = []

    def open_(other: Kernel, **options: Any) -> Client:
        b = Client(other.asgi(), base_url="http://testserver", **options)
        b.__enter__()
        opened.append(b)
        return b

    yield open_
    for b in opened:
        b.__exit__(None, None, None)


# ------------------------------------------------------------------ a real SMTP server


class Inbox:
    """The SMTP server's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes, policy

        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def unused_port() -> int:
    """A port of 127.0.0.1 nothing listens on (a mail server that is down)."""
    return free_port()


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """``(port, inbox)`` of an SMTP server (aiosmtpd) on 127.0.0.1 for one test."""
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, handler
    controller.stop()

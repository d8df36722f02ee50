"""The ``suanpan`` command, driven for real against an empty var dir: setup,
createuser, plugins, demo, backup (under concurrent writes) and restore.

In-process runs use click's CliRunner; where a real process matters (the
first-run output, a backup taken while another process writes) the installed
``suanpan`` script runs in a subprocess. On SQLite the database is the var
dir's default ``suanpan.db``; when SUANPAN_DATABASE_URL is PostgreSQL every
test gets scratch databases of its own, dropped at the end.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from core import migrate
from core.app import Kernel
from core.auth import Passwords
from core.cli import main
from core.config import load_settings
from core.db import Database
from core.models import ExternalId
from core.plugins import Manifest
from plugins.crm.services.demo import PEOPLE as CRM_PEOPLE
from plugins.exhibitions.parts.desk import PEOPLE as DESK_PEOPLE

SUANPAN = Path(sys.executable).parent / "suanpan"
ADMIN_PASSWORD = "admin-password-1"
USER_PASSWORD = "user-password-1"
#: the kernel's demo users and the sales team the CRM's demo adds
DEMO_USERS = {"zhangwei", "lina", "wangfang", "chenjie", "liuyang", *(person[0] for person in CRM_PEOPLE),
              *(person[0] for person in DESK_PEOPLE)}
CONFIGURED = os.environ.get("SUANPAN_DATABASE_URL", "")
ON_POSTGRES = CONFIGURED.startswith("postgresql")
_seq = count(1)

Env = dict[str, str | None]


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def scratch() -> Iterator[Callable[[], str]]:
    """Make empty PostgreSQL databases for this test; all dropped at the end."""
    url = make_url(CONFIGURED)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    names: list[str] = []

    def new() -> str:
        name = f"suanpan_cli_test_{os.getpid()}_{next(_seq)}"
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        names.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    yield new
    with server.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture
def env(tmp_path: Path, example_plugin: Path, request: pytest.FixtureRequest) -> Env:
    """The environment of a fresh installation: an empty var dir, no admin
    password, the example plugin importable."""
    url = request.getfixturevalue("scratch")() if ON_POSTGRES else None
    return {
        "SUANPAN_VAR_DIR": str(tmp_path / "var"),
        "SUANPAN_DATABASE_URL": url,  # None: the var dir's suanpan.db
        "SUANPAN_CONFIG": str(tmp_path / "absent.toml"),
        "SUANPAN_ADMIN_PASSWORD": None,
        "SUANPAN_DEMO_PASSWORD": None,
        "SUANPAN_SECRET_KEY": None,
        "PYTHONPATH": str(example_plugin),
    }


def cli(env: Env, *args: str, input: str | None = None, code: int = 0) -> Result:
    """Run the command in-process."""
    result = CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)
    assert result.exit_code == code, result.output
    if code:
        assert "Traceback" not in result.output
    return result


def run(env: Env, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    """Run the installed ``suanpan`` script in a process of its own."""
    full = {k: v for k, v in os.environ.items() if k not in env}
    full.update({k: v for k, v in env.items() if v is not None})
    done = subprocess.run([str(SUANPAN), *args], env=full, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == code, done.stdout + done.stderr
    return done


def url_of(env: Env) -> str:
    return env["SUANPAN_DATABASE_URL"] or f"sqlite:///{env['SUANPAN_VAR_DIR']}/suanpan.db"


def query(env: Env, sql: str, **params: Any) -> list[Any]:
    """Run one statement in a transaction of its own; the rows it returns."""
    engine = create_engine(url_of(env))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            if not result.returns_rows:
                return []
            return [tuple(r) if len(r) > 1 else r[0] for r in result]
    finally:
        engine.dispose()


def tables(env: Env) -> set[str]:
    engine = create_engine(url_of(env))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def usernames(env: Env) -> set[str]:
    return set(query(env, "SELECT username FROM core_user"))


def password_ok(env: Env, username: str, password: str) -> bool:
    stored = query(env, "SELECT password_hash FROM core_user WHERE username = :u", u=username)
    settings = load_settings(var_dir=Path(env["SUANPAN_VAR_DIR"] or ""), secret_key="x")
    return Passwords(settings).verify(stored[0], password)


def plugin_line(env: Env, name: str) -> str:
    out = cli(env, "plugins", "list").output
    lines = [line for line in out.splitlines() if line.split()[:1] == [name]]
    assert len(lines) == 1, out
    return lines[0]


def with_password(env: Env, password: str = ADMIN_PASSWORD) -> Env:
    return {**env, "SUANPAN_ADMIN_PASSWORD": password}


# ---------------------------------------------------------------- setup


def test_setup_shows_a_generated_password_once_and_is_repeatable(env):
    assert not Path(env["SUANPAN_VAR_DIR"] or "").exists()
    first = run(env, "setup")
    found = re.findall(r"password / 密码:\s+(\S+)", first.stdout)
    assert len(found) == 1, first.stdout
    password = found[0]
    assert first.stdout.count(password) == 1
    assert password_ok(env, "admin", password)
    assert password_ok(env, "zhangwei", password), "demo users share the first password"
    assert usernames(env) == {"admin", *DEMO_USERS}
    orgs = query(env, "SELECT count(*) FROM core_org")[0]
    notes = query(env, "SELECT count(*) FROM notes_note")[0]
    assert orgs == 3 and notes == 3
    assert (Path(env["SUANPAN_VAR_DIR"] or "") / "secret_key").is_file()

    again = run(env, "setup")
    assert password not in again.stdout + again.stderr
    assert "密码" not in again.stdout and "Demo data loaded" not in again.stdout
    # with a password in the environment now: still no second admin, no second demo
    run(with_password(env), "setup")
    assert usernames(env) == {"admin", *DEMO_USERS}
    assert query(env, "SELECT count(*) FROM core_org")[0] == orgs
    assert query(env, "SELECT count(*) FROM notes_note")[0] == notes
    assert query(env, "SELECT count(*) FROM core_user WHERE username = 'admin'") == [1]
    assert password_ok(env, "admin", password), "setup never resets the password"


def test_setup_with_the_password_from_the_environment(env):
    out = cli(with_password(env), "setup", "--no-demo").output
    assert "密码" not in out and ADMIN_PASSWORD not in out
    assert usernames(env) == {"admin"}
    assert password_ok(env, "admin", ADMIN_PASSWORD)
    assert query(env, "SELECT count(*) FROM notes_note") == [0]

    assert "Loaded." in cli(with_password(env), "demo").output
    assert usernames(env) == {"admin", *DEMO_USERS}
    assert "already present" in cli(with_password(env), "demo").output
    assert query(env, "SELECT count(*) FROM core_user") == [1 + len(DEMO_USERS)]


def test_setup_refuses_a_weak_admin_password(env):
    out = cli(with_password(env, "short"), "setup", code=1).output
    assert "SUANPAN_ADMIN_PASSWORD" in out and "10 characters" in out
    assert query(env, "SELECT count(*) FROM core_user") == [0]


def test_migrate_is_idempotent(env):
    assert "up to date" in cli(env, "migrate").output
    before = tables(env)
    assert {"core_user", "notes_note", "alembic_version"} <= before
    assert "up to date" in cli(env, "migrate").output
    assert tables(env) == before


# ---------------------------------------------------------------- createuser


def test_createuser(env):
    cli(with_password(env), "setup", "--no-demo")
    out = cli(env, "createuser", "bob", "--name", "鲍勃", "--role", "staff",
              "--password", USER_PASSWORD).output
    assert "User bob created." in out
    rows = query(env, """SELECT u.display_name, r.key, o.code FROM core_user u
                         JOIN core_role_assignment a ON a.user_id = u.id
                         JOIN core_role r ON r.id = a.role_id
                         JOIN core_org o ON o.id = a.org_id WHERE u.username = 'bob'""")
    assert rows == [("鲍勃", "staff", "HQ")]
    assert password_ok(env, "bob", USER_PASSWORD)

    # the password prompt asks twice
    cli(env, "createuser", "carol", input=f"{USER_PASSWORD}\n{USER_PASSWORD}\n")
    assert password_ok(env, "carol", USER_PASSWORD)

    assert "already used" in cli(env, "createuser", "bob", "--password", USER_PASSWORD,
                                 code=1).output
    assert "unknown organisation" in cli(env, "createuser", "dave", "--role", "nobody",
                                         "--password", USER_PASSWORD, code=1).output
    assert "10 characters" in cli(env, "createuser", "dave", "--password", "short",
                                  code=1).output
    assert usernames(env) == {"admin", "bob", "carol"}


# ---------------------------------------------------------------- plugins


def test_plugins_list_disable_and_enable(env):
    cli(with_password(env), "setup")
    assert "enabled" in plugin_line(env, "notes").split()
    assert query(env, "SELECT count(*) FROM notes_note") == [3]

    assert "Disabled: notes" in cli(env, "plugins", "disable", "notes").output
    assert "disabled" in plugin_line(env, "notes").split()
    assert query(env, "SELECT enabled FROM core_plugin_state WHERE name = 'notes'") == [False]
    assert "notes_note" in tables(env), "disabling keeps the plugin's data"
    assert query(env, "SELECT count(*) FROM notes_note") == [3]
    cli(env, "migrate")
    assert query(env, "SELECT count(*) FROM notes_note") == [3]

    assert "Enabled: notes" in cli(env, "plugins", "enable", "notes").output
    assert "enabled" in plugin_line(env, "notes").split()
    assert query(env, "SELECT count(*) FROM notes_note") == [3]

    assert "not installed: nothing" in cli(env, "plugins", "disable", "nothing", code=1).output
    assert "not installed: nothing" in cli(env, "plugins", "enable", "nothing", code=1).output


def test_enabling_a_plugin_whose_dependency_is_missing_fails_cleanly(env, tmp_path, monkeypatch):
    import core.app

    real = core.app.discover

    def discover() -> tuple[dict[str, Manifest], dict[str, str]]:
        installed, errors = real()
        installed["reports"] = Manifest(name="reports", module="suanpan_reports", path=tmp_path,
                                        depends=("core", "ledger"), default_enabled=False)
        return installed, errors

    monkeypatch.setattr(core.app, "discover", discover)
    cli(with_password(env), "setup", "--no-demo")
    out = cli(env, "plugins", "enable", "reports", code=1).output
    assert "depends on 'ledger', which is not installed" in out
    assert "disabled" in plugin_line(env, "reports").split()


# ---------------------------------------------------------------- backup and restore


class Writer(threading.Thread):
    """Writes pairs of rows, each pair in one transaction, until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.db = Database(url)
        self.stop = threading.Event()
        self.pairs = 0
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with self.db.session() as db:
                    for half in "ab":
                        db.add(ExternalId(plugin="writer", key=f"{self.pairs}-{half}",
                                          model="", record_id=self.pairs))
                self.pairs += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(exc)
        finally:
            self.db.dispose()

    def wait_for(self, pairs: int) -> None:
        deadline = time.monotonic() + 60
        while self.pairs < pairs and not self.errors:
            assert time.monotonic() < deadline, "the writer is stuck"
            time.sleep(0.01)


def backup_contents(env: Env, target: Path, new_database: Callable[[], str] | None
                    ) -> tuple[set[str], list[str]]:
    """The users and the writer's keys in a backup, after checking that it is sound."""
    if not ON_POSTGRES:
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            users = {r[0] for r in conn.execute("SELECT username FROM core_user")}
            keys = [r[0] for r in conn.execute(
                "SELECT key FROM core_external_id WHERE plugin = 'writer'")]
        conn.close()
        return users, keys
    assert new_database is not None
    other = {**env, "SUANPAN_DATABASE_URL": new_database()}
    assert "Restored." in cli(other, "restore", "--yes", str(target)).output
    keys = list(query(other, "SELECT key FROM core_external_id WHERE plugin = 'writer'"))
    return usernames(other), keys


def test_backup_while_another_process_writes_is_consistent(env, tmp_path, request):
    cli(with_password(env), "setup", "--no-demo")
    writer = Writer(url_of(env))
    writer.start()
    taken: list[tuple[Path, int, int]] = []
    try:
        writer.wait_for(5)
        for n in range(3):
            target = tmp_path / f"backup-{n}.{'dump' if ON_POSTGRES else 'db'}"
            before = writer.pairs
            out = run(env, "backup", str(target)).stdout
            assert out.strip() == str(target)
            taken.append((target, before, writer.pairs))
            writer.wait_for(writer.pairs + 2)
    finally:
        writer.stop.set()
        writer.join(60)
    assert not writer.errors, writer.errors
    assert any(after > before for _t, before, after in taken), "no write during any backup"

    new_database = request.getfixturevalue("scratch") if ON_POSTGRES else None
    for target, before, after in taken:
        users, keys = backup_contents(env, target, new_database)
        assert users == {"admin"}
        pairs = {k.split("-")[0] for k in keys}
        assert sorted(keys) == sorted(f"{p}-{h}" for p in pairs for h in "ab"), \
            "a transaction is in a backup whole or not at all"
        assert before <= len(pairs) <= after


def test_backup_goes_to_the_var_dir_by_default(env):
    cli(with_password(env), "setup", "--no-demo")
    target = Path(cli(env, "backup").output.strip())
    assert target.parent == Path(env["SUANPAN_VAR_DIR"] or "") / "backups"
    assert target.suffix == (".dump" if ON_POSTGRES else ".db")
    assert target.stat().st_size > 0


@pytest.mark.skipif(ON_POSTGRES, reason="a SQLite file")
def test_backup_of_a_missing_database_fails(env):
    out = cli(env, "backup", code=1).output
    assert "nothing to back up" in out
    var = Path(env["SUANPAN_VAR_DIR"] or "")
    assert not (var / "suanpan.db").exists() and not (var / "backups").exists()


def test_restore_brings_back_the_backed_up_state(env, tmp_path):
    cli(with_password(env), "setup")
    target = tmp_path / "before-carol"
    cli(env, "backup", str(target))
    cli(env, "createuser", "carol", "--password", USER_PASSWORD)
    query(env, "DELETE FROM notes_note")

    # answering no leaves everything as it is
    assert "Aborted" in cli(env, "restore", str(target), input="n\n", code=1).output
    assert "carol" in usernames(env)

    assert "Restored." in cli(env, "restore", "--yes", str(target)).output
    assert usernames(env) == {"admin", *DEMO_USERS}
    assert query(env, "SELECT count(*) FROM notes_note") == [3]
    assert password_ok(env, "admin", ADMIN_PASSWORD)
    if not ON_POSTGRES:
        assert query(env, "PRAGMA integrity_check") == ["ok"]
    # the restored installation works: migrations are current, ids continue
    assert "up to date" in cli(env, "migrate").output
    cli(env, "createuser", "carol", "--password", USER_PASSWORD)
    assert "carol" in usernames(env)


def test_restore_drops_tables_created_after_the_backup(env, tmp_path):
    """A backup from before a plugin was first enabled (or before an upgrade
    that added tables) restores to exactly that state."""
    cli(with_password(env), "setup", "--no-demo")
    kernel = Kernel(load_settings(var_dir=Path(env["SUANPAN_VAR_DIR"] or ""),
                                  database_url=url_of(env)))
    try:
        from alembic import command

        command.downgrade(migrate.config(kernel), "notes@base")
    finally:
        kernel.db.dispose()
    cli(env, "plugins", "disable", "notes")
    assert "notes_note" not in tables(env)
    target = tmp_path / "before-notes"
    cli(env, "backup", str(target))

    cli(env, "plugins", "enable", "notes")
    assert "notes_note" in tables(env)
    cli(env, "createuser", "carol", "--password", USER_PASSWORD)

    assert "Restored." in cli(env, "restore", "--yes", str(target)).output
    assert "notes_note" not in tables(env)
    assert usernames(env) == {"admin"}
    assert "disabled" in plugin_line(env, "notes").split()
    # and the plugin can be enabled again
    cli(env, "plugins", "enable", "notes")
    assert query(env, "SELECT count(*) FROM notes_note") == [0]


def test_restore_of_a_bad_file_changes_nothing(env, tmp_path):
    cli(with_password(env), "setup", "--no-demo")
    bad = tmp_path / "bad.backup"
    bad.write_text("not a backup\n" * 100)
    out = cli(env, "restore", "--yes", str(bad), code=1).output
    assert "Error" in out
    assert usernames(env) == {"admin"}
    assert "up to date" in cli(env, "migrate").output


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_restore's transaction")
def test_a_restore_failing_half_way_changes_nothing(env, tmp_path):
    """The dump grants to a role that no longer exists: the restore fails after
    the wipe and part of the load, and the whole of it is rolled back."""
    cli(with_password(env), "setup", "--no-demo")
    role = f"suanpan_cli_reader_{os.getpid()}"
    query(env, f'CREATE ROLE "{role}"')
    try:
        query(env, f'GRANT SELECT ON core_user TO "{role}"')
        target = tmp_path / "with-grant.dump"
        cli(env, "backup", str(target))
        query(env, f'REVOKE SELECT ON core_user FROM "{role}"')
    finally:
        query(env, f'DROP ROLE IF EXISTS "{role}"')
    cli(env, "createuser", "carol", "--password", USER_PASSWORD)

    assert "unchanged" in cli(env, "restore", "--yes", str(target), code=1).output
    assert usernames(env) == {"admin", "carol"}
    assert {"core_user", "notes_note", "alembic_version"} <= tables(env)
    assert "up to date" in cli(env, "migrate").output

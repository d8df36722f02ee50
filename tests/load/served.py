"""A served installation for the load and fault tests (and bench/): its own
var dir and database (SQLite in the var dir, or a PostgreSQL database of its
own next to the configured one), set up with ``suanpan setup``, served by
real ``suanpan serve`` processes, backed up and restored with the real
commands. The environment and the start-up wait are the browser tests'
(tests/e2e/conftest.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url

from tests.e2e.conftest import ADMIN_PASSWORD, BIN, ROOT, _free_port, _server_env, _wait_until_up

SUANPAN = str(BIN / "suanpan")


def fresh_postgres(url: str) -> str:
    """Drop and create the PostgreSQL database of ``url``; the same URL."""
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()
    return url


def drop_postgres(url: str) -> None:
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    server.dispose()


def sibling_database(configured: str, suffix: str) -> str:
    """A PostgreSQL database named after the configured one (``<name>_<suffix>``)."""
    url = make_url(configured)
    return url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)


@dataclass
class Process:
    """A ``suanpan serve`` (or ``worker``) process group."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        """SIGTERM to the parent (uvicorn stops its workers), then nothing of the group lives on."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def kill(self) -> None:
        """``kill -9`` of the whole group: the parent and every worker, at once."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


@dataclass
class Installation:
    """One installation: a var dir and its database."""

    var_dir: Path
    database_url: str
    #: a folder of third-party plugins on its PYTHONPATH (the tests' example plugin)
    plugins: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def sqlite(cls, var_dir: Path, plugins: Path | None = None) -> Installation:
        return cls(var_dir, f"sqlite:///{(var_dir / 'suanpan.db').as_posix()}", plugins)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    def env(self, **more: str) -> dict[str, str]:
        env = _server_env(self.var_dir, self.plugins or self.var_dir)
        env.update(SUANPAN_DATABASE_URL=self.database_url, **self.extra_env, **more)
        return env

    def run(self, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess[str]:
        """A ``suanpan`` command; it must succeed."""
        done = subprocess.run([SUANPAN, *args], cwd=ROOT, env=self.env(**env), capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode:
            raise AssertionError(f"suanpan {' '.join(args)} failed ({done.returncode}):\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

    def setup(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.run("setup", "--no-demo")

    def serve(self, *, workers: int = 2, job_worker: bool = True, log_name: str = "serve.log",
              **env: str) -> Process:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = self.var_dir / log_name
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [SUANPAN, "serve", "--port", str(port), "--workers", str(workers),
                 "--job-worker" if job_worker else "--no-job-worker"],
                cwd=ROOT, env=self.env(**env), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        served = Process(proc, url, log)
        try:
            _wait_until_up(proc, url, log, timeout=180)
        except BaseException:
            served.kill()
            raise
        return served

    @contextlib.contextmanager
    def served(self, **kw: object) -> Iterator[Process]:
        process = self.serve(**kw)  # type: ignore[arg-type]
        try:
            yield process
        finally:
            process.stop()

    def engine(self) -> Engine:
        return create_engine(self.database_url)


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the suite (SQLite's FTS shadow tables left out)."""
    names = inspect(engine).get_table_names()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            shadow = set(conn.scalars(text("SELECT name FROM pragma_table_list WHERE type = 'shadow'")))
            names = [n for n in names if n not in shadow]
        return {name: conn.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0 for name in names}


def integrity_problems(engine: Engine) -> list[str]:
    """What SQLite's ``integrity_check`` and ``foreign_key_check`` report; on
    PostgreSQL, every constraint not validated and every foreign key of a row
    that points at no row (what the server enforces, checked from the data).
    Empty when all is well."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            found = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
            problems = [] if found == ["ok"] else found
            problems += [f"foreign key: {tuple(row)}" for row in conn.exec_driver_sql("PRAGMA foreign_key_check")]
            return problems
        problems = [f"constraint {name} is not validated" for name in conn.scalars(text(
            "SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace "
            "AND NOT convalidated"))]
        keys = conn.execute(text(_PG_FOREIGN_KEYS)).all()
        checks = []
        for name, table, ref, cols, refcols in keys:
            join = " AND ".join(f'r."{rc}" = t."{c}"' for c, rc in zip(cols, refcols, strict=True))
            notnull = " AND ".join(f't."{c}" IS NOT NULL' for c in cols)
            checks.append(f"SELECT '{name}' AS fk, count(*) AS n FROM {table} t WHERE {notnull} "
                          f"AND NOT EXISTS (SELECT 1 FROM {ref} r WHERE {join})")
        for fk, orphans in conn.execute(text(" UNION ALL ".join(checks))) if checks else ():
            if orphans:
                problems.append(f"{fk}: {orphans} rows point nowhere")
        return problems


#: every foreign key of the current schema: name, table, referred table, their columns in order
_PG_FOREIGN_KEYS = """
SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
       array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
       array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint c
WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
"""


def sqlite_backup_counts(path: Path) -> dict[str, int]:
    """Row counts read straight from a SQLite backup file."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        return table_counts(engine)
    finally:
        engine.dispose()


def sqlite_journal_mode(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def wait_for(what: str, check: object, timeout: float = 60, every: float = 0.1) -> object:
    """Poll ``check()`` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()  # type: ignore[operator]
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)


__all__ = ["ADMIN_PASSWORD", "ROOT", "SUANPAN", "Installation", "Process", "drop_postgres", "fresh_postgres",
           "integrity_problems", "sibling_database", "sqlite_backup_counts", "sqlite_journal_mode",
           "table_counts", "wait_for"]

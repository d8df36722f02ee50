"""The ``suanpan`` command: serve, worker, setup, migrate, createuser, plugins,
demo, backup and restore."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.engine import URL, make_url

from core import setup as setup_
from core.app import Kernel
from core.config import load_settings
from core.errors import ValidationError
from core.models import PluginState

#: how long uvicorn's supervisor waits for a worker process to answer its
#: health ping before it kills it and starts another (uvicorn's default, 5 s,
#: is shorter than a worker takes to import the suite and build its kernel on
#: a busy machine: the workers were then killed while starting, again and again)
WORKER_HEALTHCHECK_SECONDS = 60


def _kernel() -> Kernel:
    """A kernel whose connections are closed when the command ends."""
    kernel = Kernel(load_settings())
    click.get_current_context().call_on_close(kernel.db.dispose)
    return kernel


@click.group()
def main() -> None:
    """Suanpan (算盘) business suite."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option("--job-worker/--no-job-worker", default=None,
              help="Run a job worker in each process (default: the inprocess_worker setting, on).")
def serve(host: str, port: int, workers: int, reload: bool, job_worker: bool | None) -> None:
    """Serve the suite over HTTP (with one job worker per process)."""
    import uvicorn

    if job_worker is not None:  # the processes uvicorn starts read their settings anew
        os.environ["SUANPAN_INPROCESS_WORKER"] = "1" if job_worker else "0"
    limit_malloc_arenas()
    uvicorn.run("core.app:create_app", factory=True, host=host, port=port, workers=workers,
                reload=reload, proxy_headers=True, log_level="info",
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS)


#: glibc malloc arenas of a serving process, unless MALLOC_ARENA_MAX says otherwise
MALLOC_ARENAS = 2


def limit_malloc_arenas() -> None:
    """At most :data:`MALLOC_ARENAS` malloc arenas in the serving processes.

    glibc gives each thread that allocates under contention an arena of its
    own (up to eight per CPU), and what is freed in one arena serves no other:
    a worker whose four handler threads printed PDFs (WeasyPrint's layouts and
    font subsets, tens of megabytes each) kept 556 MB, against 349 MB with
    two arenas (bench/http_load.py, docs/performance.md). The workers uvicorn
    starts read the variable from their environment at their start; a single
    worker runs in this process, already started, so it is told by mallopt.
    """
    os.environ.setdefault("MALLOC_ARENA_MAX", str(MALLOC_ARENAS))
    with contextlib.suppress(OSError, AttributeError, ValueError):  # not glibc: nothing to limit
        ctypes.CDLL("libc.so.6").mallopt(-8, int(os.environ["MALLOC_ARENA_MAX"]))  # -8: M_ARENA_MAX


@main.command()
@click.option("--once", is_flag=True, help="Run the jobs that are due, then stop.")
@click.option("--name", default=None, help="This worker's name in the job log [host:pid].")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(min=0.05),
              help="Seconds to wait when no job is due.")
def worker(once: bool, name: str | None, poll: float) -> None:
    """Run background jobs (start any number, on any machine)."""
    from core.jobs import Worker, tick

    runner = Worker(_kernel(), name)
    if once:
        tick(runner.kernel)
        handled = total = runner.run_pending()
        while handled:
            handled = runner.run_pending()
            total += handled
        click.echo(f"Jobs run: {total}.")
        return

    def stop(signum: int, _frame: object) -> None:
        click.echo(f"Stopping after the current job ({signal.Signals(signum).name}).")
        signal.signal(signum, signal.SIG_DFL)  # a second signal ends the process at once
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"Job worker {runner.name} started.")
    runner.run_forever(poll=poll)
    click.echo("Job worker stopped.")


@main.command()
@click.option("--demo/--no-demo", default=True, help="Load demo data on first run.")
def setup(demo: bool) -> None:
    """Migrate, create the administrator and (first run) load demo data."""
    kernel = _kernel()
    setup_.migrate_and_sync(kernel)
    kernel = _kernel()  # plugins enabled by the migration are now known
    password = os.environ.get("SUANPAN_ADMIN_PASSWORD")
    try:
        generated = setup_.ensure_admin(kernel, password)
    except ValidationError as exc:
        problem = exc.errors.get("password", str(exc))
        raise click.ClickException(f"SUANPAN_ADMIN_PASSWORD: {problem}") from exc
    if generated:
        click.echo("=" * 60)
        click.echo("Administrator created / 已创建管理员:")
        click.echo("  username / 用户名: admin")
        click.echo(f"  password / 密码:   {generated}")
        click.echo("Shown once; change it after logging in. / 仅显示一次，请登录后修改。")
        click.echo("=" * 60)
    if demo:
        demo_password = os.environ.get("SUANPAN_DEMO_PASSWORD") or password or generated
        if demo_password and setup_.load_demo(kernel, demo_password):
            click.echo("Demo data loaded; demo users (zhangwei, lina, ...) share the "
                       "administrator's first password. / 已加载演示数据。")


@main.command()
def migrate() -> None:
    """Upgrade the kernel and every enabled plugin to its newest migration."""
    setup_.migrate_and_sync(_kernel())
    click.echo("Database is up to date.")


@main.command()
@click.argument("plugin")
@click.argument("message")
def makemigration(plugin: str, message: str) -> None:
    """Autogenerate a plugin's next migration from its models (developers)."""
    from core import migrate as migrate_

    kernel = _kernel()
    if plugin != "core" and plugin not in kernel.enabled:
        raise click.ClickException(f"enable {plugin!r} first")
    migrate_.new_revision(kernel, plugin, message)


@main.command()
@click.argument("username")
@click.option("--name", default="", help="Display name.")
@click.option("--org", "org_code", default="HQ", show_default=True)
@click.option("--role", default="staff", show_default=True)
@click.password_option()
def createuser(username: str, name: str, org_code: str, role: str, password: str) -> None:
    """Create a user with a role in an organisation."""
    from core.admin import services
    from core.models import Org, Role, RoleAssignment

    kernel = _kernel()
    with kernel.db.session() as db:
        org = db.scalar(select(Org).where(Org.code == org_code))
        role_row = db.scalar(select(Role).where(Role.key == role))
        if org is None or role_row is None:
            raise click.ClickException(f"unknown organisation {org_code!r} or role {role!r}")
        try:
            user = services.create_user(db, None, {
                "username": username, "display_name": name or username, "org_id": org.id,
                "password": password}, passwords=kernel.passwords)
        except Exception as exc:  # ValidationError carries the field
            raise click.ClickException(str(exc)) from exc
        db.add(RoleAssignment(user_id=user.id, role_id=role_row.id, org_id=org.id))
    click.echo(f"User {username} created.")


@main.group()
def plugins() -> None:
    """List, enable and disable plugins."""


@plugins.command("list")
def plugins_list() -> None:
    kernel = _kernel()
    for name, m in sorted(kernel.installed.items()):
        state = "enabled" if name in kernel.enabled else "disabled"
        error = f"  ERROR: {kernel.errors[name]}" if name in kernel.errors else ""
        click.echo(f"{name:16} {m.version:10} {state:9} {m.label_for('en')}{error}")
    for name, reason in kernel.errors.items():
        if name not in kernel.installed:
            click.echo(f"{name:16} {'?':10} {'broken':9} {reason}")


def _set_enabled(names: tuple[str, ...], enabled: bool) -> None:
    from core.admin.services import set_plugin_enabled
    from core.plugins import resolve

    kernel = _kernel()
    unknown = [n for n in names if n not in kernel.installed]
    if unknown:
        raise click.ClickException(f"not installed: {', '.join(unknown)}")
    wanted = set(kernel.enabled)
    if enabled:
        # enable the dependencies too, in topological order
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in wanted or name not in kernel.installed:
                continue  # a missing dependency is reported by resolve() below
            wanted.add(name)
            todo.extend(d for d in kernel.installed[name].depends if d != "core")
    else:
        wanted -= set(names)
        dependants = [n for n in wanted if set(kernel.installed[n].depends) & set(names)]
        if dependants:
            raise click.ClickException(f"still needed by: {', '.join(sorted(dependants))}")
    _order, errors = resolve(kernel.installed, wanted)
    if errors:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in errors.items()))
    with kernel.db.session() as db:
        for name in kernel.installed:
            current = db.get(PluginState, name)
            if (name in wanted) != (current.enabled if current else None):
                set_plugin_enabled(db, name, name in wanted)
    setup_.migrate_and_sync(_kernel())
    click.echo(("Enabled: " if enabled else "Disabled: ") + ", ".join(names))


@plugins.command("enable")
@click.argument("names", nargs=-1, required=True)
def plugins_enable(names: tuple[str, ...]) -> None:
    """Enable plugins (and what they depend on) and migrate them."""
    _set_enabled(names, True)


@plugins.command("disable")
@click.argument("names", nargs=-1, required=True)
def plugins_disable(names: tuple[str, ...]) -> None:
    """Disable plugins; their data stays in the database."""
    _set_enabled(names, False)


@main.command()
def demo() -> None:
    """Load the demo data (once)."""
    kernel = _kernel()
    password = os.environ.get("SUANPAN_DEMO_PASSWORD") or os.environ.get("SUANPAN_ADMIN_PASSWORD")
    if not password:
        raise click.ClickException("set SUANPAN_DEMO_PASSWORD for the demo users")
    click.echo("Loaded." if setup_.load_demo(kernel, password) else "Demo data already present.")


@main.command()
@click.argument("target", required=False, type=click.Path(path_type=Path))
def backup(target: Path | None) -> None:
    """Write a consistent copy of the database (safe while serving)."""
    settings = load_settings()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    url = make_url(settings.database_url)
    if settings.is_sqlite:
        if not url.database or not Path(url.database).is_file():
            raise click.ClickException(f"no database at {url.database!r}; nothing to back up.")
        target = target or Path(settings.var_dir) / "backups" / f"suanpan-{stamp}.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(url.database)
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)  # the backup API: consistent under concurrent writes
        dst.close()
        src.close()
    else:
        target = target or Path(settings.var_dir) / "backups" / f"suanpan-{stamp}.dump"
        target.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--file", str(target),
                               *_pg_args(url)], env=_pg_env(url))
        if done.returncode:
            target.unlink(missing_ok=True)
            raise click.ClickException("pg_dump failed; no backup was written.")
    click.echo(str(target))


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.confirmation_option(prompt="Replace the current database with this backup?")
def restore(source: Path) -> None:
    """Replace the database with a backup (stop the server first)."""
    settings = load_settings()
    url = make_url(settings.database_url)
    if settings.is_sqlite:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(url.database or "")
        try:
            with dst:
                src.backup(dst)
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(f"{source} is not a SQLite backup: {exc}") from exc
        finally:
            dst.close()
            src.close()
    else:
        _pg_restore(url, source)
    click.echo("Restored.")


# Before the dump's own script: drop every table of the suite's schema, so that
# tables created after the backup (a newer migration, a plugin enabled since)
# cannot block the restore. All of it is one transaction, committed only when
# the whole script ran.
_PG_WIPE = b"""SET client_min_messages = warning;
BEGIN;
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT schemaname, tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I.%I CASCADE', t.schemaname, t.tablename);
  END LOOP;
END $$;
"""


def _pg_restore(url: URL, source: Path) -> None:
    """Replace the database's tables with the dump's, all or nothing."""
    env = _pg_env(url)
    pg_restore = _pg_tool("pg_restore")
    load = subprocess.Popen(
        [_pg_tool("psql"), "--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1",
         *_pg_args(url, dbflag=True)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
    assert load.stdin is not None
    dumped = 1
    try:
        load.stdin.write(_PG_WIPE)
        load.stdin.flush()
        dumped = subprocess.run([pg_restore, "--clean", "--if-exists", "--no-owner",
                                 "--file", "-", str(source)], stdout=load.stdin, env=env).returncode
        if dumped == 0:
            load.stdin.write(b"COMMIT;\n")  # psql rolls back if it never gets here
    except BrokenPipeError:  # psql stopped at an error
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            load.stdin.close()
    if load.wait() or dumped:
        raise click.ClickException("restore failed; the database is unchanged.")


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise click.ClickException(f"{name} not found: install the PostgreSQL client tools.")
    return path


def _pg_args(url: URL, *, dbflag: bool = False) -> list[str]:
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
            "--username", url.username or "postgres"]
    db = url.database or "postgres"
    return [*args, "--dbname", db] if dbflag else [*args, db]


def _pg_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return env


if __name__ == "__main__":
    sys.exit(main())

"""Build the database of the previous release and keep it as a test fixture.

    .venv/bin/python scripts/make_release_fixture.py [--commit C --out FILE]

The commit is the first line of ``tests/migrations/PREVIOUS_RELEASE``. Its
tree is taken with ``git archive`` into a temporary folder and its own
``suanpan setup`` runs there (migrations, shipped roles, the administrator,
the demo data of every in-repo plugin, with 300 CRM customers instead of
2,000) with this environment's Python and
packages: the old tree comes first on ``PYTHONPATH``, so ``core`` and
``plugins.*`` (the entry points name modules, not paths) are the old
release's. Its SQLite database is then written out, table by table, to
``tests/migrations/previous_release.json.gz``: the Alembic heads it is at,
its tables' columns, and every row with its values typed (dates, decimals,
JSON). ``tests/migrations/test_release_upgrade.py`` loads it into an empty
database of either kind and upgrades it with the current code.

Building the old release's database takes about a minute on the CI machine
(most of it the demo data): too slow for every test run on two databases,
hence the fixture. Rebuild it when PREVIOUS_RELEASE moves (at each release);
the test fails while the fixture's commit is not the file's.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    create_engine,
    select,
    text,
)

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "migrations"
RELEASE_FILE = FOLDER / "PREVIOUS_RELEASE"
FIXTURE = FOLDER / "previous_release.json.gz"
#: the password of the old release's administrator and demo users
PASSWORD = "correct-horse-battery"
#: SQLite's full-text tables and their shadow tables: derived from their content table
DERIVED = text("SELECT t.name FROM sqlite_master v JOIN sqlite_master t ON t.name = v.name "
               "OR t.name GLOB v.name || '_*' WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'")
#: what the old tree runs: its own setup command, checking that it is the old code
SETUP = """
import sys
from pathlib import Path
import core
assert Path(core.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), core.__file__
try:  # fewer demo customers than the 2,000 of a demo installation: a smaller fixture, the same kinds of rows
    import plugins.crm.services.demo as crm_demo
    crm_demo.CUSTOMERS = int(sys.argv[2])
except (ImportError, AttributeError):
    pass
from core.cli import main
main(["setup", "--demo"], standalone_mode=True)
"""
#: demo customers of the CRM in the fixture (the demo installation has 2,000)
CUSTOMERS = 300


def previous_release() -> str:
    """The commit of the previous release (the file's first line that is not a comment)."""
    for line in RELEASE_FILE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line
    raise SystemExit(f"{RELEASE_FILE}: no commit")


def build(commit: str, work: Path) -> Path:
    """The old release's tree set up with demo data; the path of its SQLite database."""
    tree, var = work / "tree", work / "var"
    tree.mkdir()
    var.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    # the npm packages (region data, front-end files) are not in git: the current ones
    (tree / "node_modules").symlink_to(ROOT / "node_modules")
    database = var / "suanpan.db"
    env = {**os.environ, "PYTHONPATH": str(tree), "SUANPAN_VAR_DIR": str(var),
           "SUANPAN_DATABASE_URL": f"sqlite:///{database}", "SUANPAN_ADMIN_PASSWORD": PASSWORD,
           "SUANPAN_CONFIG": str(work / "none.toml")}
    env.pop("SUANPAN_DEMO_PASSWORD", None)
    subprocess.run([sys.executable, "-c", SETUP, str(tree), str(CUSTOMERS)], cwd=tree, env=env, check=True)
    return database


def kind_of(column: Any) -> str:
    """How a column's values are written to JSON and read back."""
    kind = column.type
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Numeric) and not isinstance(kind, Integer):
        return "decimal"
    if isinstance(kind, LargeBinary):
        return "bytes"
    return "plain"


def plain(kind: str, value: Any) -> Any:
    if value is None or kind in ("json", "plain", "bool"):
        return value
    if kind in ("datetime", "date"):
        assert isinstance(value, datetime | date), value
        return value.isoformat()
    if kind == "decimal":
        return str(Decimal(value))
    return base64.b64encode(value).decode()


def dump(database: Path, commit: str) -> dict[str, Any]:
    """Every table of the old database with its rows, but Alembic's (its
    heads are kept) and SQLite's full-text tables (derived: rebuilt on load)."""
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        derived = set(conn.scalars(DERIVED))
        names = [n for n in conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table' "
                                              "AND name NOT LIKE 'sqlite_%'")) if n not in derived]
    meta = MetaData()
    meta.reflect(engine, only=names)
    with engine.connect() as conn:
        heads = sorted(conn.scalars(select(meta.tables["alembic_version"].c.version_num)))
        tables: dict[str, Any] = {}
        for table in sorted(meta.tables.values(), key=lambda t: t.name):
            if table.name == "alembic_version":
                continue
            kinds = [kind_of(c) for c in table.columns]
            order = [c for c in table.primary_key.columns] or list(table.columns)
            rows = [[plain(k, v) for k, v in zip(kinds, row, strict=True)]
                    for row in conn.execute(select(table).order_by(*order))]
            tables[table.name] = {"columns": [c.name for c in table.columns], "kinds": kinds, "rows": rows}
    engine.dispose()
    return {"commit": commit, "heads": heads, "password": PASSWORD, "tables": tables}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", help="another release to build (default: PREVIOUS_RELEASE's)")
    parser.add_argument("--out", type=Path, default=FIXTURE,
                        help=f"where to write it (default: {FIXTURE.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    wanted = args.commit or previous_release()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", wanted + "^{commit}"],
                            check=True, capture_output=True, text=True).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="suanpan-release-"))
    try:
        data = dump(build(commit, work), commit)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    args.out.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    rows = sum(len(t["rows"]) for t in data["tables"].values())
    print(f"{args.out}: {commit[:10]}, heads {', '.join(data['heads'])}, "
          f"{len(data['tables'])} tables, {rows} rows, {args.out.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

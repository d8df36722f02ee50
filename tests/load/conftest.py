"""The load and fault tests' installation: set up once per test session with
``suanpan setup`` in a var dir of its own, on SQLite, or on a PostgreSQL
database of its own (``<configured database>_served``, dropped and created
again) when SUANPAN_DATABASE_URL names PostgreSQL. Each test module serves
it with real ``suanpan serve`` processes (tests/load/served.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.load.served import Installation, drop_postgres, fresh_postgres, sibling_database


@pytest.fixture(scope="session")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    var_dir = tmp_path_factory.mktemp("load-var")
    configured = os.environ.get("SUANPAN_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        served = Installation.sqlite(var_dir)
        served.setup()
        yield served
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = fresh_postgres(sibling_database(configured, f"{worker}_served" if worker else "served"))
    served = Installation(var_dir, url)
    try:
        served.setup()
        yield served
    finally:
        drop_postgres(url)

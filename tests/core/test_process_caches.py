"""What a process keeps across kernels: one engine per database (with its
compiled statements) and the templates' compiled code. A kernel made after
another (a test's, a command's, a job's) neither compiles again what the
first compiled nor gets the first one's idle connections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from sqlalchemy import select

from core.app import COMPILED_TEMPLATES, Kernel
from core.config import Settings
from core.db import Database
from core.models import User


def test_two_kernels_on_one_database_share_its_engine_and_compiled_statements(kernel: Kernel, start: Any) -> None:
    statement = select(User.id).where(User.username == "nobody")
    with kernel.db.session(write=False) as db:
        db.execute(statement)
    cached = len(kernel.db.engine._compiled_cache)  # type: ignore[attr-defined]

    other = start()
    assert other.db.engine is kernel.db.engine
    assert other.db._write_lock is kernel.db._write_lock  # one SQLite writer per process
    with other.db.session(write=False) as db:
        db.execute(statement)
    assert len(other.db.engine._compiled_cache) == cached  # type: ignore[attr-defined]


def test_a_new_database_object_gets_no_idle_connection_of_an_earlier_one(base_settings: Settings) -> None:
    first = Database(base_settings.database_url, pool_size=base_settings.threads + 2)
    with first.session(write=False) as db:
        db.execute(select(1))
    assert first.engine.pool.checkedin() == 1  # type: ignore[attr-defined]

    second = Database(base_settings.database_url, pool_size=base_settings.threads + 2)
    assert second.engine is first.engine
    assert second.engine.pool.checkedin() == 0  # type: ignore[attr-defined]


def test_other_options_get_an_engine_of_their_own(base_settings: Settings) -> None:
    small = Database(base_settings.database_url, pool_size=1)
    large = Database(base_settings.database_url, pool_size=3)
    assert small.engine is not large.engine
    assert large.engine.pool.size() == 3  # type: ignore[attr-defined]


def test_a_template_is_compiled_once_per_process_and_again_when_it_changes(
        kernel: Kernel, start: Any, tmp_path: Path, monkeypatch: Any) -> None:
    compiled: list[str | None] = []
    original = Environment.compile

    def counting(self: Environment, source: str, name: str | None = None, *args: Any, **kw: Any) -> Any:
        compiled.append(name)
        return original(self, source, name, *args, **kw)

    def reading_tmp(k: Kernel) -> Environment:
        k.jinja.loader.loaders.insert(0, FileSystemLoader(str(tmp_path)))  # type: ignore[union-attr]
        return k.jinja

    monkeypatch.setattr(Environment, "compile", counting)
    page = tmp_path / "process-cache-test.html"
    page.write_text("<p>{{ word }} 一</p>", encoding="utf-8")

    assert reading_tmp(kernel).get_template(page.name).render(word="甲") == "<p>甲 一</p>"
    assert reading_tmp(start()).get_template(page.name).render(word="乙") == "<p>乙 一</p>"
    assert compiled == [page.name]  # the second kernel loaded the code the first compiled
    assert COMPILED_TEMPLATES._code

    page.write_text("<p>{{ word }} 二</p>", encoding="utf-8")
    assert reading_tmp(start()).get_template(page.name).render(word="丙") == "<p>丙 二</p>"
    assert compiled == [page.name, page.name]

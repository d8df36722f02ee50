"""Factories for the api plugin's tests: API tokens and clients that send them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from core.app import Kernel
from core.auth import create_api_token
from core.models import Role, User


class ApiClient(TestClient):
    """An API client: JSON in and out, a bearer token, no cookies of a browser."""


@pytest.fixture
def token(kernel: Kernel) -> Any:
    """``token(user)``: a fresh API token of ``user``, in plain text."""

    def issue(user: User) -> str:
        with kernel.db.session() as db:
            _row, plain = create_api_token(db, db.get(User, user.id), "tests")
            return plain

    return issue


@pytest.fixture
def api(kernel: Kernel, token: Any) -> Iterator[Any]:
    """``api(user)``: a client authenticated as ``user`` by an API token."""
    made: list[TestClient] = []

    def open_(user: User | None = None, *, bearer: str | None = None) -> TestClient:
        plain = bearer if bearer is not None else token(user) if user is not None else None
        headers = {"Authorization": f"Bearer {plain}"} if plain is not None else {}
        c = ApiClient(kernel.asgi(), base_url="http://testserver", headers=headers)
        c.__enter__()
        made.append(c)
        return c

    yield open_
    for c in made:
        c.__exit__(None, None, None)


@pytest.fixture
def note(kernel: Kernel) -> Any:
    """``note(owner, title, state=...)``: a note of the example plugin; its id."""
    from suanpan_notes.models import Note

    def make(owner: User, title: str = "拜访北京百度的准备", **values: Any) -> int:
        with kernel.db.session() as db:
            record = Note(org_id=owner.org_id, owner_id=owner.id, title=title, **values)
            db.add(record)
            db.flush()
            return int(record.id)

    return make


def role_id(kernel: Kernel, key: str) -> int:
    with kernel.db.session(write=False) as db:
        found = db.scalar(select(Role.id).where(Role.key == key))
        assert found is not None
        return int(found)

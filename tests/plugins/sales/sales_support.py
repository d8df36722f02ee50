"""Helpers of the sales tests, imported by name (``from conftest import``
picks whichever conftest module was imported first when several plugins'
tests run together)."""

from __future__ import annotations

from typing import Any

from core.app import Kernel
from core.models import User
from core.permissions import Actor, load_actor


def actor_of(kernel: Kernel, db: Any, user: User) -> Actor:
    """The actor ``user`` is in a request (their roles, scopes and field rules)."""
    return load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))

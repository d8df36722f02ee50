"""Helpers of the exhibitions' tests (imported by name: no clash with the
other plugins' conftest modules)."""

from __future__ import annotations

from typing import Any

from core.app import Kernel
from core.models import User
from core.permissions import Actor, load_actor


def actor_of(kernel: Kernel, db: Any, user: User | int) -> Actor:
    """The actor ``user`` is in a request (their roles, scopes and field rules)."""
    ident = user if isinstance(user, int) else user.id
    return load_actor(db, db.get(User, ident), all_codes=set(kernel.registry.permissions))

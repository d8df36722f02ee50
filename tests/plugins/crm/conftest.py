"""Fixtures of the CRM's tests: a sales organisation with the shipped roles,
and a factory of customers made through the CRM's own services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.app import Kernel
from core.models import User
from core.permissions import Actor, load_actor


def actor_of(kernel: Kernel, db: Any, user: User) -> Actor:
    """The actor ``user`` is in a request (their roles, scopes and field rules)."""
    return load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))


@pytest.fixture
def sales(make: Any) -> dict[str, Any]:
    """Head office with 销售一部 (and 华北组 below it) and 销售二部:
    ``director`` (crm.director, the organisation), ``manager`` (crm.manager,
    head of 销售一部), ``rep1`` and ``rep2`` (crm.salesperson in 销售一部),
    ``north`` (salesperson in 华北组) and ``rep3`` (salesperson in 销售二部).
    Everyone's password is the factory's."""
    hq = make.hq()
    one = make.department(hq, "销售一部")
    north = make.department(hq, "华北组", parent=one)
    two = make.department(hq, "销售二部")
    return {
        "hq": hq, "one": one, "north_dept": north, "two": two,
        "director": make.user(org=hq, username="director", name="赵总监", roles=("crm.director",)),
        "manager": make.user(org=hq, department=one, username="manager", name="钱经理", roles=("crm.manager",)),
        "rep1": make.user(org=hq, department=one, username="rep1", name="孙销售", roles=("crm.salesperson",)),
        "rep2": make.user(org=hq, department=one, username="rep2", name="李销售", roles=("crm.salesperson",)),
        "north": make.user(org=hq, department=north, username="north", name="周销售",
                           roles=("crm.salesperson",)),
        "rep3": make.user(org=hq, department=two, username="rep3", name="吴销售", roles=("crm.salesperson",)),
    }


@pytest.fixture
def new_customer(kernel: Kernel) -> Callable[..., int]:
    """``new_customer(owner, name, **values)``: a customer created by
    ``owner`` through ``create_customer`` (so owned by them); returns its id."""
    from plugins.crm.services.customers import create_customer

    def make_customer(owner: User, name: str, **values: Any) -> int:
        with kernel.db.session() as db:
            customer = create_customer(db, actor_of(kernel, db, owner), {"name": name, **values})
            db.flush()
            return customer.id

    return make_customer

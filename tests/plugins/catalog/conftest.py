"""Fixtures of the catalog's tests: a head office with a product manager, a
salesperson who only reads the catalog, a product manager of another
organisation; currencies (CNY base, USD, JPY without decimals), units, and
a factory of products made through the catalog's own services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.app import Kernel
from core.models import User
from core.permissions import Actor, load_actor


def actor_of(kernel: Kernel, db: Any, user: User) -> Actor:
    """The actor ``user`` is in a request (their roles, scopes and field rules)."""
    return load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))


@pytest.fixture
def people(make: Any) -> dict[str, Any]:
    """``pm`` (catalog.manager of the head office), ``rep`` (crm.salesperson
    there: reads the catalog), ``other_pm`` (catalog.manager of 华南分公司).
    Everyone's password is the factory's."""
    hq = make.hq()
    south = make.org("华南分公司")
    return {
        "hq": hq, "south": south,
        "pm": make.user(org=hq, username="pm", name="产品经理", roles=("catalog.manager",)),
        "rep": make.user(org=hq, username="rep", name="孙销售", roles=("crm.salesperson",)),
        "other_pm": make.user(org=south, username="other_pm", name="华南产品", roles=("catalog.manager",)),
    }


@pytest.fixture
def money(kernel: Kernel) -> dict[str, int]:
    """CNY (base, 2 places), USD (7.10 from 2026-01-01, 7.20 from 2026-07-01),
    EUR (no rate), JPY (0 places, 0.05 from 2026-01-01); units 台 (tai) and 项 (xiang).
    Returns the ids by code."""
    from plugins.catalog.models import Currency, ExchangeRate, Unit

    with kernel.db.session() as db:
        made = {code: Currency(code=code, name=name, places=places, is_base=code == "CNY")
                for code, name, places in (("CNY", "人民币", 2), ("USD", "美元", 2), ("EUR", "欧元", 2),
                                           ("JPY", "日元", 0))}
        db.add_all(made.values())
        db.flush()
        db.add_all([ExchangeRate(currency_id=made["USD"].id, valid_on=date(2026, 1, 1), rate=Decimal("7.10")),
                    ExchangeRate(currency_id=made["USD"].id, valid_on=date(2026, 7, 1), rate=Decimal("7.20")),
                    ExchangeRate(currency_id=made["JPY"].id, valid_on=date(2026, 1, 1), rate=Decimal("0.05"))])
        units = {code: Unit(code=code, name=name) for code, name in (("tai", "台"), ("xiang", "项"))}
        db.add_all(units.values())
        db.flush()
        return {**{code: c.id for code, c in made.items()}, **{code: u.id for code, u in units.items()}}


@pytest.fixture
def new_product(kernel: Kernel, money: dict[str, int]) -> Callable[..., int]:
    """``new_product(user, code, name, list_price="100.00", **values)``: a product
    made by ``user`` through the catalog's service; its id."""
    from plugins.catalog.services.products import create_product

    def make_product(user: User, code: str, name: str, list_price: str = "100.00", **values: Any) -> int:
        with kernel.db.session() as db:
            product = create_product(db, actor_of(kernel, db, user), {
                "code": code, "name": name, "list_price": Decimal(list_price), "currency_code": "CNY",
                "tax_rate": Decimal("13"), "unit_id": money["tai"], **values})
            db.flush()
            return product.id

    return make_product

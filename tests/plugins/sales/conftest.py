"""Fixtures of the sales plugin's tests: a sales organisation with the CRM's
roles (the sales plugin adds its codes to them), customers, a small catalog,
and a factory of contracts written straight to the tables (for the tests of
what hangs off a contract: receivables, deliveries, returns, commissions)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sales_support import actor_of

from core.app import Kernel
from core.models import Department, User


@pytest.fixture
def team(kernel: Kernel, make: Any) -> dict[str, Any]:
    """Head office with 销售一部 (headed by ``manager``) and 销售二部:
    ``director`` (crm.director), ``manager`` (crm.manager), ``rep1`` and
    ``rep2`` (crm.salesperson in 销售一部), ``rep3`` (salesperson in 销售二部),
    ``assistant`` (sales.assistant). Everyone's password is the factory's."""
    hq = make.hq()
    one = make.department(hq, "销售一部")
    two = make.department(hq, "销售二部")
    people = {
        "hq": hq, "one": one, "two": two,
        "director": make.user(org=hq, username="director", name="赵总监", roles=("crm.director",)),
        "manager": make.user(org=hq, department=one, username="manager", name="钱经理", roles=("crm.manager",)),
        "rep1": make.user(org=hq, department=one, username="rep1", name="孙销售", roles=("crm.salesperson",)),
        "rep2": make.user(org=hq, department=one, username="rep2", name="李销售", roles=("crm.salesperson",)),
        "rep3": make.user(org=hq, department=two, username="rep3", name="吴销售", roles=("crm.salesperson",)),
        "assistant": make.user(org=hq, username="assistant", name="郑内勤", roles=("sales.assistant",)),
    }
    with kernel.db.session() as db:
        db.get(Department, one.id).head_id = people["manager"].id  # the reps' manager approves
    return people


@pytest.fixture
def new_customer(kernel: Kernel) -> Callable[..., int]:
    """``new_customer(owner, name, **values)``: a CRM customer owned by ``owner``; its id."""
    from plugins.crm.services.customers import create_customer

    def make_customer(owner: User, name: str, **values: Any) -> int:
        with kernel.db.session() as db:
            customer = create_customer(db, actor_of(kernel, db, owner), {"name": name, **values})
            db.flush()
            return customer.id

    return make_customer


@pytest.fixture
def products(kernel: Kernel, team: dict[str, Any]) -> dict[str, int]:
    """CNY (base), USD at 7.10 from 2026-01-01, JPY (0 places), units 台 and 项,
    categories 硬件 and 服务, and three products: ``server`` (硬件, 台, 48,000.00,
    13 %), ``license`` (硬件, 套, 12,800.00, 13 %), ``install`` (服务, 项, 3,500.00, 6 %)."""
    from plugins.catalog.models import Category, Currency, ExchangeRate, Product, Unit

    with kernel.db.session() as db:
        cny = Currency(code="CNY", name="人民币", name_en="Chinese yuan", symbol="¥", places=2, is_base=True)
        usd = Currency(code="USD", name="美元", name_en="US dollar", symbol="$", places=2)
        jpy = Currency(code="JPY", name="日元", name_en="Japanese yen", symbol="¥", places=0)
        db.add_all([cny, usd, jpy])
        db.flush()
        db.add(ExchangeRate(currency_id=usd.id, valid_on=date(2026, 1, 1), rate=Decimal("7.10")))
        db.add(ExchangeRate(currency_id=jpy.id, valid_on=date(2026, 1, 1), rate=Decimal("0.047")))
        units = {code: Unit(code=code, name=name) for code, name in (("set", "台"), ("kit", "套"),
                                                                     ("job", "项"))}
        db.add_all(units.values())
        org = team["hq"].id
        hardware = Category(org_id=org, name="硬件", name_en="Hardware", path="/")
        service = Category(org_id=org, name="服务", name_en="Services", path="/")
        db.add_all([hardware, service])
        db.flush()
        hardware.path, service.path = f"/{hardware.id}/", f"/{service.id}/"
        made = {
            "server": Product(org_id=org, code="SRV-01", name="服务器", name_en="Server", category_id=hardware.id,
                              unit_id=units["set"].id, list_price=Decimal("48000.00"), tax_rate=Decimal("13")),
            "license": Product(org_id=org, code="LIC-01", name="软件许可", name_en="Licence",
                               category_id=hardware.id, unit_id=units["kit"].id,
                               list_price=Decimal("12800.00"), tax_rate=Decimal("13")),
            "install": Product(org_id=org, code="SVC-01", name="安装调试", name_en="Installation",
                               kind="service", category_id=service.id, unit_id=units["job"].id,
                               list_price=Decimal("3500.00"), tax_rate=Decimal("6")),
        }
        db.add_all(made.values())
        db.flush()
        return {key: product.id for key, product in made.items()}


@pytest.fixture
def make_contract(kernel: Kernel) -> Callable[..., int]:
    """``make_contract(owner, customer_id, lines, state="approved", signed_on=..., **values)``:
    a contract of ``owner`` written straight to the tables, its totals from
    ``plugins.sales.services.totals``; ``lines`` are
    ``(product_id, quantity, unit_price, discount)`` tuples. Returns its id.
    For the tests of what hangs off a contract; the contract's own tests go
    through its services."""
    from plugins.sales.models import Contract, ContractLine
    from plugins.sales.services.totals import apply

    def make(owner: User, customer_id: int, lines: Sequence[tuple[int | None, str, str, str]], *,
             state: str = "approved", signed_on: date = date(2026, 3, 2), **values: Any) -> int:
        with kernel.db.session() as db:
            user = db.get(User, owner.id)
            number = values.pop("number", f"HT-TEST-{db.query(Contract).count() + 1:05}")
            contract = Contract(org_id=user.org_id, owner_id=user.id, department_id=user.department_id,
                                number=number, customer_id=customer_id, state=state, signed_on=signed_on,
                                **values)
            db.add(contract)
            db.flush()
            rows = [ContractLine(contract_id=contract.id, sequence=(n + 1) * 10, product_id=product,
                                 description=f"line {n + 1}", quantity=Decimal(qty), unit_price=Decimal(price),
                                 discount=Decimal(discount), tax_rate=Decimal("13"))
                    for n, (product, qty, price, discount) in enumerate(lines)]
            db.add_all(rows)
            apply(contract, rows, places=2)
            db.flush()
            return contract.id

    return make

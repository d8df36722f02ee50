"""The targets page and a commission statement in a real browser, in
Chinese and English: the grid with its chart shows the seeded figures, a
bad cell is marked, the statement confirms; screenshots for the docs."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.app import Kernel
from core.config import load_settings
from core.models import User
from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e


def seed(server: Any) -> dict[str, Any]:
    """A small catalog, signed contracts of the demo's salespeople this year,
    their monthly targets, commission rules and 李娜's receipts of last month
    (another process, on the served database)."""
    from plugins.catalog.models import Category, Currency, Product
    from plugins.crm.models import Customer
    from plugins.sales.models import CommissionStatement, Contract, ContractLine, Receipt, Target
    from plugins.sales.services.commissions import on_receipt
    from plugins.sales.services.totals import apply

    settings = load_settings(var_dir=server.var_dir, inprocess_worker=False,
                             database_url=f"sqlite:///{(server.var_dir / 'suanpan.db').as_posix()}")
    kernel = Kernel(settings)
    rng = random.Random(7)
    today = date.today()
    year, last = today.year, max(today.month - 1, 1)
    try:
        with kernel.db.session() as db:
            people = {u.username: u for u in db.scalars(select(User))}
            lina = people["lina"]
            org_id = lina.org_id
            if db.scalar(select(Currency.id).where(Currency.code == "CNY")) is None:
                db.add(Currency(code="CNY", name="人民币", name_en="Chinese yuan", symbol="¥", places=2,
                                is_base=True))
            hardware = Category(org_id=org_id, name="硬件", name_en="Hardware", path="/")
            service = Category(org_id=org_id, name="服务", name_en="Services", path="/")
            db.add_all([hardware, service])
            db.flush()
            hardware.path, service.path = f"/{hardware.id}/", f"/{service.id}/"
            server_p = Product(org_id=org_id, code="E2E-SRV", name="服务器", name_en="Server",
                               category_id=hardware.id, list_price=Decimal("48000"))
            install = Product(org_id=org_id, code="E2E-SVC", name="安装调试", name_en="Installation",
                              kind="service", category_id=service.id, list_price=Decimal("3500"))
            db.add_all([server_p, install])
            db.flush()
            sellers = [u for u in people.values() if u.org_id == org_id and u.department_id is not None
                       and u.username not in ("admin", "wangfang")][:8]
            customers = {c.owner_id: c.id for c in db.scalars(select(Customer).where(Customer.org_id == org_id))}
            number = 0
            for user in sellers:
                customer = customers.get(user.id) or next(iter(customers.values()))
                for month in range(1, today.month + 1):
                    db.add(Target(org_id=org_id, year=year, month=month, user_id=user.id,
                                  amount=Decimal(rng.choice((150000, 200000, 250000)))))
                    for _ in range(rng.choice((0, 1, 1, 2))):
                        number += 1
                        contract = Contract(org_id=org_id, owner_id=user.id, department_id=user.department_id,
                                            number=f"HT-E2E-T{year}{number:05}", customer_id=customer,
                                            state="signed", signed_on=date(year, month, rng.randint(1, 27)),
                                            title="服务器采购及安装")
                        db.add(contract)
                        db.flush()
                        lines = [ContractLine(contract_id=contract.id, sequence=10, product_id=server_p.id,
                                              description="服务器", quantity=Decimal(rng.randint(1, 4)),
                                              unit_price=Decimal("48000"), tax_rate=Decimal("13"), discount=Decimal(0)),
                                 ContractLine(contract_id=contract.id, sequence=20, product_id=install.id,
                                              description="安装调试", quantity=Decimal(1),
                                              unit_price=Decimal("3500"), tax_rate=Decimal("6"), discount=Decimal(0))]
                        db.add_all(lines)
                        apply(contract, lines, places=2)
            from plugins.sales.models import CommissionRule

            db.add_all([
                CommissionRule(org_id=org_id, name="硬件提成", category_id=hardware.id, rate=Decimal("3"),
                               tiers=[{"from": "100", "rate": "4"}], active=True),
                CommissionRule(org_id=org_id, name="服务提成", category_id=service.id, rate=Decimal("5"),
                               tiers=[], active=True),
                CommissionRule(org_id=org_id, name="其他产品", rate=Decimal("1"), tiers=[], active=True)])
            db.flush()
            deal = db.scalar(select(Contract).where(Contract.owner_id == lina.id).order_by(Contract.id))
            if deal is None:
                deal = db.scalar(select(Contract).order_by(Contract.id))
            for n, (day, amount) in enumerate(((3, "60000.00"), (12, "45500.00"), (26, "-8000.00"))):
                receipt = Receipt(org_id=org_id, owner_id=deal.owner_id, department_id=deal.department_id,
                                  number=f"SK-E2E-T{year}{n + 1:05}", kind="refund" if amount[0] == "-" else "receipt",
                                  contract_id=deal.id, customer_id=deal.customer_id, amount=Decimal(amount),
                                  received_on=date(year, last, day))
                db.add(receipt)
                db.flush()
                on_receipt(db, receipt, False)
            statement = db.scalar(select(CommissionStatement).where(CommissionStatement.owner_id == deal.owner_id))
            assert statement is not None
            return {"year": year, "statement": statement.id, "total": statement.total}
    finally:
        kernel.db.dispose()


def switch(page: Any, label: str, lang: str) -> None:
    page.locator("form.sp-locale button", has_text=label).first.click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_the_targets_page_and_a_statement_for_the_docs(admin_page: Any, server: Any) -> None:
    seeded = seed(server)
    page = admin_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"/sales/targets?year={seeded['year']}")
    expect(page.locator("svg.sales-chart")).to_be_visible()
    expect(page.locator("#sales-targets tbody tr").first).to_be_visible()
    shoot(page, SCREENSHOTS / "sales-targets.png")
    page.goto(f"/sales/targets?year={seeded['year']}&kind=teams")
    expect(page.locator("#sales-targets tbody tr").first).to_be_visible()
    shoot(page, SCREENSHOTS / "sales-targets-teams.png")
    page.goto(f"/sales/commissions/{seeded['statement']}")
    expect(page.locator("#sales-commission-entries tbody tr")).to_have_count(6)
    shoot(page, SCREENSHOTS / "sales-commission-statement.png")

    # a bad cell is marked on the page and the grid is not saved
    page.goto(f"/sales/targets?year={seeded['year']}&edit=1")
    first = page.locator("#sales-targets-form input[name^=target_]").first
    first.fill("12万")
    page.locator("#sales-targets-form button[type=submit]").click()
    expect(page.locator("#sales-targets-form .is-invalid")).to_have_count(1)
    shoot(page, SCREENSHOTS / "sales-targets-edit.png")
    # the statement confirms
    page.goto(f"/sales/commissions/{seeded['statement']}")
    page.locator("#sales-statement-confirm").click()
    expect(page.locator("#sales-statement-state")).to_have_text("已确认")

    # the same in English (the administrator's language is set back after: other tests share them)
    switch(page, "English", "en")
    try:
        page.goto(f"/sales/targets?year={seeded['year']}")
        expect(page.locator("svg.sales-chart")).to_be_visible()
        shoot(page, SCREENSHOTS / "sales-targets-en.png")
        page.goto(f"/sales/commissions/{seeded['statement']}")
        expect(page.locator("#sales-statement-state")).to_have_text("Confirmed")
        shoot(page, SCREENSHOTS / "sales-commission-statement-en.png")
    finally:
        switch(page, "简体中文", "zh-CN")

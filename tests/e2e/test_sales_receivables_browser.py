"""Receivables in a real browser: record a receipt on a contract's page
(the plan's instalment turns partly received), the ageing report with its
drill-down, a delivery note; screenshots of each in Chinese and English for
the docs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.app import Kernel
from core.config import load_settings
from core.models import Role, RoleAssignment, User
from core.permissions import load_actor
from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e

#: customer, contract total, days since signing, terms (percent, days after signing), received
CONTRACTS = (
    ("北京星河科技有限公司", "94700.01", 100, (("30", 0), ("60", 45), ("10", 120)), "28410.00"),
    ("上海浦江贸易有限公司", "356000.00", 75, (("50", 0), ("50", 60)), "100000.00"),
    ("广州南方制造有限公司", "128000.00", 40, (("100", 30),), "0"),
    ("深圳前海物流有限公司", "64800.00", 130, (("40", 0), ("60", 30)), "25920.00"),
    ("杭州西湖软件有限公司", "215000.00", 10, (("30", 0), ("70", 90)), "0"),
)


def seed(server: Any) -> dict[str, int]:
    """Contracts of the demo's administrator with their plans, receipts and a
    delivery note (another process, on the served database); an English-
    speaking colleague ``ada`` with the administrator's role and password."""
    from plugins.crm.services.customers import create_customer
    from plugins.sales.models import Contract, ContractLine, PaymentTerm
    from plugins.sales.services.deliveries import create_delivery
    from plugins.sales.services.receipts import record_receipt
    from plugins.sales.services.receivables import generate_plan
    from plugins.sales.services.totals import apply

    settings = load_settings(var_dir=server.var_dir, inprocess_worker=False,
                             database_url=f"sqlite:///{(server.var_dir / 'suanpan.db').as_posix()}")
    kernel = Kernel(settings)
    codes = set(kernel.registry.permissions)
    try:
        with kernel.db.session() as db:
            admin = db.scalar(select(User).where(User.username == "admin"))
            assert admin is not None
            actor = load_actor(db, admin, all_codes=codes)
            if db.scalar(select(User).where(User.username == "ada")) is None:
                ada = User(username="ada", display_name="Ada Chen", org_id=admin.org_id, locale="en",
                           password_hash=admin.password_hash)
                db.add(ada)
                db.flush()
                role = db.scalar(select(Role.id).where(Role.key == "admin"))
                db.add(RoleAssignment(user_id=ada.id, role_id=role, org_id=admin.org_id))
            ids: dict[str, int] = {}
            for n, (name, total, ago, parts, paid) in enumerate(CONTRACTS, start=1):
                customer = create_customer(db, actor, {"name": name})
                term = PaymentTerm(org_id=admin.org_id, name=f"分期{n}", instalments=[
                    {"label": f"第{k}期", "percent": p, "days": d, "basis": "signed"}
                    for k, (p, d) in enumerate(parts, start=1)])
                db.add(term)
                db.flush()
                contract = Contract(org_id=admin.org_id, owner_id=admin.id, number=f"HT-E2E-R{n:05}",
                                    title="设备采购及安装", customer_id=customer.id, buyer_name=name,
                                    buyer_address="北京市海淀区中关村大街1号", state="signed",
                                    signed_on=date.today() - timedelta(days=ago), payment_term_id=term.id,
                                    tax_included=True, currency_code="CNY", received=Decimal("0"))
                db.add(contract)
                db.flush()
                lines = [ContractLine(contract_id=contract.id, sequence=10, description="服务器集群 R740（含三年维保）",
                                      unit="套", quantity=Decimal("1"), unit_price=Decimal(total) - 2000,
                                      tax_rate=Decimal("13"), discount=Decimal("0")),
                         ContractLine(contract_id=contract.id, sequence=20, description="安装调试",
                                      unit="项", quantity=Decimal("1"), unit_price=Decimal("2000"),
                                      tax_rate=Decimal("6"), discount=Decimal("0"))]
                db.add_all(lines)
                apply(contract, lines, places=2)
                db.flush()
                generate_plan(db, contract)
                if Decimal(paid):
                    record_receipt(db, actor, contract.id, {
                        "amount": paid, "method": "transfer", "reference": f"BANK-2026-{n:04}", "payer": name,
                        "received_on": (date.today() - timedelta(days=ago // 2)).isoformat()})
                ids[name] = contract.id
                if n == 1:
                    note = create_delivery(db, actor, contract.id, {
                        "carrier": "顺丰速运", "tracking_no": "SF1402938475", "receiver": "张工",
                        "receiver_phone": "13800138000"}, {lines[0].id: "1", lines[1].id: "1"})
                    ids["delivery"] = note.id
            return ids
    finally:
        kernel.db.dispose()


def test_recording_a_receipt_and_reading_the_ageing(page: Any, new_page: Any, server: Any, login: Any) -> None:
    ids = seed(server)
    login(page)
    contract = ids["上海浦江贸易有限公司"]
    page.goto(f"/sales/contracts/{contract}/receivables")
    # 100,000.00 of the first instalment (178,000.00) was received: record 50,000.00 more
    page.locator("#sales-amount").fill("50000.00")
    page.locator("#sales-method").select_option("transfer")
    page.locator("#sales-reference").fill("BANK-2026-0099")
    page.locator("#sales-receipt-form button[type=submit]").click()
    page.wait_for_url(f"**/sales/contracts/{contract}/receivables")
    plan = page.locator("#sales-receivable-plan")
    expect(plan).to_contain_text("¥150,000.00")
    expect(plan).to_contain_text("部分回款")
    shoot(page, SCREENSHOTS / "sales-receivables.png")
    # too much is refused on the amount, naming what is outstanding
    page.locator("#sales-amount").fill("999999.00")
    page.locator("#sales-receipt-form button[type=submit]").click()
    expect(page.locator("#sales-receipt-form .invalid-feedback")).to_contain_text("尚欠 206,000.00")
    # the ageing report and its drill-down
    page.goto("/sales/ageing")
    table = page.locator("#sales-ageing")
    expect(table).to_contain_text("北京星河科技有限公司")
    shoot(page, SCREENSHOTS / "sales-ageing.png")
    table.locator("tbody tr").first.locator("td.fw-bold a").click()
    expect(page.locator("#sales-ageing-instalments")).to_be_visible()
    page.goto(f"/sales/deliveries/{ids['delivery']}")
    expect(page.locator("#sales-delivery-lines")).to_contain_text("服务器集群 R740")
    shoot(page, SCREENSHOTS / "sales-delivery.png")
    # the same pages in English
    english = new_page(locale="en-US")
    login(english, "ada")
    english.goto(f"/sales/contracts/{contract}/receivables")
    expect(english.locator("#sales-receivable-plan")).to_contain_text("Partly received")
    shoot(english, SCREENSHOTS / "sales-receivables-en.png")
    english.goto("/sales/ageing")
    expect(english.locator("#sales-ageing")).to_contain_text("Over 90 days")
    shoot(english, SCREENSHOTS / "sales-ageing-en.png")
    english.goto(f"/sales/deliveries/{ids['delivery']}")
    shoot(english, SCREENSHOTS / "sales-delivery-en.png")

"""A quote in a real browser: the administrator makes one with three lines
through the line editor (products picked with tom-select fill their price,
the server recomputes the totals as quantities change), saves it, submits
it (approved at once: 5 % off at most, well under 200,000), and prints it:
the PDF's text has the three lines and the total. Screenshots of the list,
the form, the page and the print for the docs (Chinese), and of the form in
English to look at."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.app import Kernel
from core.config import load_settings
from core.models import User
from core.permissions import load_actor
from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e

#: code, name, unit, list price, tax rate
GOODS = (("SRV-2288", "机架式服务器 2288H", "台", "48000.00", "13"),
         ("SW-5735", "千兆接入交换机 S5735", "台", "6800.00", "13"),
         ("SVC-IMPL", "安装调试服务", "项", "3500.00", "6"))
CUSTOMER = "杭州海康威视数字技术股份有限公司"


def served(server: Any) -> Kernel:
    settings = load_settings(var_dir=server.var_dir, inprocess_worker=False,
                             database_url=f"sqlite:///{(server.var_dir / 'suanpan.db').as_posix()}")
    return Kernel(settings)


def seed(server: Any) -> int:
    """A small catalog and a customer of the administrator's organisation, on
    the served database; the customer's id."""
    from plugins.catalog.models import Currency, Product, Unit
    from plugins.crm.services.customers import create_customer

    kernel = served(server)
    try:
        with kernel.db.session() as db:
            admin = db.scalars(select(User).where(User.username == "admin")).one()
            if db.scalar(select(Currency.id).where(Currency.code == "CNY")) is None:
                db.add(Currency(code="CNY", name="人民币", name_en="Chinese yuan", symbol="¥", places=2, is_base=True))
            for code, name, unit, price, tax in GOODS:
                found = db.scalar(select(Unit).where(Unit.name == unit))
                if found is None:
                    found = Unit(code=f"u{len(unit)}{ord(unit[0])}", name=unit)
                    db.add(found)
                    db.flush()
                if db.scalar(select(Product.id).where(Product.code == code)) is None:
                    db.add(Product(org_id=admin.org_id, owner_id=admin.id, code=code, name=name, unit_id=found.id,
                                   list_price=Decimal(price), tax_rate=Decimal(tax)))
            actor = load_actor(db, admin, all_codes=set(kernel.registry.permissions))
            customer = create_customer(db, actor, {"name": CUSTOMER})
            db.flush()
            return customer.id
    finally:
        kernel.db.dispose()


def pick(page: Any, wrapper: Any, text: str) -> None:
    """Choose ``text`` in a tom-select: click, type, click the option."""
    wrapper.locator(".ts-control").click()
    wrapper.locator(".ts-control input").fill(text)
    wrapper.locator(".ts-dropdown .option", has_text=text).first.click()


def row(page: Any, n: int) -> Any:
    return page.locator("#sales-lines tr.sales-line").nth(n)


def test_a_quote_is_made_with_the_line_editor_submitted_and_printed(admin_page: Any, server: Any,
                                                                   new_page: Any, tmp_path: Path) -> None:
    customer_id = seed(server)
    page = admin_page
    page.goto("/sales/quotes/new")
    pick(page, page.locator("#f-customer_id + .ts-wrapper"), "海康威视")
    page.locator("#f-title").fill("海康园区网络与服务器")
    # three lines: each product picked fills its row from the catalog
    for n, (code, name, _unit, price, _tax) in enumerate(GOODS):
        if n:
            with page.expect_response(lambda r: "/sales/lines/preview" in r.url):
                page.locator("#sales-add-line").click()
            expect(page.locator("#sales-lines tr.sales-line")).to_have_count(n + 1)
        with page.expect_response(lambda r: "/sales/lines/preview" in r.url):
            pick(page, row(page, n).locator(".ts-wrapper"), code)
        expect(row(page, n).locator("input[name='line_description[]']")).to_have_value(name)
        expect(row(page, n).locator("input[name='line_unit_price[]']")).to_have_value(price)
    # quantities and a discount: the server recomputes the totals
    for n, quantity in ((0, "2"), (1, "4")):
        with page.expect_response(lambda r: "/sales/lines/preview" in r.url):
            row(page, n).locator("input[name='line_quantity[]']").fill(quantity)
            row(page, n).locator("input[name='line_quantity[]']").press("Tab")
        expect(row(page, n).locator("input[name='line_quantity[]']")).to_have_value(quantity)
    with page.expect_response(lambda r: "/sales/lines/preview" in r.url):
        row(page, 0).locator("input[name='line_discount[]']").fill("5")
        row(page, 0).locator("input[name='line_discount[]']").press("Tab")
    # 2 × 48,000 × 95 % + 4 × 6,800 + 3,500 = 91,200 + 27,200 + 3,500
    expect(page.locator("#sales-total")).to_have_text("121,900.00")
    shoot(page, SCREENSHOTS / "sales-quote-form.png")
    page.locator("#sales-save").click()
    page.wait_for_url(re.compile(r".*/sales/quotes/\d+$"))
    quote_url = page.url
    expect(page.locator("#sales-document-total")).to_have_text("121,900.00")
    # submit: approved at once
    page.locator("#core-workflow-actions button", has_text="提交审批").click()
    expect(page.locator("#core-workflow-state")).to_have_text("已通过")
    shoot(page, SCREENSHOTS / "sales-quote-detail.png")
    # print it: the PDF has the three lines and the total
    quote_id = quote_url.rstrip("/").rsplit("/", 1)[-1]
    response = page.request.get(f"/printing/documents/sales.quote/{quote_id}?lang=zh_CN")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf,
                                             capture_output=True, check=True).stdout.decode())
    for wanted in ("机架式服务器2288H", "千兆接入交换机S5735", "安装调试服务", "121,900.00", CUSTOMER):
        assert wanted in text, wanted
    pdf_file = tmp_path / "quote.pdf"
    pdf_file.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf_file),
                    str(SCREENSHOTS / "sales-quote-print")], check=True)
    # a contract from the quote: its lines and the buyer copied from the customer
    page.goto(quote_url)
    page.locator("#sales-quote-actions button", has_text="生成合同").click()
    page.wait_for_url(re.compile(r".*/sales/contracts/\d+$"))
    expect(page.locator("#sales-document-total")).to_have_text("121,900.00")
    expect(page.locator("main")).to_contain_text(CUSTOMER)
    shoot(page, SCREENSHOTS / "sales-contract-detail.png")
    contract_url = page.url
    page.goto(contract_url + "/edit")
    expect(page.locator("#sales-lines tr.sales-line")).to_have_count(3)
    shoot(page, tmp_path / "contract-form.png")
    # the list with its sums (filtered to this customer: the demo has quotes of its own)
    page.goto(f"/sales/quotes?customer_id={customer_id}")
    expect(page.locator("#sales-sums")).to_contain_text("121,900.00")
    shoot(page, SCREENSHOTS / "sales-quote-list.png")
    # the form and the page in English (to look at)
    english = new_page(locale="en-US")
    from tests.e2e.conftest import log_in

    log_in(english)
    english.goto(quote_url)
    shoot(english, tmp_path / "quote-detail-en.png")
    english.goto("/sales/quotes/new")
    shoot(english, tmp_path / "quote-form-en.png")
    english.goto(contract_url)
    shoot(english, tmp_path / "contract-detail-en.png")
    print("English shots:", tmp_path)

"""The printed quote and contract: the number, the customer, every line,
the total and its amount in Chinese capitals (大写); a contract with long
terms runs over pages with the lines' header and page numbers on each;
the bilingual print; and a document outside the reader's scope is a 404."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from typing import Any

from sales_support import actor_of

from core.app import Kernel
from plugins.sales.services import contracts as contract_services
from plugins.sales.services import quotes as quote_services

CLAUSE = ("甲方应按照本合同约定的时间、地点和方式交付货物，并提供货物的合格证明、使用说明书及保修卡等随附资料；"
          "乙方应在收到货物后七个工作日内完成验收，逾期未提出书面异议的视为验收合格。")


def pdf_text(pdf: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", *pages, "-", "-"], input=pdf, capture_output=True,
                          check=True, timeout=60)
    return done.stdout.decode("utf-8")


def pdf_pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True, timeout=60).stdout.decode()
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert found is not None
    return int(found.group(1))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def lines(products: dict[str, int]) -> list[dict[str, Any]]:
    return [{"product_id": products["server"], "description": "服务器 SRV-01", "quantity": "2",
             "unit_price": "48000", "discount": "5", "tax_rate": "13"},
            {"product_id": products["license"], "description": "软件许可 LIC-01", "quantity": "3",
             "unit_price": "12800", "tax_rate": "13"},
            {"product_id": products["install"], "description": "安装调试服务", "quantity": "1",
             "unit_price": "3500", "tax_rate": "6"}]


def test_a_printed_quote_has_its_number_customer_lines_total_and_capitals(
        client: Any, kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int]) -> None:
    customer = new_customer(team["rep1"], "北京百度网讯科技有限公司")
    with kernel.db.session() as db:
        quote = quote_services.create_quote(db, actor_of(kernel, db, team["rep1"]), {
            "customer_id": customer, "issued_on": date(2026, 3, 2), "lines": lines(products),
            "payment_terms": "合同签订后支付 30% 预付款"})
        quote_id, number = quote.id, quote.number
    client.login("rep1")
    response = client.get(f"/printing/documents/sales.quote/{quote_id}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = squash(pdf_text(response.content))
    for wanted in (number, "北京百度网讯科技有限公司", "服务器SRV-01", "软件许可LIC-01", "安装调试服务", "91,200.00",
                   "133,100.00", "壹拾叁万叁仟壹佰元整", "合同签订后支付30%预付款"):
        assert squash(wanted) in text, wanted
    # another salesperson gets no PDF of it
    client.cookies.clear()
    client.login("rep2")
    assert client.get(f"/printing/documents/sales.quote/{quote_id}").status_code == 404


def test_a_long_contract_runs_over_pages_with_page_numbers_and_both_languages(
        client: Any, kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int]) -> None:
    customer = new_customer(team["rep1"], "中国移动通信集团有限公司")
    terms = "\n".join(f"第{n}条 {CLAUSE}" for n in range(1, 31))
    with kernel.db.session() as db:
        contract = contract_services.create_contract(db, actor_of(kernel, db, team["rep1"]), {
            "customer_id": customer, "signed_on": date(2026, 3, 2), "lines": lines(products), "terms": terms,
            "payment_terms": "签约后 5 个工作日内支付 30%", "delivery_terms": "签约后 15 个工作日内送货至乙方指定地点"})
        contract_id, number = contract.id, contract.number
    client.login("rep1")
    pdf = client.get(f"/printing/documents/sales.contract/{contract_id}").content
    text = pdf_text(pdf)
    flat = squash(text)
    assert pdf_pages(pdf) >= 2
    assert "第 2 页" in text or "第2页" in flat
    for wanted in (number, "中国移动通信集团有限公司", "服务器SRV-01", "软件许可LIC-01", "安装调试服务",
                   "133,100.00", "壹拾叁万叁仟壹佰元整", "签约后5个工作日内支付30%", "第30条"):
        assert squash(wanted) in flat, wanted
    both = pdf_text(client.get(f"/printing/documents/sales.contract/{contract_id}?lang=both").content)
    assert "Buyer" in both and "买方" in both
    english = pdf_text(client.get(f"/printing/documents/sales.contract/{contract_id}?lang=en").content)
    assert "Total" in english and "壹拾叁万" not in english


def test_the_lines_header_repeats_on_every_page_of_a_long_contract(
        client: Any, kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int]) -> None:
    customer = new_customer(team["rep1"], "中国石油天然气集团有限公司")
    rows = [{"product_id": None, "description": f"备品备件 {n:02d}", "quantity": "1", "unit_price": "100",
             "tax_rate": "13"} for n in range(1, 61)]
    with kernel.db.session() as db:
        contract = contract_services.create_contract(db, actor_of(kernel, db, team["rep1"]), {
            "customer_id": customer, "lines": rows})
        contract_id = contract.id
    client.login("rep1")
    pdf = client.get(f"/printing/documents/sales.contract/{contract_id}").content
    assert pdf_pages(pdf) >= 2
    second = squash(pdf_text(pdf, page=2))
    # the table goes on on page 2 under its header again
    assert "序号" in second and "单价" in second and "备品备件60" in squash(pdf_text(pdf))
    assert "6,000.00" in squash(pdf_text(pdf)) and "陆仟元整" in squash(pdf_text(pdf))

"""Two people saving the same version of a contract: the manager saves
first; the rep's save is refused and comes back with what the rep typed
(header and lines) and the difference, field by field and line by line,
with who saved and when; the rep applies theirs again. A quote's form does
the same."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any

from sqlalchemy import select

from core.app import Kernel
from plugins.sales.models import Contract, ContractLine, Quote


def form_of(html: str, form_id: str) -> dict[str, Any]:
    """What a browser would send of the form ``form_id`` as it is on the page:
    inputs (checked boxes only), the selected options, the textareas;
    ``name[]`` fields as lists."""
    found = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert found, form_id
    body = found.group(0)
    sent: dict[str, Any] = {}

    def put(name: str, value: str) -> None:
        value = unescape(value)
        if name.endswith("[]"):
            sent.setdefault(name, []).append(value)
        else:
            sent[name] = value

    for tag in re.findall(r"<input\b[^>]*>", body):
        name = re.search(r'\bname="([^"]+)"', tag)
        kind = re.search(r'\btype="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("checkbox", "radio") and "checked" not in tag):
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        put(name.group(1), value.group(1) if value else "")
    for name, options in re.findall(r'<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        for value in re.findall(r'<option value="([^"]*)"\s+selected', options):
            put(name, value)
    for name, text in re.findall(r'<textarea\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>', body, re.S):
        put(name, text)
    return sent


def rows_of(html: str) -> dict[str, list[str]]:
    """The conflict panel: field name -> [label, theirs, saved, by, at]."""
    table = re.search(r'<table[^>]*id="kit-conflict-fields".*?</table>', html, re.S)
    assert table, "no conflict panel"
    return {name: [unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                   for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for name, row in re.findall(r'<tr data-field="([^"]+)">(.*?)</tr>', table.group(0), re.S)}


def test_the_rep_saving_after_the_manager_sees_both_and_applies_theirs_again(
        kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int],
        make_contract: Any, new_client: Any) -> None:
    # given a draft contract of rep1 with one line: 2 servers at 48,000
    customer = new_customer(team["rep1"], "北京百度网讯科技有限公司")
    ident = make_contract(team["rep1"], customer, [(products["server"], "2", "48000", "0")], state="draft",
                          title="服务器采购")
    rep, manager = new_client(), new_client()
    rep.login("rep1")
    manager.login("manager")
    # both open the form at the same version
    mine = form_of(rep.get(f"/sales/contracts/{ident}/edit").text, "sales-document-form")
    theirs = form_of(manager.get(f"/sales/contracts/{ident}/edit").text, "sales-document-form")
    read = int(mine["version"])
    assert theirs["version"] == str(read)
    assert mine["line_quantity[]"] == ["2.000"] or mine["line_quantity[]"] == ["2"]
    # when the manager saves 3 servers and a new subject
    saved = manager.submit(f"/sales/contracts/{ident}", {**theirs, "title": "服务器采购（扩容）",
                                                         "line_quantity[]": ["3"]}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    # and the rep saves a discount and a buyer's phone over the version read
    sent = {**mine, "line_discount[]": ["5"], "buyer_phone": "010-59928888"}
    stale = rep.submit(f"/sales/contracts/{ident}", sent)
    # then nothing of the rep's is written
    assert stale.status_code == 409
    with kernel.db.session(write=False) as db:
        contract = db.get(Contract, ident)
        assert contract is not None
        lines = db.scalars(select(ContractLine).where(ContractLine.contract_id == ident)).all()
        assert (contract.title, contract.buyer_phone) == ("服务器采购（扩容）", "")
        now = contract.version
        assert now > read
        assert [(x.quantity, x.discount) for x in lines] == [(Decimal("3.000"), Decimal("0.00"))]
    # and the panel shows the header and the line, field by field, with who saved them
    rows = rows_of(stale.text)
    assert rows["title"][:4] == ["主题", "服务器采购", "服务器采购（扩容）", "钱经理"]
    assert rows["buyer_phone"][:3] == ["买方电话", "010-59928888", "—"]
    assert rows["line_1_quantity"][:4] == ["第 1 行 · 数量", "2", "3", "钱经理"]
    assert rows["line_1_discount"][:3] == ["第 1 行 · 折扣（%）", "5", "0"]
    assert set(rows) == {"title", "buyer_phone", "line_1_quantity", "line_1_discount"}
    # and the form keeps what the rep typed, lines included, at the manager's version
    kept = form_of(stale.text, "sales-document-form")
    assert kept["buyer_phone"] == "010-59928888" and kept["line_discount[]"] == ["5"]
    assert kept["title"] == "服务器采购" and kept["version"] == str(now)
    # when the rep applies theirs again
    again = rep.submit(f"/sales/contracts/{ident}", kept, follow_redirects=False)
    # then the rep's values win over the manager's
    assert again.status_code == 303, again.text
    with kernel.db.session(write=False) as db:
        contract = db.get(Contract, ident)
        assert contract is not None
        lines = db.scalars(select(ContractLine).where(ContractLine.contract_id == ident)).all()
        assert (contract.title, contract.buyer_phone) == ("服务器采购", "010-59928888")
        assert contract.version > now
        assert [(x.quantity, x.discount) for x in lines] == [(Decimal("2.000"), Decimal("5.00"))]


def test_a_quote_saved_meanwhile_shows_an_added_line_in_english(
        kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int],
        new_client: Any) -> None:
    customer = new_customer(team["rep1"], "上海浦东发展银行")
    rep, manager = new_client(), new_client()
    rep.login("rep1")
    manager.login("manager")
    rep.cookies.set("suanpan_locale", "en")
    new = form_of(rep.get(f"/sales/quotes/new?customer_id={customer}").text, "sales-document-form")
    created = rep.submit("/sales/quotes", {**new, "line_product_id[]": [str(products["server"])],
                                           "line_description[]": ["服务器"], "line_quantity[]": ["1"],
                                           "line_unit_price[]": ["48000"]}, follow_redirects=False)
    assert created.status_code == 303, created.text
    ident = int(created.headers["location"].rsplit("/", 1)[1])
    mine = form_of(rep.get(f"/sales/quotes/{ident}/edit").text, "sales-document-form")
    theirs = form_of(manager.get(f"/sales/quotes/{ident}/edit").text, "sales-document-form")
    # the manager adds an installation line
    added = {key: value + [""] if key.startswith("line_") else value for key, value in theirs.items()}
    added["line_description[]"][-1], added["line_quantity[]"][-1] = "安装调试", "1"
    added["line_unit_price[]"][-1], added["line_tax_rate[]"][-1] = "3500", "6"
    assert manager.submit(f"/sales/quotes/{ident}", added, follow_redirects=False).status_code == 303
    # the rep, at the version read before, changes the note only
    stale = rep.submit(f"/sales/quotes/{ident}", {**mine, "note": "客户要求月底前报价"})
    assert stale.status_code == 409
    assert "Someone else saved this record while you were editing it." in stale.text
    rows = rows_of(stale.text)
    assert rows["note"][:3] == ["Internal note", "客户要求月底前报价", "—"]
    assert rows["line_2"][:2] == ["Line 2", "—"] and rows["line_2"][2].startswith("安装调试 × 1")
    assert rows["line_2"][3] == "钱经理"
    with kernel.db.session(write=False) as db:
        quote = db.get(Quote, ident)
        assert quote is not None and quote.note == ""

"""Commissions: rules by product category and tier of achievement, a
receipt split over its contract's lines, statements recomputed in their
month (the retroactive tier), frozen once confirmed, and who sees them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sales_targets_support import actor_of, record_receipt, set_basis, set_target, void_receipt
from sqlalchemy import func, select

from core import Conflict, Forbidden, NotFound, ValidationError, utcnow
from plugins.catalog.models import Category, Product
from plugins.sales.models import CommissionEntry, CommissionRule, CommissionStatement
from plugins.sales.services import commissions

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


@pytest.fixture
def rules(kernel, team, products):
    """Hardware 3 %, 4 % from 100 % of target; services 5 %; anything else 1 %."""
    with kernel.db.session() as db:
        hardware = db.scalar(select(Category.id).where(Category.name == "硬件"))
        service = db.scalar(select(Category.id).where(Category.name == "服务"))
        director = actor_of(kernel, db, team["director"])
        made = {
            "hardware": commissions.create_rule(db, director, {
                "name": "硬件提成", "category_id": str(hardware), "rate": "3", "active": "1",
                "tier_1_from": "100", "tier_1_rate": "4"}).id,
            "service": commissions.create_rule(db, director, {
                "name": "服务提成", "category_id": str(service), "rate": "5", "active": "1"}).id,
            "other": commissions.create_rule(db, director, {"name": "其他", "rate": "1", "active": "1"}).id,
        }
        return made


@pytest.fixture
def deal(team, new_customer, products, make_contract, rules):
    """rep1's contract: a server 48,000.00 (硬件) and installation 3,500.00 (服务), 51,500.00."""
    customer = new_customer(team["rep1"], "北京星河科技有限公司")
    return make_contract(team["rep1"], customer, [(products["server"], "1", "48000.00", "0"),
                                                  (products["install"], "1", "3500.00", "0")], state="signed")


def statement(kernel, user, month):
    with kernel.db.session(write=False) as db:
        found = db.scalar(select(CommissionStatement).where(CommissionStatement.owner_id == user.id,
                                                            CommissionStatement.month == month))
        if found is None:
            return None
        entries = list(db.scalars(select(CommissionEntry).where(CommissionEntry.statement_id == found.id)
                                  .order_by(CommissionEntry.id)))
        db.expunge_all()
        return found, entries


def test_a_receipt_is_split_over_two_categories_with_their_own_rules(kernel, team, deal):
    record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    found, entries = statement(kernel, team["rep1"], MARCH)
    # 10,000 × 48,000 / 51,500 = 9,320.39 at 3 % = 279.61; the remainder 679.61 at 5 % = 33.98
    assert [(e.base, e.rate, e.amount) for e in entries] == [
        (Decimal("9320.39"), Decimal("3.00"), Decimal("279.61")),
        (Decimal("679.61"), Decimal("5.00"), Decimal("33.98"))]
    assert (found.state, found.base, found.total) == ("draft", Decimal("10000.00"), Decimal("313.59"))
    assert found.department_id == team["one"].id


def test_the_most_specific_category_rule_wins_and_the_fallback_takes_the_rest(kernel, team, products, rules,
                                                                            new_customer, make_contract):
    with kernel.db.session() as db:
        hardware = db.scalar(select(Category).where(Category.name == "硬件"))
        servers = Category(org_id=hardware.org_id, parent_id=hardware.id, name="服务器", path="/")
        db.add(servers)
        db.flush()
        servers.path = f"{hardware.path}{servers.id}/"
        db.get(Product, products["server"]).category_id = servers.id
        loose = Product(org_id=hardware.org_id, code="MISC", name="杂项", list_price=Decimal("100"))
        db.add(loose)
        db.flush()
        commissions.create_rule(db, actor_of(kernel, db, team["director"]), {
            "name": "服务器提成", "category_id": str(servers.id), "rate": "2", "active": "on"})
        loose_id = loose.id
    customer = new_customer(team["rep1"], "北京星河科技有限公司")
    contract = make_contract(team["rep1"], customer, [(products["server"], "1", "1000.00", "0"),
                                                      (products["license"], "1", "1000.00", "0"),
                                                      (loose_id, "1", "1000.00", "0")], state="signed")
    record_receipt(kernel, contract, "3000.00", date(2026, 3, 5))
    _, entries = statement(kernel, team["rep1"], MARCH)
    assert [(e.base, e.rate, e.amount) for e in entries] == [
        (Decimal("1000.00"), Decimal("2.00"), Decimal("20.00")),   # 服务器 under 硬件: its own rule
        (Decimal("1000.00"), Decimal("3.00"), Decimal("30.00")),   # 硬件
        (Decimal("1000.00"), Decimal("1.00"), Decimal("10.00"))]   # no category: the fallback rule


def test_a_tier_reached_later_in_the_month_applies_to_the_whole_month(kernel, team, deal):
    set_basis(kernel, team["hq"].id, "receipts")
    set_target(kernel, team["rep1"], 2026, 3, "20000.00")
    record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    assert statement(kernel, team["rep1"], MARCH)[0].total == Decimal("313.59")  # 50 % of target: 3 %
    record_receipt(kernel, deal, "10000.00", date(2026, 3, 20))
    found, entries = statement(kernel, team["rep1"], MARCH)
    # 100 % reached: hardware at 4 % for both receipts, 9,320.39 × 4 % = 372.82; services stay 5 %
    assert [e.rate for e in entries] == [Decimal("4.00"), Decimal("5.00")] * 2
    assert (found.base, found.total) == (Decimal("20000.00"), Decimal("813.60"))  # 2 × (372.82 + 33.98)


def test_without_a_target_the_base_rate_applies(kernel, team, deal):
    set_basis(kernel, team["hq"].id, "receipts")
    record_receipt(kernel, deal, "60000.00", date(2026, 3, 5))
    _, entries = statement(kernel, team["rep1"], MARCH)
    assert [e.rate for e in entries] == [Decimal("3.00"), Decimal("5.00")]


def test_a_refund_in_the_same_month_reverses_the_commission(kernel, team, deal):
    record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    record_receipt(kernel, deal, "-10000.00", date(2026, 3, 28), kind="refund")
    found, entries = statement(kernel, team["rep1"], MARCH)
    assert [e.amount for e in entries] == [Decimal("279.61"), Decimal("33.98"), Decimal("-279.61"),
                                           Decimal("-33.98")]
    assert (found.base, found.total) == (Decimal("0.00"), Decimal("0.00"))


def test_a_voided_receipt_leaves_the_draft(kernel, team, deal):
    kept = record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    voided = record_receipt(kernel, deal, "5000.00", date(2026, 3, 6))
    void_receipt(kernel, voided)
    found, entries = statement(kernel, team["rep1"], MARCH)
    assert {e.receipt_id for e in entries} == {kept}
    assert found.total == Decimal("313.59")


def test_a_confirmed_statement_does_not_change_and_a_later_refund_lands_on_its_own_month(kernel, team, deal):
    record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    march = statement(kernel, team["rep1"], MARCH)[0]
    with kernel.db.session() as db:
        commissions.confirm(db, actor_of(kernel, db, team["director"]), march.id, march.version)
    record_receipt(kernel, deal, "-10000.00", date(2026, 4, 3), kind="refund")
    found, entries = statement(kernel, team["rep1"], MARCH)
    assert (found.state, found.total, len(entries)) == ("confirmed", Decimal("313.59"), 2)
    april, refunds = statement(kernel, team["rep1"], APRIL)
    assert (april.state, april.base, april.total) == ("draft", Decimal("-10000.00"), Decimal("-313.59"))
    assert [e.amount for e in refunds] == [Decimal("-279.61"), Decimal("-33.98")]


def test_a_late_receipt_of_a_confirmed_month_is_adjusted_on_the_open_month(kernel, team, deal):
    first = record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    march = statement(kernel, team["rep1"], MARCH)[0]
    with kernel.db.session() as db:
        commissions.confirm(db, actor_of(kernel, db, team["director"]), march.id)
    void_receipt(kernel, first)
    record_receipt(kernel, deal, "1000.00", date(2026, 3, 30))
    assert statement(kernel, team["rep1"], MARCH)[0].total == Decimal("313.59")
    this_month = date(utcnow().year, utcnow().month, 1)
    found, entries = statement(kernel, team["rep1"], this_month)
    # the void reverses 313.59; 1,000.00 at March's rates: 932.04 × 3 % = 27.96 and 67.96 × 5 % = 3.40
    assert [e.amount for e in entries] == [Decimal("-279.61"), Decimal("-33.98"), Decimal("27.96"),
                                           Decimal("3.40")]
    assert found.total == Decimal("-282.23")
    with kernel.db.session() as db:  # a recompute of the open month keeps the adjustments
        commissions.recompute_statement(db, actor_of(kernel, db, team["director"]), found.id)
    assert statement(kernel, team["rep1"], this_month)[0].total == Decimal("-282.23")


def test_confirm_then_pay_and_never_back(kernel, team, deal):
    record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    march = statement(kernel, team["rep1"], MARCH)[0]
    with kernel.db.session() as db:
        director = actor_of(kernel, db, team["director"])
        with pytest.raises(Conflict):
            commissions.mark_paid(db, director, march.id)
        commissions.confirm(db, director, march.id)
        commissions.mark_paid(db, director, march.id)
    found = statement(kernel, team["rep1"], MARCH)[0]
    assert found.state == "paid" and found.confirmed_at is not None
    with kernel.db.session() as db, pytest.raises(Conflict):
        commissions.confirm(db, actor_of(kernel, db, team["director"]), march.id)


def test_a_salesperson_reads_only_their_own_statements(kernel, team, deal, new_customer, make_contract,
                                                        products):
    other = make_contract(team["rep2"], new_customer(team["rep2"], "广州南方电子有限公司"),
                          [(products["server"], "1", "1000.00", "0")], state="signed")
    far = make_contract(team["rep3"], new_customer(team["rep3"], "成都天府软件有限公司"),
                        [(products["server"], "1", "1000.00", "0")], state="signed")
    record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    record_receipt(kernel, other, "1000.00", date(2026, 3, 5))
    record_receipt(kernel, far, "1000.00", date(2026, 3, 5))
    theirs = statement(kernel, team["rep2"], MARCH)[0]
    with kernel.db.session(write=False) as db:
        rep1 = actor_of(kernel, db, team["rep1"])
        assert [owner for _, owner in commissions.list_statements(db, rep1)] == ["孙销售"]
        with pytest.raises(NotFound):
            commissions.statement_detail(db, rep1, theirs.id)
        manager = actor_of(kernel, db, team["manager"])
        assert {owner for _, owner in commissions.list_statements(db, manager)} == {"孙销售", "李销售"}
        assert commissions.statement_detail(db, manager, theirs.id)[0].total == Decimal("30.00")
    for who in ("rep1", "manager"):
        with kernel.db.session() as db, pytest.raises((Forbidden, NotFound)):
            commissions.confirm(db, actor_of(kernel, db, team[who]), theirs.id)
    assert statement(kernel, team["rep2"], MARCH)[0].state == "draft"


def test_the_statement_detail_names_receipt_contract_and_product(kernel, team, deal):
    record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    march = statement(kernel, team["rep1"], MARCH)[0]
    with kernel.db.session(write=False) as db:
        _, rows = commissions.statement_detail(db, actor_of(kernel, db, team["rep1"]), march.id)
    assert [(r.product, r.rule, r.entry.amount) for r in rows] == [("服务器", "硬件提成", Decimal("279.61")),
                                                                   ("安装调试", "服务提成", Decimal("33.98"))]
    assert rows[0].receipt_number.startswith("SK-TEST-") and rows[0].contract_number.startswith("HT-TEST-")


def test_bad_rule_input_names_each_field_and_writes_nothing(kernel, team, rules):
    with kernel.db.session() as db, pytest.raises(ValidationError) as caught:
        commissions.create_rule(db, actor_of(kernel, db, team["director"]), {
            "name": "", "category_id": "999999", "rate": "120", "active": "1",
            "tier_1_from": "100", "tier_1_rate": "", "tier_2_from": "abc", "tier_2_rate": "5"})
    assert set(caught.value.errors) == {"name", "category_id", "rate", "tier_1_rate", "tier_2_from"}
    with kernel.db.session() as db, pytest.raises(ValidationError) as caught:
        commissions.create_rule(db, actor_of(kernel, db, team["director"]),
                                {"name": "第二条兜底", "rate": "2", "active": "1"})
    assert set(caught.value.errors) == {"category_id"}  # another active rule covers every other product
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(CommissionRule)) == 3


def test_only_the_director_manages_rules(kernel, team, rules):
    with kernel.db.session() as db, pytest.raises(Forbidden):
        commissions.create_rule(db, actor_of(kernel, db, team["manager"]), {"name": "x", "rate": "1"})
    with kernel.db.session() as db:
        director = actor_of(kernel, db, team["director"])
        commissions.update_rule(db, director, rules["other"], {"name": "其他产品", "rate": "1.5", "active": "1"})
        commissions.delete_rule(db, director, rules["service"])
    with kernel.db.session(write=False) as db:
        assert db.get(CommissionRule, rules["other"]).rate == Decimal("1.50")
        assert db.get(CommissionRule, rules["service"]) is None


# ------------------------------------------------------------------ the pages


def test_the_statement_pages_list_show_confirm_and_export(kernel, client, team, deal):
    record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    march = statement(kernel, team["rep1"], MARCH)[0]
    client.login("director")
    listing = client.get("/sales/commissions").text
    assert "2026-03" in listing and "孙销售" in listing and "313.59" in listing
    detail = client.get(f"/sales/commissions/{march.id}").text
    assert "279.61" in detail and "服务器" in detail and 'id="sales-statement-confirm"' in detail
    assert client.submit(f"/sales/commissions/{march.id}/confirm", {"version": str(march.version)},
                         follow_redirects=False).status_code == 303
    assert statement(kernel, team["rep1"], MARCH)[0].state == "confirmed"
    export = client.get(f"/sales/commissions/{march.id}/export")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook
    sheet = load_workbook(BytesIO(export.content)).active
    assert [row[7] for row in sheet.iter_rows(min_row=3, values_only=True)] == [279.61, 33.98, 313.59]


def test_another_salespersons_statement_page_is_a_404(kernel, client, team, deal):
    record_receipt(kernel, deal, "10000.00", date(2026, 3, 5))
    march = statement(kernel, team["rep1"], MARCH)[0]
    client.login("rep2")
    assert client.get(f"/sales/commissions/{march.id}").status_code == 404
    assert "孙销售" not in client.get("/sales/commissions").text
    client.cookies.clear()
    client.login("rep1")
    assert client.get(f"/sales/commissions/{march.id}").status_code == 200
    assert client.submit(f"/sales/commissions/{march.id}/confirm").status_code == 403


def test_the_rule_pages_create_and_name_a_bad_field(kernel, client, team, rules):
    client.login("director")
    assert "硬件提成" in client.get("/sales/commission-rules").text
    bad = client.submit("/sales/commission-rules/new", {"name": "大客户", "rate": "5", "tier_1_from": "x",
                                                        "tier_1_rate": "6", "active": "1"})
    assert bad.status_code == 422 and 'id="tier_1_from" inputmode="decimal"' in bad.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(CommissionRule)) == 3
    edit = client.get(f"/sales/commission-rules/{rules['hardware']}")
    assert edit.status_code == 200 and 'value="100"' in edit.text

"""The receivables ageing report (应收账龄): what each customer owes by how
long it is overdue as of a fixed date, exact to the cent; only instalments
the reader may see count; a figure drills to its instalments; the
receivables list filters in SQL; the customer 360 panel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sales_receivable_support import beijing, contract_with_plan, receive
from sqlalchemy import select

from core import clock
from core.clock import FakeClock
from plugins.sales.models import Instalment
from plugins.sales.services.ageing import ListFilters, ageing, behind, receivables
from plugins.sales.services.receivables import save_plan
from tests.plugins.sales.conftest import actor_of

AS_OF = date(2026, 6, 30)


@pytest.fixture
def now() -> Iterator[FakeClock]:
    fake = FakeClock(beijing(AS_OF))
    with clock.use(fake):
        yield fake


@pytest.fixture
def book(kernel, team, new_customer, make_contract, now):
    """Two customers of rep1 and one of rep3 (another team), with instalments
    in every bucket as of 30 June 2026."""
    a = new_customer(team["rep1"], "甲公司")
    b = new_customer(team["rep2"], "乙公司")
    c = new_customer(team["rep3"], "丙公司")
    # 甲: one contract, five instalments: due 30 June (not yet due), 31 May (30 days), 1 May (60 days),
    # 1 April (90 days), 31 March (91 days)
    first = contract_with_plan(kernel, make_contract, team["rep1"], a, "15000.05")
    with kernel.db.session() as db:
        save_plan(db, actor_of(kernel, db, team["director"]), first, [
            {"amount": "1000.01", "due_on": "2026-06-30"}, {"amount": "2000.01", "due_on": "2026-05-31"},
            {"amount": "3000.01", "due_on": "2026-05-01"}, {"amount": "4000.01", "due_on": "2026-04-01"},
            {"amount": "5000.01", "due_on": "2026-03-31"}])
    # and 600.00 received on the oldest instalment
    receive(kernel, team["assistant"], first, "600.00", received_on="2026-06-01")
    # 乙: due 1 June (29 days), 2 May (59 days) and fully paid one
    second = contract_with_plan(kernel, make_contract, team["rep2"], b, "700.00")
    with kernel.db.session() as db:
        save_plan(db, actor_of(kernel, db, team["director"]), second, [
            {"amount": "300.00", "due_on": "2026-06-01"}, {"amount": "200.00", "due_on": "2026-05-02"},
            {"amount": "200.00", "due_on": "2026-01-01"}])
    receive(kernel, team["assistant"], second, "200.00", received_on="2026-06-01")  # pays the oldest (1 Jan)
    # 丙 of another team: 9,999.99 due 1 July
    contract_with_plan(kernel, make_contract, team["rep3"], c, "9999.99", signed_on=date(2026, 7, 1))
    return {"a": a, "b": b, "c": c}


def _figures(report):
    return {row.name: [str(row.buckets[k]) for k in row.buckets] + [str(row.total)] for row in report.rows}


def test_the_ageing_splits_what_is_owed_by_days_overdue_exact_to_the_cent(kernel, team, book):
    with kernel.db.session(write=False) as db:
        report = ageing(db, actor_of(kernel, db, team["director"]), AS_OF)
    #                    not yet due, 1-30,     31-60,     61-90,     >90,       total
    assert _figures(report) == {
        "甲公司": ["1000.01", "2000.01", "3000.01", "4000.01", "4400.01", "14400.05"],
        "丙公司": ["9999.99", "0.00", "0.00", "0.00", "0.00", "9999.99"],
        "乙公司": ["0.00", "300.00", "200.00", "0.00", "0.00", "500.00"],
    }
    assert [r.name for r in report.rows] == ["甲公司", "丙公司", "乙公司"]  # largest owed first
    assert {k: str(v) for k, v in report.totals.items()} == {
        "current": "11000.00", "d1_30": "2300.01", "d31_60": "3200.01", "d61_90": "4000.01", "over_90": "4400.01"}
    assert report.total == Decimal("24900.04") and report.count == 8 and report.customers == 3
    # a page of the report holds the customers owing most; the totals still cover everyone
    with kernel.db.session(write=False) as db:
        second = ageing(db, actor_of(kernel, db, team["director"]), AS_OF, limit=1, offset=1)
    assert [r.name for r in second.rows] == ["丙公司"]
    assert second.total == Decimal("24900.04") and second.totals["over_90"] == Decimal("4400.01")


def test_the_same_book_a_day_later_moves_each_figure_one_bucket_on_at_the_edges(kernel, team, book):
    with kernel.db.session(write=False) as db:
        report = ageing(db, actor_of(kernel, db, team["director"]), date(2026, 7, 1))
    figures = _figures(report)
    # 30 June is now 1 day overdue, 31 May 31 days, 1 May 61 days, 1 April 91 days
    assert figures["甲公司"] == ["0.00", "1000.01", "2000.01", "3000.01", "8400.02", "14400.05"]
    assert figures["丙公司"][0] == "9999.99"  # due 1 July: due today is not overdue


def test_a_reader_sees_only_the_instalments_in_their_scope(kernel, team, book):
    with kernel.db.session(write=False) as db:
        manager = ageing(db, actor_of(kernel, db, team["manager"]), AS_OF)
        rep1 = ageing(db, actor_of(kernel, db, team["rep1"]), AS_OF)
        rep3 = ageing(db, actor_of(kernel, db, team["rep3"]), AS_OF)
    # the manager of 销售一部 sees rep1's and rep2's customers, not rep3's
    assert [r.name for r in manager.rows] == ["甲公司", "乙公司"] and manager.total == Decimal("14900.05")
    assert [r.name for r in rep1.rows] == ["甲公司"] and rep1.total == Decimal("14400.05")
    assert [r.name for r in rep3.rows] == ["丙公司"] and rep3.total == Decimal("9999.99")


def test_a_figure_drills_to_the_instalments_behind_it(kernel, team, book):
    with kernel.db.session(write=False) as db:
        director = actor_of(kernel, db, team["director"])
        cell = db.scalars(behind(director, AS_OF, customer_id=book["a"], bucket="over_90")).all()
        assert [(i.due_on, i.amount - i.received) for i in cell] == [(date(2026, 3, 31), Decimal("4400.01"))]
        column = db.scalars(behind(director, AS_OF, bucket="d1_30")).all()
        assert sorted(i.amount - i.received for i in column) == [Decimal("300.00"), Decimal("2000.01")]
        # the same drill for rep3 leaves 甲公司's instalments out
        assert db.scalars(behind(actor_of(kernel, db, team["rep3"]), AS_OF, customer_id=book["a"])).all() == []


def test_the_receivables_list_filters_by_state_overdue_customer_and_month(kernel, team, book):
    with kernel.db.session(write=False) as db:
        director = actor_of(kernel, db, team["director"])

        def dues(**filters):
            rows, count = receivables(db, director, ListFilters(**filters), on=AS_OF)
            assert count == len(rows)
            return [(name, i.due_on.isoformat()) for i, _number, name in rows]

        assert len(dues(state="unpaid")) == 8
        assert dues(state="paid") == [("乙公司", "2026-01-01")]
        assert dues(state="partial") == [("甲公司", "2026-03-31")]
        assert dues(overdue=True, customer_id=book["b"]) == [("乙公司", "2026-05-02"), ("乙公司", "2026-06-01")]
        assert dues(month="2026-05") == [("甲公司", "2026-05-01"), ("乙公司", "2026-05-02"), ("甲公司", "2026-05-31")]
        assert dues(owner_id=team["rep3"].id) == [("丙公司", "2026-07-01")]
        rows, _ = receivables(db, actor_of(kernel, db, team["rep3"]), ListFilters(customer_id=book["a"]), on=AS_OF)
        assert rows == []


def test_the_pages_show_the_report_and_hide_other_teams_instalments(client, kernel, team, book):
    client.login("manager")
    page = client.get("/sales/ageing?as_of=2026-06-30")
    assert page.status_code == 200
    assert "甲公司" in page.text and "乙公司" in page.text and "丙公司" not in page.text
    assert "¥4,400.01" in page.text and "¥14,900.05" in page.text
    drill = client.get(f"/sales/ageing/instalments?as_of=2026-06-30&customer_id={book['a']}&bucket=over_90")
    assert drill.status_code == 200 and "¥4,400.01" in drill.text and "¥2,000.01" not in drill.text
    listing = client.get("/sales/receivables?state=unpaid&overdue=1")
    assert listing.status_code == 200 and "甲公司" in listing.text and "丙公司" not in listing.text
    by_owner = client.get(f"/sales/receivables?state=unpaid&owner_id={team['rep2'].id}")
    assert "乙公司" in by_owner.text and "甲公司" not in by_owner.text and 'id="f-owner"' in by_owner.text
    with kernel.db.session(write=False) as db:
        other = db.scalar(select(Instalment.contract_id).where(Instalment.customer_id == book["c"]))
    assert client.get(f"/sales/contracts/{other}/receivables").status_code == 404


def test_the_customer_360_view_shows_what_is_outstanding_and_overdue(client, kernel, team, book):
    client.login("rep1")
    page = client.get(f"/crm/customers/{book['a']}")
    assert page.status_code == 200
    assert "sales-customer-receivables" in page.text
    assert "¥14,400.05" in page.text and "¥13,400.04" in page.text  # outstanding, of which overdue

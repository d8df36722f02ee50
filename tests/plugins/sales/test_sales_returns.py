"""Returns (退货单): quantities at most what was delivered and not yet
returned (of the delivery named, when one is), the refund at most what the
customer paid net; approve, receive, refund: the refund is a negative receipt
of kind "refund" that fires sales_receipt_recorded (so commissions reverse);
cancelling gives the quantities back."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sales_receivable_support import beijing, receive, received
from sqlalchemy import select

from core import Conflict, Forbidden, ValidationError, clock, hookimpl
from core.clock import FakeClock
from plugins.sales.models import ContractLine, Receipt, SalesReturn
from plugins.sales.services.deliveries import create_delivery, move_delivery
from plugins.sales.services.receivables import Refused, generate_plan
from plugins.sales.services.returns import create_return, move_return, update_return
from tests.plugins.sales.conftest import actor_of


@pytest.fixture
def now() -> Iterator[FakeClock]:
    fake = FakeClock(beijing(date(2026, 5, 1)))
    with clock.use(fake):
        yield fake


class Recorder:
    def __init__(self) -> None:
        self.heard: list[tuple[str, Decimal, int | None, bool]] = []

    @hookimpl
    def sales_receipt_recorded(self, session: Any, actor: Any, receipt: Any, reversed: bool) -> None:
        self.heard.append((receipt.kind, receipt.amount, receipt.return_id, reversed))


@pytest.fixture
def recorder(kernel) -> Iterator[Recorder]:
    found = Recorder()
    kernel.pm.register(found, name="test-sales-return-recorder")
    yield found
    kernel.pm.unregister(name="test-sales-return-recorder")


@pytest.fixture
def shipped(kernel, team, new_customer, products, make_contract, now):
    """A signed contract of rep1 (10 servers at 4,800.00, 2 jobs at 3,500.00 = 55,000.00),
    two shipped deliveries (6 then 3 servers) and 20,000.00 paid."""
    customer = new_customer(team["rep1"], "上海退货测试有限公司")
    contract = make_contract(team["rep1"], customer, [(products["server"], "10", "4800.00", "0"),
                                                      (products["install"], "2", "3500.00", "0")], state="signed")
    with kernel.db.session() as db:
        from plugins.sales.models import Contract

        generate_plan(db, db.get(Contract, contract))
        server, install = db.scalars(select(ContractLine.id).where(ContractLine.contract_id == contract)
                                     .order_by(ContractLine.sequence)).all()
        rep1 = actor_of(kernel, db, team["rep1"])
        first = create_delivery(db, rep1, contract, {}, {server: "6", install: "2"})
        second = create_delivery(db, rep1, contract, {}, {server: "3"})
        for note in (first, second):
            move_delivery(db, rep1, note.id, "shipped")
        ids = {"contract": contract, "server": server, "install": install, "first": first.id, "second": second.id}
    receive(kernel, team["assistant"], contract, "20000.00")
    return ids


def _return(kernel, user, contract, quantities, **values):
    with kernel.db.session() as db:
        made = create_return(db, actor_of(kernel, db, user), contract, values, quantities)
        return made.id


def _returned(kernel, line):
    with kernel.db.session(write=False) as db:
        return db.get(ContractLine, line).returned


def test_a_return_takes_at_most_what_was_delivered_and_not_yet_returned(kernel, team, shipped):
    # 9 servers delivered: 9.001 is refused on the row
    with pytest.raises(ValidationError) as invalid:
        _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "9.001"})
    assert invalid.value.errors == {"line_1_quantity": "More than was delivered and not yet returned on this line."}
    made = _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "4"}, reason="quality",
                   description="两台开机异常")
    assert _returned(kernel, shipped["server"]) == Decimal("4.000")
    with kernel.db.session(write=False) as db:
        back = db.get(SalesReturn, made)
        assert (back.number, back.state, back.reason) == ("TH-2026-00001", "draft", "quality")
    # 5 more may come back in all; of the second delivery (3 servers) only 3
    with pytest.raises(ValidationError):
        _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "5.5"})
    with pytest.raises(ValidationError) as of_delivery:
        _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "4"}, delivery_id=str(shipped["second"]))
    assert list(of_delivery.value.errors) == ["line_1_quantity"]
    _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "3"}, delivery_id=str(shipped["second"]))
    assert _returned(kernel, shipped["server"]) == Decimal("7.000")
    # and nothing of the second delivery is left to return
    with pytest.raises(ValidationError):
        _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "1"}, delivery_id=str(shipped["second"]))


def test_the_refund_is_at_most_what_the_customer_paid_net(kernel, team, shipped):
    with pytest.raises(Refused) as refused:
        _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "1"}, refund_amount="20000.01")
    assert list(refused.value.errors) == ["refund_amount"] and refused.value.params == {"paid": "20,000.00"}
    assert _returned(kernel, shipped["server"]) == Decimal("0.000")  # nothing written
    first = _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "1"}, refund_amount="15000.00")
    # a second return may promise only what the first left: 5,000.00
    with pytest.raises(Refused) as second:
        _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "1"}, refund_amount="5000.01")
    assert second.value.params == {"paid": "5,000.00"}
    with kernel.db.session() as db, pytest.raises(ValidationError) as bad:
        update_return(db, actor_of(kernel, db, team["rep1"]), first, {"refund_amount": "12.345"})
    assert list(bad.value.errors) == ["refund_amount"]


def test_refunding_records_a_negative_refund_receipt_that_fires_the_hook(kernel, team, shipped, recorder):
    made = _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "2"}, refund_amount="9600.00",
                   delivery_id=str(shipped["first"]))
    with kernel.db.session() as db:
        rep1, manager = actor_of(kernel, db, team["rep1"]), actor_of(kernel, db, team["manager"])
        with pytest.raises(Forbidden):  # a salesperson does not approve returns
            move_return(db, rep1, made, "approved")
    with kernel.db.session() as db:
        manager = actor_of(kernel, db, team["manager"])
        move_return(db, manager, made, "approved")
        with pytest.raises(Conflict):  # the goods are not back yet
            move_return(db, actor_of(kernel, db, team["director"]), made, "refunded")
        move_return(db, actor_of(kernel, db, team["rep1"]), made, "received")
    with kernel.db.session() as db:
        move_return(db, actor_of(kernel, db, team["director"]), made, "refunded")
    with kernel.db.session(write=False) as db:
        refund = db.scalar(select(Receipt).where(Receipt.return_id == made))
        assert (refund.kind, refund.amount, refund.number) == ("refund", Decimal("-9600.00"), "SK-2026-00002")
        assert db.get(SalesReturn, made).state == "refunded"
    # what the customer paid net dropped; the hook heard the refund like a receipt
    assert received(kernel, shipped["contract"]) == Decimal("10400.00")
    assert recorder.heard == [("refund", Decimal("-9600.00"), made, False)]


def test_cancelling_a_return_gives_the_quantities_back(kernel, team, shipped):
    made = _return(kernel, team["rep1"], shipped["contract"], {shipped["server"]: "3", shipped["install"]: "1"})
    with kernel.db.session() as db:
        move_return(db, actor_of(kernel, db, team["rep1"]), made, "cancelled")
    assert _returned(kernel, shipped["server"]) == Decimal("0.000")
    assert _returned(kernel, shipped["install"]) == Decimal("0.000")
    with kernel.db.session() as db, pytest.raises(Conflict):
        move_return(db, actor_of(kernel, db, team["manager"]), made, "approved")


def test_the_return_pages_and_the_receipt_voucher(client, kernel, team, shipped):
    client.login("rep1")
    form = client.get(f"/sales/returns/new?contract_id={shipped['contract']}")
    assert form.status_code == 200 and f"qty_{shipped['server']}" in form.text
    made = client.submit("/sales/returns", {"contract_id": str(shipped["contract"]), f"qty_{shipped['server']}": "1",
                                            "reason": "damaged", "refund_amount": "4800.00"},
                         follow_redirects=False)
    assert made.status_code == 303, made.text
    detail = client.get(made.headers["location"])
    assert detail.status_code == 200 and "TH-2026-00001" in detail.text
    client.login("rep3")
    assert client.get(made.headers["location"]).status_code == 404
    # the receipt voucher prints the amount in Chinese capitals
    with kernel.db.session(write=False) as db:
        receipt = db.scalar(select(Receipt.id).where(Receipt.contract_id == shipped["contract"]))
    client.login("assistant")
    pdf = client.get(f"/printing/documents/sales.receipt/{receipt}")
    assert pdf.status_code == 200, pdf.text
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()
    assert "SK-2026-00001" in text and "贰万元整" in text and "¥20,000.00" in text

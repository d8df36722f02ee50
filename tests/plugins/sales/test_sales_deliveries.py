"""Delivery notes (发货单): partial deliveries add up on the contract lines
and never exceed what was ordered (the error names the row); ship, receive
and cancel (which gives the quantities back); scope; the pages and the print."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sales_receivable_support import beijing
from sqlalchemy import select

from core import Conflict, NotFound, ValidationError, clock
from core.clock import FakeClock
from plugins.sales.models import ContractLine, Delivery
from plugins.sales.services.deliveries import create_delivery, move_delivery
from tests.plugins.sales.conftest import actor_of


@pytest.fixture
def now() -> Iterator[FakeClock]:
    fake = FakeClock(beijing(date(2026, 4, 1)))
    with clock.use(fake):
        yield fake


@pytest.fixture
def order(kernel, team, new_customer, products, make_contract, now):
    """A signed contract of rep1: 10 servers and 3 installation jobs; its line ids."""
    customer = new_customer(team["rep1"], "北京发货测试有限公司")
    contract = make_contract(team["rep1"], customer, [(products["server"], "10", "48000.00", "0"),
                                                      (products["install"], "3", "3500.00", "0")], state="signed",
                             buyer_address="北京市海淀区中关村大街1号")
    with kernel.db.session(write=False) as db:
        lines = db.scalars(select(ContractLine.id).where(ContractLine.contract_id == contract)
                           .order_by(ContractLine.sequence)).all()
    return {"contract": contract, "server": lines[0], "install": lines[1], "customer": customer}


def _deliver(kernel, user, contract, quantities, **values):
    with kernel.db.session() as db:
        delivery = create_delivery(db, actor_of(kernel, db, user), contract, values, quantities)
        return delivery.id, delivery.number


def _delivered(kernel, order):
    with kernel.db.session(write=False) as db:
        return [db.get(ContractLine, order[k]).delivered for k in ("server", "install")]


def test_partial_deliveries_add_up_on_the_contract_lines(kernel, team, order):
    first, number = _deliver(kernel, team["rep1"], order["contract"], {order["server"]: "4"},
                             carrier="顺丰速运", tracking_no="SF1234567890", receiver="张工")
    assert number == "FH-2026-00001"
    assert _delivered(kernel, order) == [Decimal("4.000"), Decimal("0.000")]
    _deliver(kernel, team["assistant"], order["contract"], {str(order["server"]): "6", str(order["install"]): "1.5"})
    assert _delivered(kernel, order) == [Decimal("10.000"), Decimal("1.500")]
    with kernel.db.session(write=False) as db:
        note = db.get(Delivery, first)
        # the address comes from the contract when none is given
        assert (note.address, note.carrier, note.state) == ("北京市海淀区中关村大街1号", "顺丰速运", "draft")


def test_more_than_remains_undelivered_is_refused_naming_the_row(kernel, team, order):
    _deliver(kernel, team["rep1"], order["contract"], {order["server"]: "7"})
    with pytest.raises(ValidationError) as invalid:
        _deliver(kernel, team["rep1"], order["contract"], {order["server"]: "3.001", order["install"]: "-1"})
    assert invalid.value.errors == {"line_1_quantity": "More than remains to be delivered on this line.",
                                    "line_2_quantity": "Enter a quantity above 0 with at most 3 decimals."}
    with pytest.raises(ValidationError) as empty:
        _deliver(kernel, team["rep1"], order["contract"], {})
    assert list(empty.value.errors) == ["lines"]
    # nothing written: the line still has 7 delivered and there is one note
    assert _delivered(kernel, order) == [Decimal("7.000"), Decimal("0.000")]
    with kernel.db.session(write=False) as db:
        assert len(db.scalars(select(Delivery.id)).all()) == 1


def test_ship_receive_and_cancel(kernel, team, order, now):
    shipped, _ = _deliver(kernel, team["rep1"], order["contract"], {order["server"]: "2"})
    cancelled, _ = _deliver(kernel, team["rep1"], order["contract"], {order["server"]: "5"})
    with kernel.db.session() as db:
        rep1 = actor_of(kernel, db, team["rep1"])
        move_delivery(db, rep1, shipped, "shipped")
        move_delivery(db, rep1, shipped, "received")
        move_delivery(db, rep1, cancelled, "cancelled")
        assert db.get(Delivery, shipped).ship_on == date(2026, 4, 1)
        with pytest.raises(Conflict):
            move_delivery(db, rep1, shipped, "cancelled")  # received goods are not cancelled
    # cancelling gave its 5 back
    assert _delivered(kernel, order) == [Decimal("2.000"), Decimal("0.000")]


def test_deliveries_only_from_approved_contracts_in_scope(kernel, team, new_customer, make_contract, order):
    draft = make_contract(team["rep1"], order["customer"], [(None, "1", "10.00", "0")], state="draft")
    with pytest.raises(Conflict):
        _deliver(kernel, team["rep1"], draft, {})
    with pytest.raises(NotFound):
        _deliver(kernel, team["rep3"], order["contract"], {order["server"]: "1"})
    note, _ = _deliver(kernel, team["rep1"], order["contract"], {order["server"]: "1"})
    with kernel.db.session() as db, pytest.raises(NotFound):
        move_delivery(db, actor_of(kernel, db, team["rep3"]), note, "shipped")


def test_the_delivery_pages_and_the_print(client, kernel, team, order):
    client.login("rep1")
    form = client.get(f"/sales/deliveries/new?contract_id={order['contract']}")
    assert form.status_code == 200 and f"qty_{order['server']}" in form.text
    bad = client.submit("/sales/deliveries", {"contract_id": str(order["contract"]), f"qty_{order['server']}": "11"})
    assert bad.status_code == 422
    made = client.submit("/sales/deliveries", {"contract_id": str(order["contract"]), f"qty_{order['server']}": "3",
                                              "carrier": "德邦物流", "tracking_no": "DB-778899"},
                         follow_redirects=False)
    assert made.status_code == 303
    detail = client.get(made.headers["location"])
    assert detail.status_code == 200 and "FH-2026-00001" in detail.text and "德邦物流" in detail.text
    assert "FH-2026-00001" in client.get("/sales/deliveries").text
    note = int(made.headers["location"].rstrip("/").rsplit("/", 1)[1])
    assert client.submit(f"/sales/deliveries/{note}/move", {"state": "shipped"}).status_code == 200
    pdf = client.get(f"/printing/documents/sales.delivery/{note}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()
    assert "发货单" in text and "FH-2026-00001" in text and "德邦物流" in text and "DB-778899" in text
    client.login("rep3")
    assert client.get(f"/sales/deliveries/{note}").status_code == 404
    assert client.get(f"/printing/documents/sales.delivery/{note}").status_code == 404

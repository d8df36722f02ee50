"""Advance-warehouse receipts (展品仓储): pieces checked line by line
(``line_<n>_<field>``, nothing written), numbered CK-year-seq, delivered to
one of the exhibitor's booths, storage days from received to delivered,
the fee (m³ × days × the storage service's price) charged once as a
confirmed service order, returned; illegal moves refused; the labels PDF
(one per package, k/n, with the receipt number, exhibitor, booth and hall);
the pages, and another organisation gets 404.
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from decoration_support import call
from services_support import ADVANCE_UNTIL, STANDARD_UNTIL, on
from sqlalchemy import func, select

from core import Conflict, ValidationError
from core.app import Kernel
from plugins.catalog.models import Product, Unit
from plugins.exhibitions.models import ServiceOrder, StorageReceipt
from plugins.exhibitions.services import service_orders, storage
from plugins.sales.services.documents import CHINA


@pytest.fixture
def store_service(kernel: Kernel, expo: dict[str, Any]) -> int:
    """展品仓储 at 20 / 25 / 35 a m³ a day."""
    from exhibitions_support import actor_of

    with kernel.db.session() as db:
        unit = Unit(code="m3", name="立方米")
        db.add(unit)
        db.flush()
        product = Product(org_id=expo["hq"].id, code="T-store", name="展品仓储", kind="service",
                          list_price=Decimal(25), currency_code="CNY", tax_rate=Decimal(6), unit_id=unit.id)
        db.add(product)
        db.flush()
        made = service_orders.create_service(db, actor_of(kernel, db, expo["manager"]), {
            "edition_id": expo["edition"], "product_id": product.id, "category": "storage",
            "advance_price": Decimal(20), "advance_until": ADVANCE_UNTIL, "standard_price": Decimal(25),
            "standard_until": STANDARD_UNTIL, "onsite_price": Decimal(35)})
        return int(made.id)


@pytest.fixture
def goods(expo: dict[str, Any], desk: Any, plan: Any, booth: Any, new_customer: Any) -> dict[str, int]:
    farm = new_customer(desk, "中国一拖集团")
    floor = plan()
    return {"farm": farm, "booth": booth(floor, "A101", status="sold", customer_id=farm),
            "other": booth(floor, "A102", x=3, status="sold", customer_id=new_customer(desk, "别家"))}


LINES = [{"description": "拖拉机配件（木箱）", "packages": "2", "volume": "3", "weight": "800"},
         {"description": "宣传册（纸箱）", "packages": "3", "volume": "1.5", "weight": "90"}]


def receipt(kernel: Kernel, desk: Any, expo: dict[str, Any], farm: int, lines: Any = None) -> int:
    made = call(kernel, desk, storage.create_receipt, {
        "edition_id": expo["edition"], "customer_id": farm, "received_on": "2027-11-06", "location": "A-01-03",
        "lines": LINES if lines is None else lines})
    return int(made.id)


def test_bad_lines_are_each_named_and_nothing_is_written(kernel, expo, desk, goods):
    with pytest.raises(ValidationError) as refused:
        call(kernel, desk, storage.create_receipt, {
            "edition_id": expo["edition"], "customer_id": goods["farm"], "received_on": "",
            "lines": [{"description": "农机", "packages": "0", "volume": "2"},
                      {"description": "", "packages": "1", "volume": "-1"},
                      {"description": "", "packages": "", "volume": "", "weight": ""},
                      {"description": "样品", "packages": "1", "volume": "0.2", "weight": "x"}]})
    assert refused.value.errors == {
        "received_on": "Give the day the goods were received.",
        "line_1_packages": "Enter 1 to 999 packages.",
        "line_2_description": "Describe the pieces.",
        "line_2_volume": "Enter the volume in m³, above zero.",
        "line_3_weight": "Enter the weight in kg.",
    }
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(StorageReceipt)) == 0


def test_a_receipt_is_delivered_charged_by_m3_and_days_and_returned(kernel, expo, desk, goods, store_service):
    with on(date(2027, 11, 6)):
        made = receipt(kernel, desk, expo, goods["farm"])
        with pytest.raises(Conflict):  # nothing to charge before delivery
            call(kernel, desk, storage.charge, made)
    at = datetime(2027, 11, 16, 10, 0, tzinfo=CHINA)
    with on(date(2027, 11, 16)):
        with pytest.raises(ValidationError) as not_theirs:
            call(kernel, desk, storage.deliver, made, goods["other"], at)
        assert set(not_theirs.value.errors) == {"booth_id"}
        call(kernel, desk, storage.deliver, made, goods["booth"], at)
        with pytest.raises(Conflict):
            call(kernel, desk, storage.deliver, made, goods["booth"], at)
        order = call(kernel, desk, storage.charge, made)
        with pytest.raises(Conflict):
            call(kernel, desk, storage.charge, made)
        call(kernel, desk, storage.give_back, made)
        with pytest.raises(Conflict):
            call(kernel, desk, storage.give_back, made)
    with kernel.db.session(write=False) as db:
        done = db.get(StorageReceipt, made)
        fee = db.get(ServiceOrder, order.id)
        assert done is not None and fee is not None
        assert done.number.startswith("CK-2027-") and done.state == "returned"
        assert storage.storage_days(done) == 10 and storage.volume_of(db, made) == Decimal("4.500")
        # 4.5 m³ × 10 days at the standard price of ¥25
        assert (fee.state, fee.total) == ("confirmed", Decimal("1125.00"))


def test_the_labels_are_one_per_package(kernel, client, expo, desk, goods):
    with on(date(2027, 11, 6)):
        made = receipt(kernel, desk, expo, goods["farm"])
        client.login("desk")
        pdf = client.get(f"/printing/documents/exhibitions.storage_labels/{made}")
    assert pdf.status_code == 200, pdf.text[:2000]
    pages = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True,
                           check=True).stdout.decode().split("\f")
    pages = [p for p in pages if p.strip()]
    with kernel.db.session(write=False) as db:
        number = db.get(StorageReceipt, made).number  # type: ignore[union-attr]
    assert len(pages) == 5
    for k, page in enumerate(pages, start=1):
        assert number in page and "中国一拖集团" in page and "1号馆" in page and "A101" in page
        assert re.search(rf"\b{k}/5\b", page), page
    assert "拖拉机配件" in pages[1] and "宣传册" in pages[2]


def test_the_pages_name_bad_lines_and_show_the_receipt(kernel, client, expo, desk, goods):
    with on(date(2027, 11, 6)):
        client.login("desk")
        form = {"edition_id": str(expo["edition"]), "customer_id": str(goods["farm"]), "received_on": "2027-11-06",
                "location": "A-01-03", "line_1_description": "农机", "line_1_packages": "0", "line_1_volume": "2"}
        bad = client.submit("/exhibitions/storage", form)
        assert bad.status_code == 422 and "请填写 1 到 999 件。" in bad.text
        made = client.submit("/exhibitions/storage", {**form, "line_1_packages": "2"}, follow_redirects=False)
        assert made.status_code == 303
        page = client.get(made.headers["location"])
        assert page.status_code == 200 and "农机" in page.text and 'id="exh-storage-days"' in page.text
        receipt_id = int(made.headers["location"].rstrip("/").split("/")[-1])
        delivered = client.submit(f"/exhibitions/storage/{receipt_id}/deliver",
                                  {"booth_id": str(goods["booth"]), "delivered_at": "2027-11-16T10:00"},
                                  follow_redirects=True)
        assert "已送至展位" in delivered.text
    client.login("outsider")
    assert client.get(f"/exhibitions/storage/{receipt_id}").status_code == 404
    assert client.submit(f"/exhibitions/storage/{receipt_id}/return", {}).status_code == 404

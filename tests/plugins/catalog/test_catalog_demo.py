"""The catalog's demo data: currencies with rates, units, a category tree
whose paths hang together, about forty products that pass the catalog's own
rules, and price lists price_for uses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.app import Kernel
from plugins.catalog.models import BundleItem, Category, Currency, PriceList, Product, Unit
from plugins.catalog.services import demo
from plugins.catalog.services.money import convert
from plugins.catalog.services.pricing import price_for
from plugins.catalog.services.products import has_places


def test_the_demo_catalog_hangs_together_and_prices_come_from_its_lists(kernel: Kernel, make: Any) -> None:
    hq = make.hq()
    with kernel.db.session() as db:
        demo.load(db, {"HQ": hq.id}, {})
    with kernel.db.session(write=False) as db:
        currencies = {c.code: c for c in db.scalars(select(Currency))}
        assert set(currencies) == {"CNY", "USD", "EUR", "HKD", "JPY"}
        assert [c.code for c in currencies.values() if c.is_base] == ["CNY"] and currencies["JPY"].places == 0
        assert {u.name for u in db.scalars(select(Unit))} == {"个", "台", "套", "件", "项", "次", "小时", "天",
                                                              "平方米", "米"}
        # every path is its parent's path plus its id
        categories = {c.id: c for c in db.scalars(select(Category))}
        for c in categories.values():
            parent = categories[c.parent_id].path if c.parent_id else "/"
            assert c.path == f"{parent}{c.id}/", c.name
        assert {c.name for c in categories.values() if c.parent_id is None} == {"硬件设备", "软件", "服务", "展会服务"}
        products = list(db.scalars(select(Product)))
        assert 38 <= len(products) <= 45 and len({p.code for p in products}) == len(products)
        assert all(p.name_en and p.org_id == hq.id and has_places(p.list_price, 2) for p in products)
        assert {p.tax_rate for p in products if p.kind == "goods"} == {Decimal("13")}
        assert {p.tax_rate for p in products if p.kind == "service"} == {Decimal("6")}
        assert db.scalar(select(BundleItem.id)) is not None
        lists = {pl.name: pl for pl in db.scalars(select(PriceList))}
        assert len(lists) == 3
        server = db.scalar(select(Product).where(Product.code == "SRV-R740"))
        assert server is not None
        on = date(2026, 3, 2)
        # a VIP pays about 5 % below list price, from the VIP list
        vip = price_for(db, server.id, currency="CNY", on=on, customer_level="vip")
        assert vip.price_list_id == lists["VIP 客户价 2026"].id and vip.unit_price == Decimal("65360.00")
        assert price_for(db, server.id, currency="CNY", on=on).unit_price == Decimal("68800.00")
        # the export list in dollars; the quantity breaks
        assert price_for(db, server.id, currency="USD", on=on).price_list_id == lists["出口价目表（美元）"].id
        laptop = db.scalar(select(Product.id).where(Product.code == "OFF-NB"))
        assert laptop is not None
        assert price_for(db, laptop, currency="CNY", on=on, quantity=Decimal(60)).unit_price == Decimal("8099.10")
        # and the yen has whole amounts
        assert convert(db, Decimal("68800.00"), "CNY", "JPY", on) == Decimal("1453010")

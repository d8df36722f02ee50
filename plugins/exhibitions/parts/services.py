"""What the services part registers (gathered by plugins.exhibitions.hooks):
the menu entries of the catalogue and the service orders, the orders'
number sequence, and the demo's catalogue and orders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, MenuItem, SequenceDecl

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MENU = [
    MenuItem("exhibitions.services", N_("Exhibitor services"), "exhibitions:service_list",
             "exhibitions.service.read", icon="tools", section=N_("Exhibitions"), order=450),
    MenuItem("exhibitions.service_orders", N_("Service orders"), "exhibitions:service_order_list",
             "exhibitions.service_order.read", icon="clipboard-list", section=N_("Exhibitions"), order=455),
]

SEQUENCES = [SequenceDecl("exhibitions.service_order", N_("Service order number"), "FW-{year}-{seq:05}")]

#: the demo's catalogue: code, name, English name, category, unit, advance, standard, on-site,
#: per m², units a day (limited)
DEMO = (
    ("EXPO-DECO", "特装管理费", "Special-decoration management fee", "decoration_fee", "平方米",
     "30", "30", "40", True, None),
    ("EXPO-PWR-16A", "电源 380V/16A（展期）", "Power 380V/16A (show days)", "power", "个",
     "600", "800", "1100", False, None),
    ("EXPO-PWR-24H", "24 小时电源 220V/10A", "24-hour power 220V/10A", "power", "个",
     "900", "1200", "1500", False, None),
    ("EXPO-WATER", "给排水接口", "Water supply and drain", "water", "个", "1500", "1800", "2500", False, None),
    ("EXPO-AIR", "压缩空气", "Compressed air", "compressed_air", "个", "1200", "1500", "2000", False, None),
    ("EXPO-HANG", "吊点", "Hanging point", "hanging_point", "个", "1800", "2200", "3000", False, 40),
    ("EXPO-TABLE", "洽谈桌", "Meeting table", "furniture", "张", "150", "200", "300", False, None),
    ("EXPO-CHAIR", "折椅", "Folding chair", "furniture", "把", "30", "40", "60", False, None),
    ("EXPO-ROOM-A", "会议室 A（半天）", "Meeting room A (half day)", "meeting_room", "场",
     "3000", "3500", "4500", False, 2),
    ("EXPO-AD-ARCH", "入口拱门广告", "Entrance arch advertising", "advertising", "个",
     "28000", "32000", "38000", False, 1),
    ("EXPO-STORE", "展品仓储（每立方米·天）", "Exhibit storage (per m³ a day)", "storage", "立方米",
     "20", "25", "35", False, None),
)


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """The catalogue of every edition the venues part made (the advance
    price until 60 days before opening, the standard price until the day
    before move-in), and, in the 25th edition, two draft orders (one at
    advance prices, one at standard prices) of exhibitors with booths."""
    from core import next_number
    from plugins.catalog.models import Product, Unit
    from plugins.exhibitions.models import Booth, Edition, ExhibitorService, ServiceOrder, ServiceOrderLine
    from plugins.sales.services.documents import registry_of

    editions = made.get("editions") or {}
    for number, edition_id in sorted(editions.items()):
        edition = session.get(Edition, edition_id)
        if edition is None or edition.opens_on is None:
            continue
        services = []
        for n, row in enumerate(DEMO, start=1):
            code, name, english, category, unit, advance, standard, onsite, per_area, capacity = row
            product = session.scalar(select(Product).where(Product.org_id == edition.org_id,
                                                           Product.code == code))
            if product is None:
                unit_row = session.scalar(select(Unit).where(Unit.name == unit))
                if unit_row is None:
                    unit_row = Unit(code=f"expo-{n}", name=unit)
                    session.add(unit_row)
                    session.flush()
                product = Product(org_id=edition.org_id, code=code, name=name, name_en=english, kind="service",
                                  list_price=Decimal(standard), currency_code="CNY", tax_rate=Decimal(6),
                                  unit_id=unit_row.id)
                session.add(product)
                session.flush()
            move_in = edition.move_in_on or edition.opens_on
            services.append(ExhibitorService(
                org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id, product_id=product.id,
                name=name, name_en=english, category=category, advance_price=Decimal(advance),
                advance_until=edition.opens_on - timedelta(days=60), standard_price=Decimal(standard),
                standard_until=move_in - timedelta(days=1), onsite_price=Decimal(onsite), per_area=per_area,
                capacity=capacity, sequence=n * 10))
        session.add_all(services)
        session.flush()
        if int(number) != 25:
            continue
        exhibitors = list(session.scalars(
            select(Booth.customer_id).where(Booth.edition_id == edition.id,
                                                         Booth.customer_id.is_not(None),
                                                         Booth.status.in_(("reserved", "sold")))
            .order_by(Booth.number).limit(2)))
        by_code = {s.name: s for s in services}
        for k, customer_id in enumerate(exhibitors):
            ordered = edition.opens_on - timedelta(days=75 - 30 * k)
            power, table = by_code["电源 380V/16A（展期）"], by_code["洽谈桌"]
            rows = [(power, Decimal(2), power.advance_price if k == 0 else power.standard_price),
                    (table, Decimal(3), table.advance_price if k == 0 else table.standard_price)]
            order = ServiceOrder(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                                 customer_id=customer_id, state="draft",
                                 number=next_number(session, registry_of(session), "exhibitions.service_order",
                                                    edition.org_id),
                                 ordered_on=ordered, channel="staff", note="展前预订" if k == 0 else "")
            session.add(order)
            session.flush()
            lines = [ServiceOrderLine(order_id=order.id, service_id=s.id, quantity=q,
                                      tier="advance" if k == 0 else "standard", unit_price=p, amount=p * q,
                                      sequence=(i + 1) * 10) for i, (s, q, p) in enumerate(rows)]
            session.add_all(lines)
            order.total = sum((line.amount for line in lines), Decimal(0))
        session.flush()

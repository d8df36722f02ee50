"""Exhibitor staff badges and badge prints: the quota follows the edition's
rule (2 per 9 m² of booked booths, a minimum); names beyond it are extra
and go on a draft service order of the extra-badge service at today's
price (once each); an edition selling no extra badge refuses them; after
the deadline the exhibitor (no staff user) is refused and staff override
it; the staff page; a visitor badge, a staff badge and a delegation's
badges printed (checked with pdftotext).
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from exhibitions_support import actor_of
from registration_support import run_jobs
from services_support import ADVANCE_UNTIL, STANDARD_UNTIL, on
from sqlalchemy import select

from core import Conflict, Forbidden, ValidationError
from core.app import Kernel
from plugins.catalog.models import Product, Unit
from plugins.exhibitions.models import Edition, ExhibitorBadge, ServiceOrder, ServiceOrderLine
from plugins.exhibitions.services import badges, registration, service_orders
from plugins.exhibitions.services import visitors as visitor_services

BEFORE_DEADLINE, DEADLINE, AFTER_DEADLINE = date(2027, 9, 1), date(2027, 10, 31), date(2027, 11, 1)


@pytest.fixture
def exhibitor(kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> int:
    """寿光蔬菜 with two sold booths of 3 × 6 m (36 m²: 8 badges under 2 per 9 m²)."""
    customer = new_customer(expo["seller1"], "寿光蔬菜产业集团")
    plan_id = plan()
    for n, x in (("A1", 0), ("A2", 3)):
        booth(plan_id, n, x=x, width=3, depth=6, status="sold", customer_id=customer)
    return int(customer)


@pytest.fixture
def badge_service(kernel: Kernel, expo: dict[str, Any]) -> int:
    """An extra staff badge: 100 / 150 / 200 yuan."""
    with kernel.db.session() as db:
        unit = Unit(code="pcs", name="张")
        db.add(unit)
        db.flush()
        product = Product(org_id=expo["hq"].id, code="T-badge", name="加购参展证", name_en="Extra badge",
                          kind="service", list_price=Decimal("150"), currency_code="CNY", tax_rate=Decimal(6),
                          unit_id=unit.id)
        db.add(product)
        db.flush()
        service = service_orders.create_service(db, actor_of(kernel, db, expo["manager"]), {
            "edition_id": expo["edition"], "product_id": product.id, "category": "other",
            "advance_price": Decimal("100"), "advance_until": ADVANCE_UNTIL, "standard_price": Decimal("150"),
            "standard_until": STANDARD_UNTIL, "onsite_price": Decimal("200")})
        return int(service.id)


def rule(kernel: Kernel, expo: dict[str, Any], **values: Any) -> None:
    with kernel.db.session() as db:
        registration.save_setup(db, actor_of(kernel, db, expo["manager"]), expo["edition"], {
            "registration_open": "1", "badges_per": "2", "per_area_m2": "9", "badge_minimum": "2",
            "badge_deadline": DEADLINE.isoformat(), **values})


def people(n: int, start: int = 1) -> list[dict[str, str]]:
    return [{"name": f"员工{i}", "title": "销售", "mobile": f"1380000{i:04d}"} for i in range(start, start + n)]


def by_portal(kernel: Kernel, expo: dict[str, Any], customer: int, names: list[dict[str, str]]) -> list[Any]:
    """What the exhibitor portal does: no staff user, the exhibitor given explicitly."""
    with kernel.db.session() as db:
        edition = db.get(Edition, expo["edition"])
        assert edition is not None
        return [(b.name, b.extra, b.code) for b in badges.set_badge_names(db, None, edition, customer, names)]


def orders(kernel: Kernel) -> list[tuple[str, str, Decimal, Decimal]]:
    with kernel.db.session(write=False) as db:
        return [(o.channel, o.state, line.quantity, line.unit_price) for o, line in db.execute(
            select(ServiceOrder, ServiceOrderLine).join(ServiceOrderLine, ServiceOrderLine.order_id == ServiceOrder.id)
            .order_by(ServiceOrder.id))]


def test_the_quota_follows_the_edition_rule():
    setup = registration.VisitorSetup(badges_per=2, per_area_m2=Decimal("9"), badge_minimum=2)
    assert [badges.quota_of(setup, Decimal(a)) for a in ("0", "9", "17.99", "18", "36", "100")] == [0, 2, 2, 4, 8, 22]
    assert badges.quota_of(registration.VisitorSetup(badges_per=2, per_area_m2=Decimal("9"), badge_minimum=3),
                           Decimal("9")) == 3


def test_names_beyond_the_quota_are_extra_and_charged_once(kernel, expo, exhibitor, badge_service):
    rule(kernel, expo, extra_badge_service_id=str(badge_service))
    with on(BEFORE_DEADLINE):
        first = by_portal(kernel, expo, exhibitor, people(8))
        assert [extra for _n, extra, _c in first] == [False] * 8 and orders(kernel) == []
        more = by_portal(kernel, expo, exhibitor, people(11))
    assert [extra for _n, extra, _c in more] == [False] * 8 + [True] * 3
    assert [c for _n, _e, c in more[:8]] == [c for _n, _e, c in first]  # a badge keeps its code
    assert orders(kernel) == [("portal", "draft", Decimal("3"), Decimal("100.00"))]  # the advance price
    with on(date(2027, 10, 1)):  # the standard price from 21 September
        again = by_portal(kernel, expo, exhibitor, people(12))  # one more: only it is charged
    assert orders(kernel)[1:] == [("portal", "draft", Decimal("1"), Decimal("150.00"))]
    with kernel.db.session(write=False) as db:
        charged = {b.order_id for b in db.scalars(select(ExhibitorBadge).where(ExhibitorBadge.extra.is_(True)))}
    assert len(charged) == 2 and len(again) == 12
    with on(BEFORE_DEADLINE):
        fewer = by_portal(kernel, expo, exhibitor, people(5, start=3))
    assert [n for n, _e, _c in fewer] == ["员工3", "员工4", "员工5", "员工6", "员工7"]
    with kernel.db.session(write=False) as db:
        assert len(list(db.scalars(select(ExhibitorBadge)))) == 5


def test_no_extra_badge_is_taken_when_the_edition_sells_none(kernel, expo, exhibitor):
    rule(kernel, expo)
    with on(BEFORE_DEADLINE), pytest.raises(ValidationError) as refused:
        by_portal(kernel, expo, exhibitor, people(9))
    assert set(refused.value.errors) == {"names"}
    with on(BEFORE_DEADLINE), pytest.raises(ValidationError) as unnamed:
        by_portal(kernel, expo, exhibitor, [{"name": "甲"}, {"name": "", "title": "经理"}])
    assert set(unnamed.value.errors) == {"line_2_name"}
    with kernel.db.session(write=False) as db:
        assert list(db.scalars(select(ExhibitorBadge))) == []


def test_after_the_deadline_only_staff_change_the_names(kernel, expo, exhibitor, desk, make):
    rule(kernel, expo)
    with on(DEADLINE):
        by_portal(kernel, expo, exhibitor, people(2))  # on the day itself: still open
    with on(AFTER_DEADLINE):
        with pytest.raises(Conflict):
            by_portal(kernel, expo, exhibitor, people(3))
        with kernel.db.session() as db:
            edition = db.get(Edition, expo["edition"])
            assert edition is not None
            done = badges.set_badge_names(db, actor_of(kernel, db, desk), edition, exhibitor, people(3),
                                          override=True)
            assert len(done) == 3
        gate = make.user(org=expo["hq"], username="gate9", roles=("exhibitions.gate",))
        with kernel.db.session() as db, pytest.raises(Forbidden):
            badges.set_badge_names(db, actor_of(kernel, db, gate), db.get(Edition, expo["edition"]),  # type: ignore[arg-type]
                                   exhibitor, people(1), override=True)


def test_staff_keep_the_names_on_the_badge_page_and_print_them(kernel, expo, exhibitor, desk, client, tmp_path):
    rule(kernel, expo)
    url = f"/exhibitions/editions/{expo['edition']}/badges/{exhibitor}"
    with on(AFTER_DEADLINE):  # staff change the names after the deadline too
        client.login("desk")
        index = client.get(f"/exhibitions/editions/{expo['edition']}/badges")
        assert index.status_code == 200 and "寿光蔬菜产业集团" in index.text
        page = client.get(url)
        assert page.status_code == 200 and 'id="exh-badge-quota"' in page.text
        saved = client.submit(url, {"rows": "3", "line_1_name": "张伟", "line_1_title": "总经理",
                                    "line_2_name": "李娜", "line_3_name": ""}, follow_redirects=False)
        assert saved.status_code == 303 and saved.headers["location"] == url
        bad = client.submit(url, {"rows": "2", "line_1_name": "张伟", "line_2_title": "经理"})
        assert bad.status_code == 422 and "is-invalid" in bad.text
        with kernel.db.session(write=False) as db:
            found = list(db.scalars(select(ExhibitorBadge).order_by(ExhibitorBadge.sequence)))
        assert [(b.name, b.title) for b in found] == [("张伟", "总经理"), ("李娜", "")]
        one = client.get(f"/printing/documents/exhibitions.staff_badge/{found[0].id}")
        assert one.status_code == 200, one.text[:1500]
        text = pdf_text(tmp_path, one.content)
        assert "张伟" in text and "寿光蔬菜产业集团" in text and "参展商" in text.replace(" ", "") and "A1 A2" in text
        batch = client.submit(f"{url}/print", follow_redirects=False)
        assert batch.status_code == 303
        run_jobs(kernel)
        pdf = client.get(batch.headers["location"] + "/pdf")
        assert pdf.status_code == 200
        both = pdf_text(tmp_path, pdf.content)
        assert "张伟" in both and "李娜" in both and pages(tmp_path, pdf.content) == 2
    with kernel.db.session(write=False) as db:
        assert all(b.printed_at for b in db.scalars(select(ExhibitorBadge)))
    client.login("outsider")
    assert client.get(url).status_code == 404


def pdf_text(tmp_path: Any, content: bytes) -> str:
    path = tmp_path / "badge.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pages(tmp_path: Any, content: bytes) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_visitor_badges_print_one_by_one_and_by_delegation(kernel, expo, client, tmp_path):
    made = []
    with kernel.db.session() as db:
        manager = actor_of(kernel, db, expo["manager"])
        for name, kind, delegation in (("王采购", "buyer", "东盟采购团"), ("阮文雄", "visitor", "东盟采购团"),
                                       ("李记者", "media", "")):
            v = visitor_services.register(db, manager, {"edition_id": expo["edition"], "name": name, "kind": kind,
                                                        "company": "中粮集团", "mobile": "13900001111",
                                                        "delegation": delegation})
            made.append((v.id, v.code))
    client.login("expomanager")
    one = client.get(f"/printing/documents/exhibitions.visitor_badge/{made[0][0]}")
    assert one.status_code == 200, one.text[:1500]
    text = pdf_text(tmp_path, one.content)
    assert "王采购" in text and "中粮集团" in text and made[0][1] in text and "第二十五届中国国际农业博览会" in text
    assert "采购商" in text.replace(" ", "")  # the kind's band (letter-spaced)
    batch = client.submit(f"/exhibitions/editions/{expo['edition']}/visitors/badges", {"delegation": "东盟采购团"},
                          follow_redirects=False)
    assert batch.status_code == 303
    run_jobs(kernel)
    pdf = client.get(batch.headers["location"] + "/pdf")
    both = pdf_text(tmp_path, pdf.content)
    assert "王采购" in both and "阮文雄" in both and "李记者" not in both and pages(tmp_path, pdf.content) == 2
    chosen = client.submit(f"/exhibitions/editions/{expo['edition']}/visitors/badges",
                           {"ids": f"{made[2][0]}"}, follow_redirects=False)
    assert chosen.status_code == 303


def test_the_visitor_page_links_the_e_ticket_and_the_badge(kernel, expo, client):
    with kernel.db.session() as db:
        visitor = visitor_services.register(db, actor_of(kernel, db, expo["manager"]), {
            "edition_id": expo["edition"], "name": "王采购", "mobile": "13900001111"})
        ids = (visitor.id, visitor.ticket_token)
    client.login("expomanager")
    page = client.get(f"/exhibitions/visitors/{ids[0]}")
    assert f"/exhibitions/ticket/{ids[1]}" in page.text
    assert f"/printing/documents/exhibitions.visitor_badge/{ids[0]}" in page.text

"""An edition's reports on a known set of booths and contracts: occupancy,
revenue per m², unpaid booths, exhibitors by industry and province; another
organisation's booths never counted; a reader who may not read a customer
sees no name."""

from __future__ import annotations

from decimal import Decimal

from exhibitions_support import actor_of
from reports_support import contract, known  # noqa: F401 - the fixture

from plugins.exhibitions.services import reports


def _report(kernel, user, edition, locale="zh_CN"):
    with kernel.db.session(write=False) as db:
        return reports.report(db, actor_of(kernel, db, user), edition, kernel.catalogs.translator(locale))


def test_the_figures_of_a_known_set(kernel, expo, known):  # noqa: F811 - the fixture
    r = _report(kernel, expo["manager"], expo["edition"])
    assert [h.title for h in r.halls] == ["1号馆展位图"]
    hall = r.halls[0]
    assert (hall.booths, hall.area) == (6, Decimal(81))
    assert (hall.taken, hall.taken_area) == (3, Decimal(54))
    assert (hall.held, hall.held_area) == (1, Decimal(9))
    assert (hall.available, hall.available_area) == (1, Decimal(9))
    assert (hall.blocked, hall.blocked_area) == (1, Decimal(9))
    assert hall.occupancy == Decimal("66.7")
    assert r.total.area == Decimal(81)  # the other organisation's 100 m² are not there
    # revenue per m²: (43,200 + 12,150 + 10,800) / 54 m²
    assert [(x.label, x.per_m2) for x in r.by_hall] == [("1号馆展位图", Decimal("1225.00"))]
    by_type = {x.key: x.per_m2 for x in r.by_type}
    assert by_type == {"island": Decimal("1200.00"), "corner": Decimal("1350.00"), "inline": Decimal("1200.00")}
    assert r.revenue_total is not None and r.revenue_total.revenue == Decimal("66150")
    # unpaid: HT-1 only, with its exhibitor
    assert r.unpaid is not None
    assert [(u.number, u.customer, u.total, u.received, u.due) for u in r.unpaid] == [
        ("HT-1", "绿源", Decimal("43200"), Decimal("10000"), Decimal("33200"))]
    # exhibitors: 绿源 on two booths counted once; 鲁丰 reserved; the held booth does not make an exhibitor
    assert r.exhibitors == 2
    assert sorted(r.by_industry or []) == [("农业", 1), ("食品饮料", 1)]
    english = _report(kernel, expo["manager"], expo["edition"], "en")
    assert sorted(english.by_industry or []) == [("Agriculture", 1), ("Food and beverage", 1)]
    assert sorted(r.by_province or []) == [("北京市", 1), ("山东省", 1)]


def test_another_organisation_sees_none_of_it(kernel, expo, known):  # noqa: F811 - the fixture
    with kernel.db.session(write=False) as db:
        outsider = actor_of(kernel, db, expo["outsider"])
        halls, total = reports.occupancy(db, outsider, expo["edition"])
        assert [h.title for h in halls] == ["外人的展位图"] and total.area == Decimal(100)
        assert reports.unpaid(db, outsider, expo["edition"]) == []
        # 鲁丰 is on the outsider's booth but is a customer of the first organisation: not counted
        assert reports.exhibitor_count(db, outsider, expo["edition"]) == 0


def test_a_reader_who_may_not_read_a_customer_sees_no_name(kernel, expo, known, booth):  # noqa: F811
    # seller2 sold a booth to seller1's customer 绿源 on a contract of their own, not paid yet
    mine = contract(kernel, expo["seller2"], known["farm"], "HT-3", "9000", "0")
    booth(known["plan"], "B1", 30, 0, status="sold", price=Decimal("9000"), customer_id=known["farm"],
          contract_id=mine)
    r = _report(kernel, expo["seller2"], expo["edition"])
    # seller2 reads their own customer 鲁丰 only: 绿源 is neither counted nor named
    assert r.exhibitors == 1 and r.by_province == [("山东省", 1)]
    assert [(u.number, u.customer, u.due) for u in r.unpaid or []] == [("HT-3", "", Decimal("9000"))]
    seller1 = _report(kernel, expo["seller1"], expo["edition"])
    assert [(u.number, u.customer) for u in seller1.unpaid or []] == [("HT-1", "绿源")]
    # the booths are still counted: the occupancy is the organisation's
    assert r.total.taken_area == Decimal(63)


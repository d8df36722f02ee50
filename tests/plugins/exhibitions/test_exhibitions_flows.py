"""The selling flows of issue 9: staff enter an application for an
exhibitor; the customer 360 view's "Exhibitions" panel; a booth that comes
free is offered to the waitlist at once; the booths dataset counts only the
exhibitors its reader may read."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from apply_support import applications_of, earlier_edition, sold
from exhibitions_support import actor_of
from sqlalchemy import event, select

from core import ReportQuery, aggregate, utcnow
from core.app import Kernel
from plugins.activity.models import InboxItem
from plugins.crm.services.customers import create_contact
from plugins.exhibitions.models import Application, Booth, PointsAdjustment, WaitlistEntry
from plugins.exhibitions.services import booths as booth_services
from plugins.exhibitions.services import reports as report_services


def _wait(kernel: Kernel, expo: dict[str, Any], customer: int, construction: str = "shell", booth_type: str = "",
          area: str = "9", owner: str = "seller1") -> int:
    with kernel.db.session() as db:
        row = WaitlistEntry(org_id=expo["hq"].id, owner_id=expo[owner].id, edition_id=expo["edition"],
                            customer_id=customer, construction=construction, booth_type=booth_type,
                            area_wanted=Decimal(area), state="waiting")
        db.add(row)
        db.flush()
        return int(row.id)


def _entry(kernel: Kernel, entry_id: int) -> tuple[str, int | None]:
    with kernel.db.session(write=False) as db:
        row = db.get(WaitlistEntry, entry_id)
        assert row is not None
        return row.state, row.booth_id


def _booth(kernel: Kernel, booth_id: int) -> tuple[str, int | None]:
    with kernel.db.session(write=False) as db:
        row = db.get(Booth, booth_id)
        assert row is not None
        return row.status, row.customer_id


# ------------------------------------------------------------------ staff entry


def test_staff_enter_an_application_for_a_customer_or_a_new_company(client: Any, kernel: Kernel,
                                                                    expo: dict[str, Any], new_customer: Any) -> None:
    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司", name_en="Lvyuan Agritech")
    with kernel.db.session() as db:
        from plugins.crm.models import Customer

        create_contact(db, actor_of(kernel, db, expo["seller1"]), db.get(Customer, farm),
                       {"name": "赵六", "mobile": "13812345678", "is_main": True})
    theirs = new_customer(expo["seller2"], "山东寿光蔬菜产业集团有限公司")
    client.login("seller1")
    page = client.get(f"/exhibitions/editions/{expo['edition']}/applications")
    assert "exhibitions-application-new-link" in page.text
    form = client.get(f"/exhibitions/editions/{expo['edition']}/applications/new")
    assert form.status_code == 200 and "北京绿源农业科技有限公司" in form.text
    assert "山东寿光蔬菜产业集团有限公司" not in form.text  # a colleague's customer is not offered
    url = f"/exhibitions/editions/{expo['edition']}/applications"
    # a phone call from a customer: the company and contact come from the CRM
    ok = client.submit(url, {"customer_id": str(farm), "area_wanted": "18", "construction": "shell",
                             "booth_type": "corner", "categories[]": ["agriculture"],
                             "neighbours_wanted": "北大荒"}, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    [made] = applications_of(kernel, expo["edition"])
    assert (made.channel, made.customer_id, made.company, made.company_en, made.contact_name, made.mobile) == (
        "staff", farm, "北京绿源农业科技有限公司", "Lvyuan Agritech", "赵六", "13812345678")
    assert (made.area_wanted, made.booth_type, made.categories, made.neighbours_wanted, made.owner_id) == (
        Decimal("18"), "corner", ["agriculture"], "北大荒", expo["seller1"].id)
    detail = client.get(f"/exhibitions/applications/{made.id}")
    assert "由员工录入" in detail.text
    # a walk-in of a company typed by hand: matched on its page as a public one is
    walk_in = client.submit(url, {"customer_id": "", "company": "山东寿光蔬菜产业集团有限公司", "contact_name": "王立新",
                                  "mobile": "13905361234", "area_wanted": "54", "construction": "raw"},
                            follow_redirects=True)
    assert walk_in.status_code == 200 and "exhibitions-application-matches" in walk_in.text
    assert "已存在" in walk_in.text and "林招展" in walk_in.text
    # the public form's checks, each bad field named; nothing written
    before = len(applications_of(kernel, expo["edition"]))
    bad = client.submit(url, {"company": "", "contact_name": "", "mobile": "123", "area_wanted": "0",
                              "construction": "steel"})
    assert bad.status_code == 422
    for name in ("company", "contact_name", "mobile", "area_wanted", "construction"):
        assert f'data-field="{name}"' in bad.text and "is-invalid" in bad.text
    assert 'value="123"' in bad.text  # what was typed stays
    hidden = client.submit(url, {"customer_id": str(theirs), "area_wanted": "9"})
    assert hidden.status_code == 422 and "请从您可查看的客户中选择参展商" in hidden.text
    assert len(applications_of(kernel, expo["edition"])) == before
    # another organisation's edition is a 404; a reader without the right is refused
    client.login("outsider")
    assert client.get(f"/exhibitions/editions/{expo['edition']}/applications/new").status_code == 404
    assert client.submit(url, {"company": "外人公司", "contact_name": "某", "mobile": "13900000000",
                               "area_wanted": "9"}).status_code == 404


# ------------------------------------------------------------------ the customer 360 panel


def test_the_customer_360_panel_shows_the_exhibitor_in_the_readers_scope(
        client: Any, kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> None:
    from apply_support import contract

    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    # the 24th: a sold booth of 36 m² on a contract of ¥90,000 → 10 + 4 + 9 points in the 25th
    c24 = contract(kernel, expo, farm, "90000")
    sold(kernel, expo, earlier_edition(kernel, expo, 24), farm, "Z24", 36, contract_id=c24)
    p = plan()
    c25 = contract(kernel, expo, farm, "43200")  # owned by seller1
    with kernel.db.session() as db:
        from plugins.sales.models import Contract

        db.get(Contract, c25).received = Decimal("10000")  # type: ignore[union-attr]
        other = Contract(org_id=expo["hq"].id, owner_id=expo["seller2"].id, number="HT-SELLER2", customer_id=farm,
                         state="approved", total=Decimal("12150"))
        db.add(other)
        db.flush()
        c_other = other.id
        db.add(PointsAdjustment(org_id=expo["hq"].id, owner_id=expo["manager"].id, edition_id=expo["edition"],
                                customer_id=farm, points=5, reason="协办单位推荐"))
    booth(p, "A101", width=6, depth=6, status="sold", customer_id=farm, contract_id=c25)
    booth(p, "A102", x=6, status="reserved", customer_id=farm, contract_id=c_other)
    full = booth(p, "B1", x=20, status="sold", booth_type="island", construction="raw")
    _wait(kernel, expo, farm, construction="raw", booth_type="island", area="9")
    with kernel.db.session() as db:
        db.add(Application(org_id=expo["hq"].id, owner_id=expo["seller1"].id, edition_id=expo["edition"],
                           company="北京绿源农业科技有限公司", contact_name="赵六", mobile="13812345678",
                           area_wanted=Decimal("54"), construction="raw", channel="staff", customer_id=farm))
    assert full
    client.login("expomanager")
    page = client.get(f"/crm/customers/{farm}")
    assert page.status_code == 200 and "exhibitions-customer-panel" in page.text
    panel = page.text.split('id="exhibitions-customer-panel"')[1]
    for shown in ("第二十五届中国国际农业博览会", "A101", "A102", "第24届", "Z24", f"HT-{farm}-43200", "HT-SELLER2",
                  "部分回款", "光地", "四开口（岛型）展位"):
        assert shown in panel, shown
    assert f'data-points="{expo["edition"]}">28<' in panel  # 10 + 4 + 9 + 5
    assert '/exhibitions/booths/' in panel and '/sales/contracts/' in panel and "/exhibitions/applications/" in panel
    # the seller reads the customer but only their own contracts
    client.login("seller1")
    mine = client.get(f"/crm/customers/{farm}").text.split('id="exhibitions-customer-panel"')[1]
    assert f"HT-{farm}-43200" in mine and "HT-SELLER2" not in mine and "A102" in mine
    # a customer with no exhibitions history has no such tab
    plain = new_customer(expo["seller1"], "丁贸易公司")
    assert "exhibitions-customer-panel" not in client.get(f"/crm/customers/{plain}").text


def test_the_panel_reads_a_fixed_number_of_statements_whatever_the_rows(
        kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> None:
    from plugins.exhibitions.services import exhibitor

    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    p = plan()

    def statements() -> int:
        seen: list[str] = []

        def count(*_args: Any) -> None:
            seen.append("x")

        with kernel.db.session(write=False) as db:
            actor = actor_of(kernel, db, expo["manager"])
            event.listen(kernel.db.engine, "before_cursor_execute", count)
            try:
                exhibitor.history(db, actor, farm)
            finally:
                event.remove(kernel.db.engine, "before_cursor_execute", count)
        return len(seen)

    booth(p, "A1", status="sold", customer_id=farm)
    _wait(kernel, expo, farm)
    one = statements()
    for i in range(2, 8):
        booth(p, f"A{i}", x=3 * i, status="sold", customer_id=farm)
        _wait(kernel, expo, farm, construction="raw", area=str(9 * i))
        sold(kernel, expo, earlier_edition(kernel, expo, 10 + i), farm, f"Z{i}", 9)
    assert statements() == one


# ------------------------------------------------------------------ a freed booth goes to the waitlist


def test_a_vacated_booth_is_offered_to_the_first_waiting_exhibitor_at_once(
        client: Any, kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> None:
    leaving = new_customer(expo["seller1"], "甲农业公司")
    small = new_customer(expo["seller2"], "乙农业公司")
    first = new_customer(expo["seller2"], "丙农业公司")
    p = plan()
    b = booth(p, "A101", width=6, depth=3, construction="shell", booth_type="inline", status="reserved",
              customer_id=leaving)
    too_big = _wait(kernel, expo, small, area="54", owner="seller2")   # wants far more than 18 m²
    own = _wait(kernel, expo, leaving, area="18")                     # who leaves is not offered it back
    entry = _wait(kernel, expo, first, area="12", owner="seller2")
    client.login("seller1")
    with kernel.db.session(write=False) as db:
        version = db.get(Booth, b).version  # type: ignore[union-attr]
    done = client.submit(f"/exhibitions/booths/{b}/status", {"action": "vacate", "version": str(version)},
                         follow_redirects=False)
    assert done.status_code == 303, done.text
    assert _booth(kernel, b) == ("held", first)
    assert _entry(kernel, entry) == ("offered", b)
    assert _entry(kernel, too_big) == ("waiting", None) and _entry(kernel, own) == ("waiting", None)
    with kernel.db.session(write=False) as db:
        row = db.get(Booth, b)
        assert row is not None and row.owner_id == expo["seller2"].id and row.held_until is not None
        told = db.scalars(select(InboxItem.link).where(
            InboxItem.user_id == expo["seller2"].id,
            InboxItem.subject == "Booth {number} is held for a waiting exhibitor")).all()
        assert told == [f"/exhibitions/waitlist/{entry}"], told
    # idempotent: the hook again changes nothing (the booth is held now)
    with kernel.db.session() as db:
        row = db.get(Booth, b)
        booth_services.freed(db, [(row, None)])  # type: ignore[list-item]
    assert _booth(kernel, b) == ("held", first) and _entry(kernel, too_big) == ("waiting", None)


def test_a_lapsed_hold_and_a_terminated_contract_free_booths_for_the_waitlist(
        kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> None:
    prospect = new_customer(expo["seller1"], "甲农业公司")
    waiting = new_customer(expo["seller2"], "乙农业公司")
    p = plan()
    lapsed = booth(p, "A1", status="held", customer_id=prospect, held_until=utcnow() - timedelta(hours=1),
                   owner_id=expo["seller1"].id)
    entry = _wait(kernel, expo, waiting, owner="seller2")
    with kernel.db.session() as db:
        assert booth_services.release_lapsed(db) == [lapsed]
    assert _booth(kernel, lapsed) == ("held", waiting) and _entry(kernel, entry) == ("offered", lapsed)
    # a booth contract terminated: its booth comes free and goes to the next one waiting
    from apply_support import contract

    second = _wait(kernel, expo, prospect, construction="raw", area="36", owner="seller1")
    contract_id = contract(kernel, expo, waiting, "43200")
    island = booth(p, "E1", x=30, width=6, depth=6, construction="raw", booth_type="island", status="sold",
                   customer_id=waiting, contract_id=contract_id)
    with kernel.db.session() as db:
        from core import transition
        from plugins.sales.models import Contract
        from plugins.sales.services.documents import registry_of

        row = db.get(Contract, contract_id)
        assert row is not None
        transition(db, registry_of(db), actor_of(kernel, db, expo["manager"]), row, "terminate")
    assert _booth(kernel, island) == ("held", prospect) and _entry(kernel, second) == ("offered", island)


def test_a_failed_release_offers_nothing(kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any,
                                         new_customer: Any) -> None:
    """The offer is in the release's transaction: when the release fails, so does the offer."""
    leaving = new_customer(expo["seller1"], "甲农业公司")
    waiting = new_customer(expo["seller2"], "乙农业公司")
    p = plan()
    b = booth(p, "A1", status="reserved", customer_id=leaving)
    entry = _wait(kernel, expo, waiting)
    try:
        with kernel.db.session() as db:
            booth_services.change(db, actor_of(kernel, db, expo["seller1"]), b, "vacate")
            assert db.get(WaitlistEntry, entry).state == "offered"  # type: ignore[union-attr]
            raise RuntimeError("the request fails after the release")
    except RuntimeError:
        pass
    assert _booth(kernel, b) == ("reserved", leaving) and _entry(kernel, entry) == ("waiting", None)


# ------------------------------------------------------------------ the booths dataset


def test_the_booths_dataset_counts_only_exhibitors_the_reader_may_read(
        kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> None:
    mine = new_customer(expo["seller1"], "甲农业公司", industry="agriculture")
    theirs = new_customer(expo["seller2"], "乙农业公司", industry="agriculture")
    p = plan()
    booth(p, "A1", status="sold", customer_id=mine)
    booth(p, "A2", x=3, status="sold", customer_id=mine)
    booth(p, "A3", x=6, status="reserved", customer_id=theirs)

    def report(user: Any) -> tuple[dict[Any, tuple[Any, ...]], tuple[Any, ...], int]:
        with kernel.db.session(write=False) as db:
            actor = actor_of(kernel, db, user)
            result = aggregate(db, actor, kernel.registry, ReportQuery(
                "exhibitions.booths", rows=("status",), measures=("booths", "exhibitors"),
                filters={"edition_id": expo["edition"]}))
            page = sum(n for _k, n in report_services.exhibitors_by(db, actor, expo["edition"],
                                                                    _industry()))
            return {r.keys: tuple(r.values) for r in result.rows}, result.totals, page

    rows, totals, page = report(expo["manager"])
    assert rows == {("sold",): (2, 1), ("reserved",): (1, 1)} and totals == (3, 2) and page == 2
    # the seller sees every booth but reads only their own customer
    rows, totals, page = report(expo["seller1"])
    assert rows == {("sold",): (2, 1), ("reserved",): (1, 0)} and totals == (3, 1) and page == 1


def _industry() -> Any:
    from plugins.crm.models import Customer

    return Customer.industry

"""The services pages as the desk sees them: the catalogue, an order made
through its form (a bad line named, nothing saved), confirmed on its page
into a sales order; a fully booked day shown on the page; another
organisation's order answers 404."""

from __future__ import annotations

from datetime import date

from services_support import on
from sqlalchemy import func, select

from plugins.exhibitions.models import ServiceOrder


def test_the_desk_orders_and_confirms_through_the_pages(kernel, client, expo, catalogue, desk, new_customer):
    farm = new_customer(desk, "山东寿光蔬菜产业集团")
    with on(date(2027, 10, 8)):  # signed in on that day too (a session idles out in a year)
        client.login("desk")
        listed = client.get(f"/exhibitions/services?edition_id={expo['edition']}")
        assert listed.status_code == 200 and "会议室 A" in listed.text and "特装管理费" in listed.text

        form = client.get(f"/exhibitions/service-orders/new?edition_id={expo['edition']}&customer_id={farm}")
        assert form.status_code == 200
        assert "电源 380V/16A · 标准价 ¥800.00" in form.text  # the tier of today, in the line's choice
        bad = client.submit("/exhibitions/service-orders", {
            "edition_id": str(expo["edition"]), "customer_id": str(farm),
            "line_1_service_id": str(catalogue["room"]), "line_1_quantity": "1", "line_1_starts_on": "",
            "line_2_service_id": "", "line_2_quantity": ""})
        assert bad.status_code == 422 and "请填写使用日期。" in bad.text
        with kernel.db.session(write=False) as db:
            assert db.scalar(select(func.count()).select_from(ServiceOrder)) == 0

        made = client.submit("/exhibitions/service-orders", {
            "edition_id": str(expo["edition"]), "customer_id": str(farm), "note": "展前预订",
            "line_1_service_id": str(catalogue["room"]), "line_1_quantity": "1",
            "line_1_starts_on": "2027-11-20", "line_1_ends_on": "2027-11-20", "line_1_note": "新品发布会",
            "line_2_service_id": str(catalogue["power"]), "line_2_quantity": "2",
            "line_3_service_id": "", "line_3_quantity": ""}, follow_redirects=False)
        assert made.status_code == 303
        page = client.get(made.headers["location"])
        assert page.status_code == 200 and "新品发布会" in page.text and "¥5,100.00" in page.text
        order_id = int(made.headers["location"].rstrip("/").split("/")[-1])

        confirmed = client.submit(f"/exhibitions/service-orders/{order_id}/confirm", {}, follow_redirects=True)
        assert confirmed.status_code == 200
        assert 'id="exh-order-contract"' in confirmed.text and "已预订：1 个单位·天" in confirmed.text
        assert f"/exhibitions/service-orders/{order_id}/edit" in page.text  # a draft offers Edit; confirmed, not
        assert f"/exhibitions/service-orders/{order_id}/edit" not in confirmed.text
        with kernel.db.session(write=False) as db:
            assert db.get(ServiceOrder, order_id).state == "confirmed"  # type: ignore[union-attr]

        # the room's two units of that day: one more order takes the second, a third is refused on the page
        for n in (2, 3):
            other = client.submit("/exhibitions/service-orders", {
                "edition_id": str(expo["edition"]), "customer_id": str(farm),
                "line_1_service_id": str(catalogue["room"]), "line_1_quantity": "1",
                "line_1_starts_on": "2027-11-20"}, follow_redirects=False)
            later = int(other.headers["location"].rstrip("/").split("/")[-1])
            shown = client.submit(f"/exhibitions/service-orders/{later}/confirm", {}, follow_redirects=True)
            if n == 3:
                assert "会议室 A在 2027-11-20 已订满。" in shown.text
                with kernel.db.session(write=False) as db:
                    assert db.get(ServiceOrder, later).state == "draft"  # type: ignore[union-attr]

        # the exhibitor's 360 view lists the orders, newest first
        panel = client.get(f"/crm/customers/{farm}").text.split('id="exhibitions-customer-service-orders"')[1]
        with kernel.db.session(write=False) as db:
            numbers = db.scalars(select(ServiceOrder.number).order_by(ServiceOrder.id.desc())).all()
        assert [panel.index(n) for n in numbers] == sorted(panel.index(n) for n in numbers)
        assert "已确认" in panel and "¥5,100.00" in panel


def test_another_organisation_gets_404(kernel, client, expo, catalogue, desk, new_customer):
    farm = new_customer(desk, "某农业公司")
    with on(date(2027, 10, 8)), kernel.db.session() as db:
        from exhibitions_support import actor_of

        from plugins.exhibitions.services import service_orders

        order = service_orders.create_order(db, actor_of(kernel, db, desk), {
            "edition_id": expo["edition"], "customer_id": farm,
            "lines": [{"service_id": catalogue["power"], "quantity": "1"}]})
        db.flush()
        order_id = order.id
    client.login("outsider")
    for path in (f"/exhibitions/service-orders/{order_id}", f"/exhibitions/service-orders/{order_id}/edit",
                 f"/exhibitions/services/{catalogue['power']}"):
        assert client.get(path).status_code == 404, path
    assert client.submit(f"/exhibitions/service-orders/{order_id}/confirm", {}).status_code == 404


def test_the_order_form_lists_the_editions_exhibitors_and_searches_the_rest(kernel, client, expo, desk, catalogue,
                                                                            plan, booth, new_customer):
    for n in range(60):
        new_customer(expo["seller1"], f"测试客户{n:03d}")
    exhibitor = new_customer(expo["seller1"], "展商甲农业")
    booth(plan(), "A1", customer_id=exhibitor, status="sold")
    client.login("desk")
    form = client.get(f"/exhibitions/service-orders/new?edition_id={expo['edition']}")
    options = form.text.split('name="customer_id"')[1].split("</select>")[0]
    assert options.count("<option") <= 51 and "展商甲农业" in options  # the exhibitor first, not the 61st
    found = client.get("/exhibitions/service-orders/customers",
                       params={"q": "客户05", "edition_id": expo["edition"]}).json()
    assert [row["text"] for row in found] == [f"测试客户{n:03d}" for n in range(50, 60)]
    first = client.get("/exhibitions/service-orders/customers", params={"edition_id": expo["edition"]}).json()
    assert first[0]["text"] == "展商甲农业"
    client.login("outsider")
    assert client.get("/exhibitions/service-orders/customers", params={"q": "客户"}).json() == []

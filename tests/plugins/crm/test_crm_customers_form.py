"""The customer form: the region picker and its validation, the credit
code's check character, phones normalised, tags made on the fly, the
parent company, the duplicate prompt; search and import of customers."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from sqlalchemy import select

from core.app import Kernel
from core.jobs import Worker
from plugins.crm.models import Customer, CustomerTag, Pool, Tag
from plugins.crm.regions import check, chosen
from plugins.dataio.normalise import uscc_check_char
from tests.plugins.crm.conftest import actor_of

VALID_USCC = "91110108" + "MA01XY812"
VALID_USCC += uscc_check_char(VALID_USCC)


def create(client: Any, **values: str) -> Any:
    return client.submit("/crm/customers", {"kind": "company", "level": "normal", **values},
                         follow_redirects=False)


def test_the_region_picker_offers_the_cities_of_the_chosen_province(client: Any, sales: dict[str, Any]) -> None:
    client.login("rep1")
    # when a province is chosen, the picker comes back with its cities; a city brings its districts
    picker = client.get("/crm/regions?province=广东省").text
    assert "深圳市" in picker and "杭州市" not in picker and 'value="广东省" selected' in picker
    picker = client.get("/crm/regions?province=广东省&city=深圳市").text
    assert "南山区" in picker and 'value="深圳市" selected' in picker
    # a municipality is its own city, with all its districts
    assert chosen("北京市", "北京市", "朝阳区")["district"] == "朝阳区"
    assert "市辖区" not in chosen("重庆市", "", "")["cities"]
    # a city of another province is dropped with its district
    assert chosen("广东省", "杭州市", "西湖区")["city"] == ""


def test_a_region_that_does_not_hang_together_is_refused_naming_the_field(client: Any, kernel: Kernel,
                                                                          sales: dict[str, Any]) -> None:
    client.login("rep1")
    # a city that is not in the province
    response = create(client, name="错城市有限公司", province="浙江省", city="南京市")
    assert response.status_code == 422
    assert re.search(r'id="f-city-err">[^<]+', response.text)
    # a district that is not in the city
    response = create(client, name="错区县有限公司", province="浙江省", city="杭州市", district="南山区")
    assert response.status_code == 422 and 'id="f-district-err"' in response.text
    # an unknown province
    assert create(client, name="错省份有限公司", province="火星省").status_code == 422
    # an empty region and a whole right one are fine
    assert create(client, name="无地区有限公司").status_code == 303
    assert create(client, name="杭州西湖有限公司", province="浙江省", city="杭州市", district="西湖区").status_code == 303
    with kernel.db.session(write=False) as db:
        assert not db.scalar(select(Customer.id).where(Customer.name.like("错%")))


def test_the_credit_code_is_checked_and_phones_normalised(client: Any, kernel: Kernel,
                                                        sales: dict[str, Any]) -> None:
    client.login("rep1")
    wrong = VALID_USCC[:17] + ("0" if VALID_USCC[17] != "0" else "1")
    # a credit code with a wrong check character is a field error
    response = create(client, name="信用代码有限公司", uscc=wrong)
    assert response.status_code == 422 and 'id="f-uscc-err"' in response.text
    # a right one (typed in lower case with spaces) is kept upper case; the phone loses +86 and spaces
    response = create(client, name="信用代码有限公司", uscc=" " + VALID_USCC.lower() + " ", phone="+86 10 6512 3456")
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        customer = db.scalar(select(Customer).where(Customer.name == "信用代码有限公司"))
        assert customer is not None and (customer.uscc, customer.phone) == (VALID_USCC, "010-65123456")
    # and a phone that is no phone is refused
    assert create(client, name="坏电话有限公司", phone="abc").status_code == 422
    check("", "", "")  # an empty region needs nothing


def test_tags_are_made_on_the_fly_and_the_parent_company_must_be_readable(client: Any, kernel: Kernel,
                                                                          new_customer: Any,
                                                                          sales: dict[str, Any]) -> None:
    group = new_customer(sales["rep1"], "海尔集团有限公司")
    stranger = new_customer(sales["rep3"], "别人的集团有限公司")
    client.login("rep1")
    # a parent company the salesperson may not read is refused
    response = create(client, name="海尔智家有限公司", parent_id=str(stranger))
    assert response.status_code == 422 and "f-parent_id" in response.text
    # their own is fine, and typed tags are created
    response = create(client, name="海尔智家有限公司", parent_id=str(group), tags="家电, 重点跟进、家电")
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        child = db.scalar(select(Customer).where(Customer.name == "海尔智家有限公司"))
        assert child is not None and child.parent_id == group
        names = set(db.scalars(select(Tag.name).join(CustomerTag, CustomerTag.tag_id == Tag.id)
                               .where(CustomerTag.customer_id == child.id)))
        assert names == {"家电", "重点跟进"}
        child_id = child.id
    # editing shows the tags and keeps them unless changed; making the group its subsidiary's child is refused
    form = client.get(f"/crm/customers/{child_id}/edit").text
    assert 'value="家电, 重点跟进"' in form
    with kernel.db.session(write=False) as db:
        version = db.scalar(select(Customer.version).where(Customer.id == group))
    response = client.submit(f"/crm/customers/{group}", {"kind": "company", "name": "海尔集团有限公司",
                                                         "level": "normal", "parent_id": str(child_id),
                                                         "version": str(version)}, follow_redirects=False)
    assert response.status_code == 422


def test_the_duplicate_prompt_tells_only_that_it_exists_and_who_owns_it(client: Any, kernel: Kernel,
                                                                        new_customer: Any,
                                                                        sales: dict[str, Any]) -> None:
    # given a customer of 李销售 (rep2) with a phone and a credit code, and one of rep1's own
    new_customer(sales["rep2"], "北京百度网讯科技有限公司", phone="010-59928888", uscc=VALID_USCC,
                 address="北京市海淀区上地十街10号")
    own = new_customer(sales["rep1"], "上海百度贸易有限公司")
    client.login("rep1")
    # when rep1 types the same company (another legal form) into the new-customer form
    answer = client.get("/crm/customers/duplicates", params={"name": "北京百度网讯科技（有限公司）"}).text
    # then they learn it exists and who owns it, and nothing else: no link, no address, no code
    assert "已存在" in answer or "Exists" in answer
    assert "李销售" in answer
    assert "/crm/customers/" not in answer and "上地" not in answer and VALID_USCC not in answer
    # a phone typed in another format finds it too, still without details
    answer = client.get("/crm/customers/duplicates", params={"phone": "+86 10 5992 8888"}).text
    assert "李销售" in answer and "5992 8888" in answer and "北京百度" not in answer
    # their own customer is linked, with its name
    answer = client.get("/crm/customers/duplicates", params={"name": "上海百度贸易有限公司"}).text
    assert f'href="/crm/customers/{own}"' in answer and "上海百度贸易有限公司" in answer
    # and the new form asks as the user types (debounced), in place of dataio's plain prompt
    form = client.get("/crm/customers/new").text
    assert "/crm/customers/duplicates" in form and "delay:400ms" in form and "dataio-duplicates" not in form


def test_a_duplicate_in_the_public_pool_says_so(client: Any, kernel: Kernel, new_customer: Any,
                                                sales: dict[str, Any]) -> None:
    customer = new_customer(sales["rep2"], "苏州工业园区物流有限公司")
    with kernel.db.session() as db:
        pool = Pool(org_id=sales["hq"].id, name="华东公海", is_default=True)
        db.add(pool)
        db.flush()
        from plugins.crm.services.ownership import move
        move(db, None, sales["hq"].id, [(customer, sales["rep2"].id)], action="recall", to_user_id=None,
             pool_id=pool.id)
    client.login("rep1")
    answer = client.get("/crm/customers/duplicates", params={"name": "苏州工业园区物流有限公司"}).text
    assert "华东公海" in answer and "/crm/customers/" not in answer


def test_search_finds_a_customer_by_a_phone_in_any_format(kernel: Kernel, new_customer: Any,
                                                          sales: dict[str, Any]) -> None:
    from plugins.search.query import search

    new_customer(sales["rep1"], "武汉光谷生物科技有限公司", phone="027-87654321")
    with kernel.db.session(write=False) as db:
        actor = actor_of(kernel, db, sales["rep1"])
        for typed in ("+86 27 8765 4321", "027 8765 4321", "02787654321"):
            hits = {g.model: [h.title for h in g.hits] for g in search(db, kernel.registry, actor, typed)}
            assert hits.get("crm.customer") == ["武汉光谷生物科技有限公司"], typed
        # and a colleague does not find it
        other = actor_of(kernel, db, sales["rep3"])
        assert not [g for g in search(db, kernel.registry, other, "02787654321") if g.model == "crm.customer"]


def test_customers_imported_through_dataio_belong_to_the_importer_with_their_letters(
        client: Any, kernel: Kernel, sales: dict[str, Any]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerows([["名称", "级别", "标签", "省份", "城市"], ["北京京东世纪贸易有限公司", "重点客户", "电商", "北京市", "北京市"],
                      ["重庆长安汽车股份有限公司", "普通客户", "", "重庆市", "重庆市"]])
    client.login("manager")
    response = client.submit("/dataio/crm.customer/import", {"mode": "insert", "match_key": ""},
                             files={"file": ("customers.csv", buf.getvalue().encode(), "text/csv")},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    batch_id = int(response.headers["location"].rsplit("/", 1)[1])
    response = client.submit(f"/dataio/batches/{batch_id}/check", {
        "map_name": "名称", "map_level": "级别", "map_tags": "标签", "map_province": "省份", "map_city": "城市"})
    assert response.status_code == 200, response.text
    from plugins.dataio.models import Batch
    with kernel.db.session(write=False) as db:
        report = db.get(Batch, batch_id).report  # type: ignore[union-attr]
        assert not report.get("errors"), report["errors"]
    response = client.submit(f"/dataio/batches/{batch_id}/commit", follow_redirects=False)
    assert response.status_code == 303, response.text
    Worker(kernel, "test").run_pending()
    with kernel.db.session(write=False) as db:
        rows = {c.name: c for c in db.scalars(select(Customer))}
        jd, changan = rows["北京京东世纪贸易有限公司"], rows["重庆长安汽车股份有限公司"]
        assert (jd.owner_id, jd.initial, jd.level) == (sales["manager"].id, "B", "key")
        assert (changan.owner_id, changan.initial) == (sales["manager"].id, "C")
        assert db.scalar(select(Tag.name).join(CustomerTag, CustomerTag.tag_id == Tag.id)
                         .where(CustomerTag.customer_id == jd.id)) == "电商"

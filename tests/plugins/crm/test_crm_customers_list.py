"""The customer list: the letter index, the filters a column cannot say
(tag, mine, source, province), tags as chips, and batch work on the
selected rows: one transaction, permission checked on every record."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from core.app import Kernel
from plugins.crm.models import Customer, CustomerTag, Tag


def names_on(page: str) -> set[str]:
    """The customer names linked from the list's rows."""
    return set(re.findall(r'<a href="/crm/customers/\d+">([^<]+)</a>', page))


def test_the_letter_index_filters_by_pinyin_initial(client: Any, new_customer: Any, sales: dict[str, Any]) -> None:
    # given customers whose names start with 北, 百, 重 (chóng) and a Latin letter
    for name in ("北京百度网讯科技有限公司", "百威啤酒（中国）有限公司", "重庆钢铁股份有限公司", "Acme 中国"):
        new_customer(sales["rep1"], name)
    client.login("rep1")
    # when the salesperson clicks B on the letter bar
    page = client.get("/crm/customers?letter=B").text
    # then 北京 and 百威 are listed and 重庆 is not; C lists 重庆 (not Z)
    assert names_on(page) == {"北京百度网讯科技有限公司", "百威啤酒（中国）有限公司"}
    assert names_on(client.get("/crm/customers?letter=C").text) == {"重庆钢铁股份有限公司"}
    assert names_on(client.get("/crm/customers?letter=Z").text) == set()
    assert names_on(client.get("/crm/customers?letter=A").text) == {"Acme 中国"}
    # and the bar shows every letter and #, with B chosen
    assert 'value="B" checked' in page and 'data-letter="#"' in page


def test_filters_by_tag_source_province_and_mine(client: Any, kernel: Kernel, new_customer: Any,
                                                 sales: dict[str, Any]) -> None:
    # given the manager's own customer, tagged, and one of a salesperson of the department
    client.login("manager")
    response = client.submit("/crm/customers", {"kind": "company", "name": "杭州西湖科技有限公司", "level": "key",
                                                "source": "exhibition", "province": "浙江省", "city": "杭州市",
                                                "district": "西湖区", "tags": "重点跟进，展会获客"},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    new_customer(sales["rep1"], "南京紫金山贸易有限公司", source="web", province="江苏省", city="南京市")
    with kernel.db.session(write=False) as db:
        tag_id = db.scalar(select(Tag.id).where(Tag.name == "重点跟进"))
    # then each filter narrows the list in SQL
    assert names_on(client.get(f"/crm/customers?tag={tag_id}").text) == {"杭州西湖科技有限公司"}
    assert names_on(client.get("/crm/customers?source=web").text) == {"南京紫金山贸易有限公司"}
    assert names_on(client.get("/crm/customers?province=浙江省&city=杭州市").text) == {"杭州西湖科技有限公司"}
    assert names_on(client.get("/crm/customers?mine=1").text) == {"杭州西湖科技有限公司"}
    page = client.get("/crm/customers").text
    assert names_on(page) == {"杭州西湖科技有限公司", "南京紫金山贸易有限公司"}
    # and tags show as coloured chips; a manager gets the owner filter, a salesperson does not
    assert re.search(r'<span class="badge bg-\w+-lt me-1">重点跟进</span>', page)
    assert 'name="owner_id"' in page and 'name="mine"' in page
    client.cookies.clear()
    client.login("rep1")
    assert 'name="owner_id"' not in client.get("/crm/customers").text


def test_the_list_rows_can_be_selected_for_batch_work(client: Any, new_customer: Any,
                                                      sales: dict[str, Any]) -> None:
    customer = new_customer(sales["manager"], "天津港物流有限公司")
    client.login("manager")
    page = client.get("/crm/customers").text
    # the kit's selectable list: a checkbox per row tied to the selection form, and the batch menu
    assert f'name="ids[]" value="{customer}"' in page and 'form="kit-customer-selection"' in page
    assert 'id="kit-customer-selection"' in page and "crm-batch-menu" in page
    # the htmx refresh of the table keeps the checkboxes
    table = client.get("/crm/customers?letter=T", headers={"HX-Request": "true"}).text
    assert f'name="ids[]" value="{customer}"' in table


def test_batch_tag_field_change_and_delete_in_one_go(client: Any, kernel: Kernel, new_customer: Any,
                                                     sales: dict[str, Any]) -> None:
    # given two customers of the manager's department
    ids = [new_customer(sales["rep1"], "上海浦东发展有限公司"), new_customer(sales["rep2"], "上海静安置业有限公司")]
    client.login("manager")
    # when the manager selects both and asks to tag them, the confirmation says how many
    page = client.submit("/crm/customers/batch/confirm", {"action": "tag", "ids[]": [str(i) for i in ids]}).text
    assert "2" in re.search(r'id="crm-batch-summary">(.*?)</p>', page, re.S).group(1)  # type: ignore[union-attr]
    # and confirms with a new tag
    response = client.submit("/crm/customers/batch", {"action": "tag", "ids[]": [str(i) for i in ids],
                                                      "new_tag": "华东重点"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    # then both carry it; a field change sets both; a delete sends both to the recycle bin
    response = client.submit("/crm/customers/batch", {"action": "set_field", "field": "level", "value": "vip",
                                                      "ids[]": [str(i) for i in ids]}, follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        tagged = db.scalar(select(func.count()).select_from(CustomerTag).join(Tag, Tag.id == CustomerTag.tag_id)
                           .where(Tag.name == "华东重点", CustomerTag.customer_id.in_(ids)))
        assert tagged == 2
        assert set(db.scalars(select(Customer.level).where(Customer.id.in_(ids)))) == {"vip"}
    response = client.submit("/crm/customers/batch", {"action": "delete", "ids[]": [str(i) for i in ids]},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        assert all(db.scalars(select(Customer.deleted_at).where(Customer.id.in_(ids))))


def test_a_batch_with_one_customer_out_of_scope_is_refused_entirely(client: Any, kernel: Kernel,
                                                                    new_customer: Any,
                                                                    sales: dict[str, Any]) -> None:
    # given a customer of the manager's department and one of 销售二部
    mine = new_customer(sales["rep1"], "北京朝阳文化传媒有限公司", level="normal")
    other = new_customer(sales["rep3"], "广州天河会展服务有限公司", level="normal")
    client.login("manager")
    # when the manager changes the level, tags or deletes both at once
    for data in ({"action": "set_field", "field": "level", "value": "vip"}, {"action": "tag", "new_tag": "新标签"},
                 {"action": "delete"}):
        response = client.submit("/crm/customers/batch", {**data, "ids[]": [str(mine), str(other)]},
                                 follow_redirects=False)
        # then the whole batch is refused, as if the other customer did not exist
        assert response.status_code == 404, response.text
    # and nothing was written, not even for the customer in scope
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Customer.level).where(Customer.id == mine)) == "normal"
        assert db.scalar(select(Customer.deleted_at).where(Customer.id == mine)) is None
        assert db.scalar(select(func.count()).select_from(Tag).where(Tag.name == "新标签")) == 0


def test_a_salesperson_may_not_batch_delete_nor_change_a_read_only_field(client: Any, new_customer: Any,
                                                                         sales: dict[str, Any]) -> None:
    mine = new_customer(sales["rep1"], "深圳南山软件有限公司")
    client.login("rep1")
    # a salesperson has no crm.customer.delete
    response = client.submit("/crm/customers/batch", {"action": "delete", "ids[]": [str(mine)]},
                             follow_redirects=False)
    assert response.status_code == 403
    # a field that no batch may change is refused with the field named
    response = client.submit("/crm/customers/batch", {"action": "set_field", "field": "owner_id", "value": "1",
                                                      "ids[]": [str(mine)]}, follow_redirects=False)
    assert response.status_code == 422 and "crm-batch-form" in response.text


def test_batch_export_gives_the_selected_customers_only(client: Any, new_customer: Any,
                                                        sales: dict[str, Any]) -> None:
    chosen = new_customer(sales["rep1"], "成都高新科技有限公司")
    new_customer(sales["rep2"], "成都锦江贸易有限公司")
    client.login("manager")
    response = client.submit("/crm/customers/batch", {"action": "export", "ids[]": [str(chosen)]})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "成都高新科技有限公司" in text and "成都锦江贸易有限公司" not in text

"""Price lists: the form (currency, the CRM's customer levels, validity
dates), the items editor (prices no finer than the list's currency, one
price per product and quantity, errors naming the row) and the price check."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from core.app import Kernel
from plugins.catalog.models import PriceList, PriceListItem


def new_list(client: Any, **values: str) -> Any:
    return client.submit("/catalog/price-lists", {"name": "VIP 客户价", "currency_code": "CNY",
                                                  "customer_level": "vip", "priority": "20", "active": "1",
                                                  **values}, follow_redirects=False)


def items(client: Any, list_id: int, rows: list[tuple[str, str, str]]) -> Any:
    return client.submit(f"/catalog/price-lists/{list_id}/items", {
        "product_id[]": [r[0] for r in rows], "min_quantity[]": [r[1] for r in rows],
        "price[]": [r[2] for r in rows]}, follow_redirects=False)


@pytest.fixture
def catalog(people: dict[str, Any], new_product: Callable[..., int]) -> dict[str, int]:
    return {"server": new_product(people["pm"], "SRV-01", "服务器", "48000.00"),
            "switch": new_product(people["pm"], "SW-24", "交换机", "3600.00")}


def test_a_price_list_for_a_crm_level_with_validity_dates(client: Any, kernel: Kernel, people: dict[str, Any],
                                                          money: dict[str, int]) -> None:
    client.login("pm")
    form = client.get("/catalog/price-lists/new").text
    # the level is chosen from the CRM's levels
    assert '<select class="form-select" id="f-customer_level"' in form and 'value="vip"' in form
    response = new_list(client, valid_from="2026-01-01", valid_to="2026-12-31")
    assert response.status_code == 303, response.text
    # a level the CRM does not know is refused, as is a list that ends before it starts
    refused = new_list(client, customer_level="platinum")
    assert refused.status_code == 422 and 'id="f-customer_level-err"' in refused.text
    refused = new_list(client, valid_from="2026-12-31", valid_to="2026-01-01")
    assert refused.status_code == 422 and 'id="f-valid_to-err"' in refused.text
    with kernel.db.session(write=False) as db:
        made = db.scalars(select(PriceList)).all()
        assert [(p.name, p.customer_level, p.priority, p.org_id) for p in made] == [
            ("VIP 客户价", "vip", 20, people["hq"].id)]


def test_the_items_editor_saves_prices_and_quantity_breaks(client: Any, kernel: Kernel, people: dict[str, Any],
                                                           money: dict[str, int], catalog: dict[str, int]) -> None:
    client.login("pm")
    list_id = int(new_list(client).headers["location"].rsplit("/", 1)[1])
    server, switch = str(catalog["server"]), str(catalog["switch"])
    response = items(client, list_id, [(server, "1", "45600.00"), (server, "10", "44000"), (switch, "1", "3420"),
                                       ("", "1", "")])
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        saved = {(i.product_id, i.min_quantity): i.price for i in db.scalars(select(PriceListItem))}
    assert saved == {(catalog["server"], Decimal("1")): Decimal("45600.00"),
                     (catalog["server"], Decimal("10")): Decimal("44000.00"),
                     (catalog["switch"], Decimal("1")): Decimal("3420.00")}
    page = client.get(f"/catalog/price-lists/{list_id}").text
    assert "¥45,600.00" in page and "¥44,000.00" in page
    # the editor shows what the list holds, and saving fewer rows drops the others
    assert client.get(f"/catalog/price-lists/{list_id}/items").text.count('selected>SRV-01') == 2
    items(client, list_id, [(switch, "1", "3400")])
    with kernel.db.session(write=False) as db:
        assert [(i.product_id, i.price) for i in db.scalars(select(PriceListItem))] == [
            (catalog["switch"], Decimal("3400.00"))]


def test_bad_rows_are_refused_naming_the_row_and_nothing_is_written(client: Any, kernel: Kernel,
                                                                    people: dict[str, Any], money: dict[str, int],
                                                                    catalog: dict[str, int]) -> None:
    client.login("pm")
    list_id = int(new_list(client, currency_code="JPY", customer_level="").headers["location"].rsplit("/", 1)[1])
    server, switch = str(catalog["server"]), str(catalog["switch"])
    response = items(client, list_id, [(server, "1", "960000"), (server, "1", "950000"), (switch, "1", "72000.5"),
                                       (switch, "0", "70000"), ("999999", "1", "1")])
    assert response.status_code == 422
    for key in ("item_2_product_id", "item_3_price", "item_4_min_quantity", "item_5_product_id"):
        assert f'id="{key}-err"' in response.text, key
    assert 'id="item_1_product_id-err"' not in response.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(PriceListItem.id)) is None


def test_the_price_check_says_what_price_for_gives_and_from_which_list(client: Any, kernel: Kernel,
                                                                      people: dict[str, Any], money: dict[str, int],
                                                                      catalog: dict[str, int]) -> None:
    client.login("pm")
    list_id = int(new_list(client, valid_from="2026-01-01").headers["location"].rsplit("/", 1)[1])
    items(client, list_id, [(str(catalog["server"]), "1", "45600")])
    client.login("rep")
    answer = client.get("/catalog/price-check", params={"product_id": catalog["server"], "customer_level": "vip",
                                                        "currency": "CNY", "on": "2026-03-02", "quantity": "2"}).text
    result = answer[answer.index('id="catalog-price-check-result"'):]
    assert "¥45,600.00" in result and "VIP 客户价" in result
    # a normal customer pays the list price; in dollars it is converted
    answer = client.get("/catalog/price-check", params={"product_id": catalog["server"], "customer_level": "normal",
                                                        "currency": "USD", "on": "2026-03-02", "quantity": "1"}).text
    result = answer[answer.index('id="catalog-price-check-result"'):]
    assert "US$6,760.56" in result or "$6,760.56" in result
    assert "VIP 客户价" not in result
    # no rate for the euro: the error is shown, not a price
    answer = client.get("/catalog/price-check", params={"product_id": catalog["server"], "currency": "EUR",
                                                        "on": "2026-03-02"})
    assert answer.status_code == 200 and 'id="catalog-price-check-price"' not in answer.text
    assert "alert-danger" in answer.text


def test_a_price_list_of_another_organisation_is_read_but_not_changed(
        client: Any, new_client: Any, kernel: Kernel, people: dict[str, Any], money: dict[str, int],
        catalog: dict[str, int]) -> None:
    client.login("pm")
    list_id = int(new_list(client).headers["location"].rsplit("/", 1)[1])
    south = new_client()
    south.login("other_pm")
    assert south.get(f"/catalog/price-lists/{list_id}").status_code == 200  # one group, one catalog
    assert south.get(f"/catalog/price-lists/{list_id}/edit").status_code == 404
    assert items(south, list_id, [(str(catalog["server"]), "1", "1")]).status_code == 404
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(PriceListItem.id)) is None


def test_a_list_keeps_its_currency_while_its_prices_have_more_decimals_than_the_new_one(
        client: Any, kernel: Kernel, people: dict[str, Any], money: dict[str, int],
        catalog: dict[str, int]) -> None:
    client.login("pm")
    list_id = int(new_list(client, customer_level="").headers["location"].rsplit("/", 1)[1])
    items(client, list_id, [(str(catalog["server"]), "1", "45600.50")])
    values = {"name": "VIP 客户价", "currency_code": "JPY", "customer_level": "", "priority": "20", "active": "1",
              "version": "1"}
    refused = client.submit(f"/catalog/price-lists/{list_id}", values)
    assert refused.status_code == 422 and 'id="f-currency_code-err"' in refused.text
    # in whole yuan it may change
    items(client, list_id, [(str(catalog["server"]), "1", "45600")])
    assert client.submit(f"/catalog/price-lists/{list_id}", values, follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(PriceList.currency_code)) == "JPY"

"""How a price is chosen (plugins.catalog.services.pricing.price_for) and
how money is converted and rounded (plugins.catalog.services.money)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core import NotFound, ValidationError
from core.app import Kernel
from plugins.catalog.models import PriceList, PriceListItem
from plugins.catalog.services.money import base_currency, convert, places_of, rate_on, rounded
from plugins.catalog.services.pricing import price_for

ON = date(2026, 3, 2)


@pytest.fixture
def server(people: dict[str, Any], new_product: Callable[..., int]) -> int:
    """服务器 SRV-01 at 48,000.00 CNY, 13 %."""
    return new_product(people["pm"], "SRV-01", "服务器", "48000.00", spec="2U 双路")


def price_list(kernel: Kernel, org_id: int, name: str, prices: list[tuple[int, str, str]], *,
               currency: str = "CNY", level: str = "", priority: int = 10, valid_from: date | None = None,
               valid_to: date | None = None, active: bool = True) -> int:
    """A price list with ``(product_id, from_quantity, price)`` items; its id."""
    with kernel.db.session() as db:
        made = PriceList(org_id=org_id, name=name, currency_code=currency, customer_level=level, priority=priority,
                         valid_from=valid_from, valid_to=valid_to, active=active)
        db.add(made)
        db.flush()
        db.add_all([PriceListItem(price_list_id=made.id, product_id=p, min_quantity=Decimal(q), price=Decimal(v))
                    for p, q, v in prices])
        return made.id


def price(kernel: Kernel, product_id: int, **options: Any) -> Any:
    with kernel.db.session(write=False) as db:
        return price_for(db, product_id, **{"currency": "CNY", "on": ON, **options})


def test_without_a_list_the_price_is_the_products_list_price_with_what_the_line_copies(
        kernel: Kernel, server: int) -> None:
    found = price(kernel, server)
    assert (found.unit_price, found.list_price, found.price_list_id, found.converted) == (
        Decimal("48000.00"), Decimal("48000.00"), None, False)
    assert (found.tax_rate, found.unit, found.description) == (Decimal("13"), "台", "服务器 2U 双路")


def test_the_list_of_highest_priority_wins(kernel: Kernel, people: dict[str, Any], server: int) -> None:
    org = people["hq"].id
    price_list(kernel, org, "普通", [(server, "1", "46000.00")], priority=10)
    high = price_list(kernel, org, "促销", [(server, "1", "47000.00")], priority=30)
    found = price(kernel, server)
    # the higher priority wins even at a higher price
    assert (found.unit_price, found.price_list_id) == (Decimal("47000.00"), high)


def test_a_list_for_the_customers_level_wins_over_a_general_one_of_the_same_priority(
        kernel: Kernel, people: dict[str, Any], server: int) -> None:
    org = people["hq"].id
    general = price_list(kernel, org, "通用", [(server, "1", "45000.00")])
    vip = price_list(kernel, org, "VIP", [(server, "1", "45600.00")], level="vip")
    assert price(kernel, server, customer_level="vip").price_list_id == vip
    # a customer of another level gets the general list; the VIP list is not theirs
    assert price(kernel, server, customer_level="normal").price_list_id == general
    assert price(kernel, server).unit_price == Decimal("45000.00")


def test_a_list_applies_only_between_its_dates_and_while_active(kernel: Kernel, people: dict[str, Any],
                                                                server: int) -> None:
    org = people["hq"].id
    spring = price_list(kernel, org, "春季", [(server, "1", "44000.00")], valid_from=date(2026, 3, 1),
                        valid_to=date(2026, 5, 31))
    price_list(kernel, org, "停用", [(server, "1", "40000.00")], priority=99, active=False)
    assert price(kernel, server, on=date(2026, 3, 1)).price_list_id == spring  # the first day counts
    assert price(kernel, server, on=date(2026, 5, 31)).price_list_id == spring  # and the last
    assert price(kernel, server, on=date(2026, 2, 28)).price_list_id is None
    assert price(kernel, server, on=date(2026, 6, 1)).unit_price == Decimal("48000.00")


def test_quantity_breaks_give_the_price_of_the_largest_break_reached(kernel: Kernel, people: dict[str, Any],
                                                                     server: int) -> None:
    breaks = price_list(kernel, people["hq"].id, "阶梯", [(server, "1", "47000.00"), (server, "10", "45000.00"),
                                                          (server, "50", "43000.00")])
    assert price(kernel, server, quantity=Decimal("9")).unit_price == Decimal("47000.00")
    assert price(kernel, server, quantity=Decimal("10")).unit_price == Decimal("45000.00")
    found = price(kernel, server, quantity=Decimal("120"))
    assert (found.unit_price, found.price_list_id) == (Decimal("43000.00"), breaks)


def test_a_list_chosen_by_hand_is_the_only_one_looked_at(kernel: Kernel, people: dict[str, Any],
                                                         server: int) -> None:
    org = people["hq"].id
    price_list(kernel, org, "高优先", [(server, "1", "46000.00")], priority=50)
    chosen = price_list(kernel, org, "项目价", [(server, "1", "41000.00")], level="key", priority=1)
    found = price(kernel, server, price_list_id=chosen)
    assert (found.unit_price, found.price_list_id) == (Decimal("41000.00"), chosen)
    # a hand-chosen list without the product falls back to the list price, not to another list
    empty = price_list(kernel, org, "空表", [])
    assert price(kernel, server, price_list_id=empty).price_list_id is None


def test_without_a_list_in_the_currency_the_list_price_is_converted_at_the_rate_of_the_date(
        kernel: Kernel, people: dict[str, Any], server: int) -> None:
    price_list(kernel, people["hq"].id, "人民币价", [(server, "1", "45000.00")])
    found = price(kernel, server, currency="USD")
    # 48,000 / 7.10 = 6,760.5633... -> 6,760.56
    assert (found.unit_price, found.currency, found.converted, found.price_list_id) == (
        Decimal("6760.56"), "USD", True, None)
    # the rate of July applies from July: 48,000 / 7.20 = 6,666.67
    assert price(kernel, server, currency="USD", on=date(2026, 7, 1)).unit_price == Decimal("6666.67")


def test_a_missing_rate_is_an_error_naming_the_field(kernel: Kernel, server: int) -> None:
    with pytest.raises(ValidationError) as refused:
        price(kernel, server, currency="EUR")
    assert set(refused.value.errors) == {"product_id"}
    # before the first rate there is none either
    with pytest.raises(ValidationError):
        price(kernel, server, currency="USD", on=date(2025, 12, 31))
    with kernel.db.session(write=False) as db, pytest.raises(ValidationError) as refused:
        convert(db, Decimal("10"), "EUR", "CNY", ON)
    assert set(refused.value.errors) == {"currency_code"}


def test_yen_amounts_are_rounded_to_whole_yen(kernel: Kernel, server: int) -> None:
    # 48,000 / 0.05 = 960,000 yen; 1,234.56 CNY / 0.05 = 24,691.2 -> 24,691
    assert price(kernel, server, currency="JPY").unit_price == Decimal("960000")
    with kernel.db.session(write=False) as db:
        assert places_of(db, "JPY") == 0
        assert convert(db, Decimal("1234.56"), "CNY", "JPY", ON) == Decimal("24691")
        assert convert(db, Decimal("1234.58"), "CNY", "JPY", ON) == Decimal("24692")  # 24,691.6 rounds up
        # yen to dollars through the base: 100,000 × 0.05 / 7.10 = 704.2253... -> 704.23
        assert convert(db, Decimal("100000"), "JPY", "USD", ON) == Decimal("704.23")


def test_rounding_is_half_up_and_the_base_is_worth_one(kernel: Kernel, money: dict[str, int]) -> None:
    assert rounded(Decimal("2.345"), 2) == Decimal("2.35")
    assert rounded(Decimal("-2.345"), 2) == Decimal("-2.35")
    assert rounded(Decimal("0.5"), 0) == Decimal("1")
    with kernel.db.session(write=False) as db:
        assert base_currency(db) == "CNY"
        assert rate_on(db, "CNY", ON) == Decimal(1)
        assert rate_on(db, "USD", date(2026, 6, 30)) == Decimal("7.10")
        assert places_of(db, "XXX") == 2  # a currency the catalog does not know
        assert convert(db, Decimal("9.999"), "CNY", "CNY", ON) == Decimal("10.00")


def test_a_deleted_or_unknown_product_has_no_price(kernel: Kernel, server: int) -> None:
    from core import utcnow
    from plugins.catalog.models import Product

    with pytest.raises(NotFound):
        price(kernel, server + 1000)
    with kernel.db.session() as db:
        db.get(Product, server).deleted_at = utcnow()  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        price(kernel, server)


def test_the_lists_of_another_organisation_are_left_out_when_the_documents_organisation_is_given(
        kernel: Kernel, people: dict[str, Any], server: int) -> None:
    # given the southern branch's price list holding the head office's product (everyone reads the catalog)
    price_list(kernel, people["south"].id, "华南价", [(server, "1", "30000.00")], priority=90)
    own = price_list(kernel, people["hq"].id, "总部价", [(server, "1", "46000.00")])
    # then a head-office document gets its own organisation's list
    assert price(kernel, server, org_id=people["hq"].id).price_list_id == own
    assert price(kernel, server, org_id=people["south"].id).unit_price == Decimal("30000.00")


def test_a_list_in_a_currency_without_a_rate_still_gives_its_price(kernel: Kernel, people: dict[str, Any],
                                                                   server: int) -> None:
    # given a euro list, and no euro rate to convert the list price with
    euro = price_list(kernel, people["hq"].id, "欧元价", [(server, "1", "6100.00")], currency="EUR")
    found = price(kernel, server, currency="EUR")
    # then the list's price is given, its own price standing in for the unknown list price
    assert (found.unit_price, found.list_price, found.price_list_id) == (Decimal("6100.00"), Decimal("6100.00"),
                                                                         euro)

"""Currencies (ISO codes, 0-4 places, exactly one base), their exchange
rates by date (above 0, at most 8 decimals, one per date), the conversion
check, and units of measure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.app import Kernel
from plugins.catalog.models import Currency, ExchangeRate, Unit


def currency(client: Any, **values: str) -> Any:
    return client.submit("/catalog/currencies", {"code": "GBP", "name": "英镑", "places": "2", "active": "1",
                                                 **values}, follow_redirects=False)


def bases(kernel: Kernel) -> list[str]:
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(Currency.code).where(Currency.is_base.is_(True))))


def test_a_currency_has_an_iso_code_and_0_to_4_places(client: Any, kernel: Kernel, people: dict[str, Any],
                                                      money: dict[str, int]) -> None:
    client.login("pm")
    assert currency(client, name_en="Pound sterling", symbol="£").status_code == 303
    for values, field in (({"code": "GB"}, "code"), ({"code": "gb1"}, "code"), ({"code": "USD"}, "code"),
                          ({"code": "KWD", "places": "5"}, "places")):
        refused = currency(client, **values)
        assert refused.status_code == 422 and f'id="f-{field}-err"' in refused.text, values
    # a lower-case code is kept in capitals
    assert currency(client, code="chf", name="瑞士法郎").status_code == 303
    with kernel.db.session(write=False) as db:
        assert set(db.scalars(select(Currency.code))) == {"CNY", "USD", "EUR", "JPY", "GBP", "CHF"}


def test_setting_another_base_currency_moves_the_mark(client: Any, kernel: Kernel, people: dict[str, Any],
                                                      money: dict[str, int]) -> None:
    client.login("pm")
    usd = money["USD"]
    response = client.submit(f"/catalog/currencies/{usd}", {"code": "USD", "name": "美元", "places": "2",
                                                           "is_base": "1", "active": "1", "version": ""},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    assert bases(kernel) == ["USD"]
    # the base cannot be unmarked by itself: another must be made the base
    refused = client.submit(f"/catalog/currencies/{usd}", {"code": "USD", "name": "美元", "places": "2",
                                                          "active": "1"})
    assert refused.status_code == 422 and 'id="f-is_base-err"' in refused.text
    # a new currency marked base takes the mark too
    assert currency(client, is_base="1").status_code == 303
    assert bases(kernel) == ["GBP"]


def test_rates_are_added_changed_and_deleted_by_date(client: Any, kernel: Kernel, people: dict[str, Any],
                                                     money: dict[str, int]) -> None:
    client.login("pm")
    eur = money["EUR"]
    assert client.submit(f"/catalog/currencies/{eur}/rates", {"valid_on": "2026-01-01", "rate": "7.74205513"},
                         follow_redirects=False).status_code == 303
    page = client.get(f"/catalog/currencies/{eur}").text
    assert "1 EUR = 7.74205513 CNY" in page
    for values, field in (({"valid_on": "2026-02-01", "rate": "0"}, "rate"),
                          ({"valid_on": "2026-02-01", "rate": "-7.7"}, "rate"),
                          ({"valid_on": "2026-02-01", "rate": "7.123456789"}, "rate"),
                          ({"valid_on": "2026-01-01", "rate": "7.80"}, "valid_on"),
                          ({"valid_on": "", "rate": "7.80"}, "valid_on")):
        refused = client.submit(f"/catalog/currencies/{eur}/rates", values)
        assert refused.status_code == 422 and f'id="rate-{field.replace("_", "-")}-err"' in refused.text, values
    with kernel.db.session(write=False) as db:
        rate = db.scalar(select(ExchangeRate).where(ExchangeRate.currency_id == eur))
        assert rate is not None and rate.rate == Decimal("7.74205513")
        rate_id = rate.id
    assert client.submit(f"/catalog/currencies/{eur}/rates/{rate_id}", {"valid_on": "2026-01-02", "rate": "7.80"},
                         follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        rate = db.get(ExchangeRate, rate_id)
        assert rate is not None and (rate.valid_on, rate.rate) == (date(2026, 1, 2), Decimal("7.80"))
    # the base currency has no rates
    refused = client.submit(f"/catalog/currencies/{money['CNY']}/rates", {"valid_on": "2026-01-01", "rate": "1"})
    assert refused.status_code == 422
    # a rate of another currency is not reachable through this one
    assert client.submit(f"/catalog/currencies/{money['USD']}/rates/{rate_id}/delete").status_code == 404
    assert client.submit(f"/catalog/currencies/{eur}/rates/{rate_id}/delete",
                         follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.get(ExchangeRate, rate_id) is None


def test_the_convert_check_uses_the_rates_of_the_date(client: Any, people: dict[str, Any],
                                                      money: dict[str, int]) -> None:
    client.login("rep")  # everyone who sells may check
    answer = client.get("/catalog/currencies/convert", params={"amount": "100", "source": "USD", "target": "CNY",
                                                                "on": "2026-03-02"}).text
    assert "100 USD = ¥710.00 CNY" in answer
    answer = client.get("/catalog/currencies/convert", params={"amount": "100", "source": "USD", "target": "JPY",
                                                                "on": "2026-07-01"}).text
    assert "100 USD = ￥14,400 JPY" in answer or "100 USD = ¥14,400 JPY" in answer or "JP¥14,400" in answer
    answer = client.get("/catalog/currencies/convert", params={"amount": "100", "source": "EUR", "target": "CNY",
                                                                "on": "2026-03-02"}).text
    assert 'class="text-danger"' in answer
    # but keeping currencies is for those who hold the right
    assert client.submit("/catalog/currencies", {"code": "GBP", "name": "英镑", "places": "2"}).status_code == 403


def test_units_have_a_unique_code_and_0_to_6_places(client: Any, kernel: Kernel, people: dict[str, Any],
                                                    money: dict[str, int]) -> None:
    client.login("pm")
    assert client.submit("/catalog/units", {"code": "sqm", "name": "平方米", "name_en": "square metre",
                                            "places": "2", "active": "1"}, follow_redirects=False).status_code == 303
    refused = client.submit("/catalog/units", {"code": "tai", "name": "台", "places": "0"})
    assert refused.status_code == 422 and 'id="f-code-err"' in refused.text
    refused = client.submit("/catalog/units", {"code": "g", "name": "克", "places": "7"})
    assert refused.status_code == 422 and 'id="f-places-err"' in refused.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Unit.places).where(Unit.code == "sqm")) == 2
    assert "平方米" in client.get("/catalog/units").text

"""Line and document amounts (plugins/sales/services/totals.py): Decimal,
rounded half up to the currency line by line, tax taken out of tax-included
prices; bad lines refused naming the row and the field."""

from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from core import ValidationError
from plugins.sales.services.totals import apply, clean_lines, line_amounts


def test_a_tax_included_line_takes_the_tax_out_of_its_total():
    # 3 × 333.33 at 5 % off, VAT 13 % included: 949.99 (949.9905 rounded), of which 109.29 tax
    found = line_amounts(D("3"), D("333.33"), D("5"), D("13"), places=2)
    assert (found.total, found.amount, found.tax, found.discount) == (D("949.99"), D("840.70"), D("109.29"),
                                                                      D("50.00"))
    assert found.amount + found.tax == found.total


def test_a_line_before_tax_adds_the_rounded_tax():
    found = line_amounts(D("2.5"), D("19.99"), D("0"), D("6"), places=2, tax_included=False)
    assert (found.amount, found.tax, found.total) == (D("49.98"), D("3.00"), D("52.98"))  # 49.975 -> 49.98


def test_half_a_cent_rounds_up_and_a_currency_without_decimals_rounds_to_units():
    assert line_amounts(D("1"), D("0.125"), D("0"), D("0"), places=2).total == D("0.13")
    assert line_amounts(D("3"), D("333"), D("10"), D("10"), places=0).total == D("899")  # 899.1 yen


def test_document_totals_are_the_sums_of_the_rounded_lines():
    lines = [SimpleNamespace(quantity=D("1"), unit_price=D("0.01"), discount=D("0"), tax_rate=D("13"))
             for _ in range(3)]
    doc = SimpleNamespace(tax_included=True)
    totals = apply(doc, lines, places=2)
    # each line is 0.01 with no tax after rounding: the printed lines add up to the printed total
    assert [(line.amount, line.tax) for line in lines] == [(D("0.01"), D("0.00"))] * 3
    assert (doc.total, doc.subtotal, doc.tax_total, totals.max_discount) == (D("0.03"), D("0.03"), D("0"), D("0"))


def test_clean_lines_names_every_bad_field_by_its_row():
    with pytest.raises(ValidationError) as refused:
        clean_lines([
            {"description": "服务费", "quantity": "-1", "unit_price": "10"},
            {"description": "设备", "quantity": "1", "unit_price": "10.005"},
            {"description": "", "product_id": ""},  # an empty row is dropped, not an error
            {"description": "折扣", "quantity": "1", "unit_price": "1", "discount": "120"},
        ], places=2)
    assert set(refused.value.errors) == {"line_1_quantity", "line_2_unit_price", "line_4_discount"}


def test_clean_lines_refuses_decimals_the_currency_lacks_and_keeps_trailing_zeros():
    with pytest.raises(ValidationError) as refused:
        clean_lines([{"description": "展位", "quantity": "1", "unit_price": "100.5"}], places=0)
    assert "without decimals" in refused.value.errors["line_1_unit_price"]
    kept = clean_lines([{"description": "展位", "quantity": "2.500", "unit_price": "100.50",
                         "discount": "", "tax_rate": ""}], places=2)
    assert kept == [{"product_id": None, "description": "展位", "unit": "", "quantity": D("2.500"),
                     "unit_price": D("100.50"), "list_price": D("0"), "discount": D("0"), "tax_rate": D("13"),
                     "sequence": 10}]


def test_a_document_without_lines_is_refused():
    with pytest.raises(ValidationError) as refused:
        clean_lines([{"description": " "}], places=2)
    assert refused.value.errors == {"lines": "Add at least one line."}

"""The customer list and the customer 360 view in a real browser, on the
demo data: a regional manager clicks B on the letter index and sees only
customers whose names read with a B; opens a group company and finds its
contacts, its relationship tree drawn with Chinese names, and its tabs.
The list and the 360 view are shot for the docs."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from plugins.crm.services.names import initial
from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e


def test_the_letter_index_filters_and_the_360_view_renders(page: Any, login: Any) -> None:
    # given 李娜, manager of 华北大区 in the demo
    login(page, "lina")
    page.goto("/crm/customers")
    table = page.locator("#kit-customer-table")
    expect(table.locator("tbody tr")).to_have_count(50)
    # when she clicks B on the letter index
    page.locator("label[data-letter=B]").click()
    page.wait_for_url("**letter=B**")
    expect(page.locator("#crm-letter-index input[value=B]")).to_be_checked()
    # then every customer listed reads with a B (北京..., 百..., 博...)
    names = table.locator("tbody td a").all_inner_texts()
    assert names and all(initial(name) == "B" for name in names), names
    shoot(page, "crm-customers-list.png", full_page=False)
    # when she opens a group company
    page.goto("/crm/customers?q=集团")
    table.locator("tbody td a").first.click()
    page.wait_for_url("**/crm/customers/*")
    header = page.locator("#crm-customer-header")
    expect(header).to_contain_text("集团")
    expect(page.locator("#crm-customer-profile")).to_contain_text("统一社会信用代码")
    # the contacts tab lists the main contact first
    page.get_by_role("tab", name="联系人").click()
    expect(page.locator("#crm-customer-contacts .crm-contact").first).to_contain_text("主联系人")
    # the relationship tab draws the company tree and the decision chain with Chinese names
    page.get_by_role("tab", name="关系图").click()
    companies = page.locator("#crm-company-tree svg")
    expect(companies).to_be_visible()
    expect(companies.locator("text").first).to_contain_text("集团")
    expect(page.locator("#crm-contact-tree svg text").first).to_be_visible()
    shoot(page, "crm-customers-360.png", full_page=True)

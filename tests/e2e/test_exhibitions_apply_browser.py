"""The application flow in a real browser, on the demo: a visitor applies
to the 25th 中国国际农业博览会 through the public form (in Chinese), a bad
mobile is named first; the administrator finds the application in the
edition's list, opens it and rejects it with a reason; the waitlist and
priority points pages show the demo's entry and adjustment. Screenshots
(Chinese) in docs/screenshots."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e


def test_a_visitor_applies_and_staff_handle_it(admin_page: Any, new_page: Any, server: Any) -> None:
    staff = admin_page
    staff.goto(f"{server.url}/exhibitions/applications")
    staff.locator("#exhibitions-application-editions").get_by_role("link", name="第二十五届中国国际农业博览会").click()
    expect(staff.locator("h1.page-title")).to_have_text("参展申请")
    edition = re.search(r"/editions/(\d+)/applications", staff.url).group(1)  # type: ignore[union-attr]

    public = staff.get_by_role("link", name="网上申请表").get_attribute("href")
    visitor = new_page()
    visitor.goto(f"{server.url}{public}")
    form = visitor.locator("#exhibitions-apply-form")
    expect(form).to_be_visible()
    visitor.locator("#ex-ap-company").fill("浙江安吉白茶有限公司")
    visitor.locator("#ex-ap-company_en").fill("Anji White Tea Co.")
    visitor.locator("#ex-ap-contact_name").fill("钱多多")
    visitor.locator("#ex-ap-mobile").fill("12345")
    visitor.locator("#ex-ap-email").fill("qian@anjitea.cn")
    visitor.locator("#ex-ap-products").fill("安吉白茶、茶具")
    visitor.get_by_label("食品饮料").check()
    visitor.locator("#ex-ap-area_wanted").fill("18")
    shoot(visitor, SCREENSHOTS / "exhibitions-apply-form.png")
    form.get_by_role("button", name="提交申请").click()
    expect(visitor.locator("#ex-ap-mobile-err")).to_be_visible()
    visitor.locator("#ex-ap-mobile").fill("13905721234")
    visitor.locator("#exhibitions-apply-form").get_by_role("button", name="提交申请").click()
    expect(visitor.locator("#exhibitions-apply-thanks")).to_be_visible()

    staff.reload()
    staff.get_by_role("link", name="浙江安吉白茶有限公司").click()
    expect(staff.locator("#exhibitions-application-state")).to_have_text("已提交")
    shoot(staff, SCREENSHOTS / "exhibitions-application.png")
    staff.locator("#ex-ap-reason").fill("茶叶展区已满，请关注下一届。")
    staff.get_by_role("button", name="驳回").click()
    expect(staff.locator("#exhibitions-application-state")).to_have_text("已驳回")
    expect(staff.locator("#exhibitions-application-reason")).to_have_text("茶叶展区已满，请关注下一届。")

    staff.goto(f"{server.url}/exhibitions/editions/{edition}/waitlist")
    expect(staff.locator("#exhibitions-waitlist tbody tr")).to_have_count(1)
    shoot(staff, SCREENSHOTS / "exhibitions-waitlist.png")
    staff.goto(f"{server.url}/exhibitions/editions/{edition}/points")
    expect(staff.locator("#exhibitions-points-adjustments")).to_contain_text("协办单位推荐")
    shoot(staff, SCREENSHOTS / "exhibitions-points.png")

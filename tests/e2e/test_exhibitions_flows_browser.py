"""Staff enter an application for an exhibitor on the phone, in a real
browser on the demo, and the exhibitor's customer 360 view shows their
exhibitions: the waitlist entry, the new application and the priority
points. Screenshots (Chinese) in docs/screenshots."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e


def test_staff_enter_an_application_and_the_customer_360_shows_the_exhibitor(admin_page: Any,
                                                                             server: Any) -> None:
    staff = admin_page
    staff.goto(f"{server.url}/exhibitions/applications")
    staff.locator("#exhibitions-application-editions").get_by_role("link", name="第二十五届中国国际农业博览会").click()
    edition = re.search(r"/editions/(\d+)/applications", staff.url).group(1)  # type: ignore[union-attr]
    # the exhibitor waiting for an island booth (the demo's waitlist entry)
    staff.goto(f"{server.url}/exhibitions/editions/{edition}/waitlist")
    staff.locator("table a[href^='/exhibitions/waitlist/']").first.click()
    exhibitor = staff.locator("a[href^='/crm/customers/']").first
    customer = re.search(r"/crm/customers/(\d+)", exhibitor.get_attribute("href") or "").group(1)  # type: ignore[union-attr]
    name = exhibitor.inner_text().strip()

    staff.goto(f"{server.url}/exhibitions/editions/{edition}/applications")
    staff.locator("#exhibitions-application-new-link").click()
    expect(staff.locator("h1.page-title")).to_have_text("新建参展申请")
    # the customer picker searches as one types (the demo has more customers than a list shows):
    # the waiting exhibitor, typed, is offered
    staff.locator("#exhibitions-application-new .ts-control").click()
    staff.keyboard.type(name)
    expect(staff.locator(".ts-dropdown .option", has_text=name).first).to_be_visible()
    staff.keyboard.press("Escape")
    staff.goto(f"{server.url}/exhibitions/editions/{edition}/applications/new?customer_id={customer}")
    staff.locator("#ex-ap-area_wanted").fill("0")
    staff.locator("#ex-ap-construction").select_option("raw")
    staff.locator("#ex-ap-neighbours_wanted").fill("山东馆")
    staff.get_by_role("button", name="保存申请").click()
    expect(staff.locator("#ex-ap-area_wanted-err")).to_be_visible()  # the public form's check, named
    shoot(staff, SCREENSHOTS / "exhibitions-application-new.png")
    staff.locator("#ex-ap-area_wanted").fill("72")
    staff.get_by_role("button", name="保存申请").click()
    expect(staff.locator("#exhibitions-application-state")).to_have_text("已提交")
    expect(staff.get_by_text("由员工录入")).to_be_visible()

    staff.goto(f"{server.url}/crm/customers/{customer}")
    staff.get_by_role("tab", name="展会").click()
    panel = staff.locator("#exhibitions-customer-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("#exhibitions-customer-applications")).to_contain_text("72")
    expect(panel.locator("#exhibitions-customer-waitlist")).to_contain_text("108 m²")
    expect(panel.locator("#exhibitions-customer-points")).to_be_visible()
    shoot(staff, SCREENSHOTS / "exhibitions-customer-360.png")

"""The hall calendar and an edition's page in a real browser, on the demo
(全国农业展览馆, 中国国际农业博览会): the administrator opens the 25th
edition from the editions list, sees its phases and the halls booked, goes
to the calendar of its month, where the halls' bars are drawn, and pages
back a month with htmx. Screenshots (Chinese) in docs/screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e


def test_an_edition_and_the_hall_calendar(admin_page: Any, server: Any) -> None:
    page = admin_page
    page.goto(f"{server.url}/exhibitions/editions")
    page.get_by_role("link", name="第二十五届中国国际农业博览会").click()
    expect(page.locator("h1.page-title")).to_contain_text("第二十五届中国国际农业博览会")
    timeline = page.locator("#exhibitions-edition-timeline")
    expect(timeline).to_contain_text("布展")
    expect(timeline.locator(".step-item")).to_have_count(3)
    # three halls for move-in, show days and move-out, and the forum's meeting room
    expect(page.locator("#exhibitions-edition-bookings tbody tr")).to_have_count(10)
    shoot(page, SCREENSHOTS / "exhibitions-edition.png")
    page.locator("#exhibitions-edition-bookings").get_by_role("link", name="展馆排期").click()
    expect(page.locator("#exhibitions-calendar-month")).to_have_text("2027年11月")
    expect(page.locator("#exhibitions-venues-calendar .xv-bar")).to_have_count(10)
    shoot(page, SCREENSHOTS / "exhibitions-calendar.png")
    page.locator("#exhibitions-calendar-previous").click()
    expect(page.locator("#exhibitions-calendar-month")).to_have_text("2027年10月")
    expect(page.locator("#exhibitions-venues-calendar .xv-bar")).to_have_count(0)
    assert "month=2027-10" in page.url

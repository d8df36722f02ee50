"""The on-site desk in a real browser on the demo data: the 25th edition's
queue (the requests waiting, overdue first), a request dispatched to 钱进 on
its page, and the exhibitor's view of it in the portal is left to the
portal's own test; each page shot for the docs."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e


def test_the_desk_queue_and_a_request_dispatched(admin_page: Any) -> None:
    page = admin_page
    page.goto("/exhibitions/editions")
    page.get_by_role("link", name="第二十五届中国国际农业博览会").first.click()
    page.locator("#exhibitions-edition-work").get_by_role("link", name="现场服务台").click()
    expect(page.locator("h1.page-title")).to_contain_text("现场服务台")
    rows = page.locator("#exh-desk-rows tbody tr")
    expect(rows.first).to_contain_text("XC-")
    expect(page.locator("#exh-desk-waiting")).not_to_have_text("0")
    shoot(page, "exhibitions-desk-queue.png", full_page=False)

    rows.first.locator("a").first.click()
    expect(page.locator("#exh-desk-dispatch")).to_be_visible()
    page.locator("#exh-desk-dispatch select[name=assignee_id]").select_option(label="钱进")
    page.locator("#exh-desk-dispatch button[type=submit]").click()
    expect(page.locator("#exh-desk-state")).to_have_text("已派工")
    expect(page.locator("#exh-desk-assignee")).to_have_text("钱进")
    shoot(page, "exhibitions-desk-request.png", full_page=False)

"""The exhibitor portal in a real browser, on the demo: the demo exhibitor
赵经理 logs in to the portal (in Chinese), sees the 25th edition and the
booth on the home page, orders two meeting tables and the
special-decoration fee on the service order page, and finds the confirmed
order with its total. Screenshots (Chinese) in docs/screenshots: the portal's
home and the service order page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e


def test_an_exhibitor_logs_in_and_orders_services(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/exhibitions/portal/")
    expect(page).to_have_url(re.compile(r"/exhibitions/portal/login"))
    page.locator("#exh-portal-email").fill("zhao@exhibitor.example.cn")
    page.locator("#exh-portal-password").fill("wrong password")
    page.locator("#exh-portal-login-submit").click()
    expect(page.locator("#exh-portal-login-failed")).to_have_text("电子邮件或密码不正确。")
    page.locator("#exh-portal-email").fill("zhao@exhibitor.example.cn")
    page.locator("#exh-portal-password").fill(server.admin_password)  # the demo users' password
    page.locator("#exh-portal-login-submit").click()
    expect(page.locator("#exh-portal-home")).to_be_visible()
    expect(page.locator("#exh-portal-header")).to_contain_text("赵经理")
    expect(page.locator("#exh-portal-home")).to_contain_text("第二十五届中国国际农业博览会")
    expect(page.locator(".navbar-vertical")).to_have_count(0)  # no staff menu
    shoot(page, SCREENSHOTS / "exhibitions-portal-home.png")

    page.locator("#exh-portal-home").get_by_role("link", name="订购服务").first.click()
    form = page.locator("#exh-portal-order-form")
    expect(form).to_be_visible()
    table = form.locator("tr", has_text="洽谈桌")
    table.locator("input[name$='_quantity']").fill("2")
    form.locator("tr", has_text="特装管理费").get_by_label("按我的展位面积").check()
    page.locator("#exh-portal-order-note").fill("请于开展前一天布置")
    shoot(page, SCREENSHOTS / "exhibitions-portal-order.png")
    page.locator("#exh-portal-order-submit").click()
    expect(page.locator("#exh-portal-order-state")).to_have_text("已确认")
    expect(page.locator("#exh-portal-order-lines")).to_contain_text("洽谈桌")
    expect(page.locator("#exh-portal-order-lines")).to_contain_text("特装管理费")

    page.get_by_role("link", name="服务订单").click()
    expect(page.locator("#exh-portal-orders tbody tr")).not_to_have_count(0)
    expect(page.locator("#exh-portal-orders")).to_contain_text("已确认")

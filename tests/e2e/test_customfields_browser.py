"""Custom fields in a real browser: the administrator adds a choice field to
notes, sees it in the preview, fills it on the note form and finds it on the
note's page and in the list; the fields page is shot for the docs."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e


def test_an_added_field_appears_on_the_note_form_detail_and_list(admin_page: Any):
    page = admin_page
    page.goto("/customfields/")
    page.locator("#customfields-models").get_by_role("link", name="便签").click()
    page.get_by_role("link", name="添加字段").click()
    page.locator("#cf-label_zh").fill("客户级别")
    page.locator("#cf-label_en").fill("Customer level")
    page.locator("#cf-kind").select_option("choice")
    page.locator("#cf-choices").fill("vip|重要客户|Key account\nnormal|普通客户|Regular")
    page.locator("#customfields-form").get_by_role("button", name="保存").click()
    expect(page.locator("#customfields-fields")).to_contain_text("x_customer_level")
    expect(page.locator("#customfields-preview")).to_contain_text("客户级别")
    shoot(page, "customfields-fields.png")

    page.goto("/notes/new")
    page.locator("#f-title").fill("华东展会客户")
    page.locator("#f-x_customer_level").select_option("vip")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("dl")).to_contain_text("重要客户")
    page.goto("/notes/?x_customer_level=vip")
    expect(page.locator("#kit-note-table")).to_contain_text("华东展会客户")

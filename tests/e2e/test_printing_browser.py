"""Printing in a real browser: the administrator writes an expense claim,
prints it from its page (a PDF in a new tab), issues it (the copy appears
on the page), then edits the claim's template: the live preview (htmx)
shows the PDF of the chosen claim, an error as soon as the template reaches
for what it may not read, and the template is saved as a new version. The
editor and the record's print panel are shot for the docs."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e


def new_claim(page: Any, title: str, amount: str) -> str:
    page.goto("/notes/expenses/new")
    page.locator("#f-title").fill(title)
    page.locator("#f-amount").fill(amount)
    page.locator("#f-category").select_option("travel")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/notes/expenses/*")
    return page.url


def test_a_claim_is_printed_issued_and_its_template_edited_with_a_live_preview(admin_page: Any):
    page = admin_page
    url = new_claim(page, "深圳高交会参展差旅（机票、住宿三晚）", "6820.50")
    claim = url.rstrip("/").rsplit("/", 1)[1]
    # the record page has the print panel: language, print, download, issue
    panel = page.locator("#panel-printing-print")
    expect(panel).to_contain_text("打印")
    expect(panel).to_contain_text("尚未出具")
    # printing opens the PDF in a new tab
    with page.expect_popup() as opened:
        panel.get_by_role("button", name="打印").click()
    pdf_page = opened.value
    pdf_page.wait_for_load_state()
    assert f"/printing/documents/notes.expense/{claim}?lang=zh_CN" in pdf_page.url
    response = page.request.get(pdf_page.url)
    assert response.headers["content-type"] == "application/pdf" and response.body().startswith(b"%PDF")
    pdf_page.close()
    # issuing keeps a copy, listed on the page with who issued it
    with page.expect_popup() as opened:
        panel.locator("#printing-issue-notes-expense").click()
    issued = opened.value
    issued.wait_for_load_state()  # closed while still loading, Chromium could detach the opener too
    issued.close()
    page.reload()
    expect(page.locator("#printing-copies")).to_contain_text("系统管理员")
    shoot(page, "printing-record.png")
    # the editor previews the template on the claim, live
    page.goto(f"/printing/templates/notes.expense?record={claim}")
    preview = page.locator("#printing-preview iframe.printing-pdf")
    expect(preview).to_have_count(1)
    assert (preview.get_attribute("src") or "").startswith("data:application/pdf;base64,")
    expect(page.locator("#printing-preview")).to_contain_text("共 1 页")
    source = page.locator("#printing-source")
    original = source.input_value()
    # a template that reaches for what a print may not read is refused as the administrator types
    source.fill(original.replace("{% block content %}", "{% block content %}{{ doc.__class__ }}", 1))
    source.press("End")
    expect(page.locator("#printing-problem")).to_contain_text("__class__ 以下划线开头")
    # a good change previews and is saved as version 1
    source.fill(original.replace("{{ _(\"Purpose\") }}", "{{ _(\"Purpose\") }}（出差）", 1))
    source.press("End")
    expect(page.locator("#printing-preview iframe.printing-pdf")).to_have_count(1)
    page.locator("#printing-comment").fill("报销事由注明出差")
    source.evaluate("area => area.scrollTop = 0")
    page.evaluate("window.scrollTo(0, 0)")  # typing scrolled the page: the menu would be shot askew
    page.wait_for_timeout(2500)  # Chromium's PDF viewer draws the preview's pages
    shoot(page, "printing-editor.png")
    page.locator("#printing-save").click()
    expect(page.locator("#printing-versions")).to_contain_text("报销事由注明出差")
    expect(page.locator("#printing-versions")).to_contain_text("使用中")

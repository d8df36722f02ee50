"""Special decoration, the exhibitor manual and storage in a real browser,
on the demo data: a project in review is approved on its page, the manual's
status board (and filtered to the overdue), and a storage receipt; each shot for
the docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import demo_ids, shoot

pytestmark = pytest.mark.e2e

FIND = r'''
import json
from sqlalchemy import select
from core.app import create_app
from plugins.exhibitions.models import DecorationProject, Edition, StorageReceipt

kernel = create_app().state.kernel
with kernel.db.session(write=False) as db:
    edition = db.scalar(select(Edition).where(Edition.number == 25))
    review = db.scalar(select(DecorationProject.id).where(DecorationProject.state == "in_review"))
    receipt = db.scalar(select(StorageReceipt.id).order_by(StorageReceipt.id))
    print(json.dumps({"edition": edition.id, "review": review, "receipt": receipt}))
'''


def test_a_project_is_approved_and_the_board_and_a_receipt_show(admin_page: Any, server: Any,
                                                               example_plugin: Path):
    made = demo_ids(server, example_plugin, FIND)
    page = admin_page
    page.goto(f"/exhibitions/decoration/{made['review']}")
    expect(page.locator("#exh-deco-state-label")).to_contain_text("审图中")
    page.locator("#exh-deco-review textarea").fill("结构计算书齐全，同意施工。")
    page.locator("#exh-deco-review button[value=approve]").click()
    expect(page.locator("#exh-deco-state-label")).to_contain_text("图纸已通过")
    expect(page.locator("#exh-deco-charge")).to_be_visible()
    shoot(page, "exhibitions-decoration-project.png")
    page.goto(f"/exhibitions/editions/{made['edition']}/manual")
    expect(page.locator("#exh-manual-board")).to_contain_text("会刊企业简介")
    expect(page.locator("#exh-manual-board [data-status=done]").first).to_be_visible()
    shoot(page, "exhibitions-manual-board.png")
    page.locator("#exh-manual-overdue-only").click()  # the demo's deadlines are a year on: none overdue
    expect(page.locator("#exh-manual-board")).to_contain_text("没有可显示的展商。")
    page.goto(f"/exhibitions/storage/{made['receipt']}")
    expect(page.locator("#exh-storage-lines")).to_contain_text("木箱")
    shoot(page, "exhibitions-storage-receipt.png")

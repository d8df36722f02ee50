"""Global search in a real browser: the top bar's box opens a drop-down of
grouped hits while typing (htmx), the arrow keys and Enter open one, and the
full results page finds departments by their pinyin initials.

The served demo data is indexed by the ``search.reindex`` job the plugin
queues after loading it, run by the server's in-process worker.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e


def wait_for_the_demo_index(server: Any, timeout: float = 60) -> None:
    """The reindex job queued after the demo data has run (read on the served database)."""
    engine = create_engine(f"sqlite:///{(server.var_dir / 'suanpan.db').as_posix()}")
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                states = [r[0] for r in conn.execute(text(
                    "SELECT state FROM core_job WHERE task = 'search.reindex'"))]
                indexed = conn.execute(text(
                    "SELECT count(*) FROM search_entry WHERE model = 'core.department'")).scalar()
            if states and all(s == "done" for s in states) and indexed:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"the search index was not built: jobs {states}, departments {indexed}")
            time.sleep(0.5)
    finally:
        engine.dispose()


def test_the_top_bar_box_finds_grouped_records_and_opens_one_by_keyboard(admin_page, server):
    wait_for_the_demo_index(server)
    page = admin_page
    box = page.locator("#sp-global-search")
    dropdown = page.locator("#search-dropdown")
    # when the administrator types part of a name in the top bar
    box.click()
    box.press_sequentially("华东", delay=50)
    # then the drop-down shows the hits grouped by type
    expect(dropdown.locator("#search-dropdown-card")).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    groups = dropdown.locator("[role=listbox]")
    expect(groups.first).to_be_visible()
    labels = groups.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert len(labels) >= 2, labels  # organisations and departments at least
    expect(dropdown).to_contain_text("华东分公司")
    expect(dropdown).to_contain_text("华东销售部")
    box.press("ArrowDown")
    first = dropdown.locator("[data-search-hit]").first
    expect(first).to_have_class("list-group-item list-group-item-action active")
    shoot(page, "search-dropdown.png", full_page=False)
    # when they move down once more and back, then press Enter, the first hit opens
    box.press("ArrowDown")
    box.press("ArrowUp")
    href = first.get_attribute("href")
    assert href
    box.press("Enter")
    page.wait_for_url(f"**{href}")
    expect(page.locator("body")).to_contain_text("华东")


def test_the_results_page_finds_departments_by_pinyin_initials(admin_page, server):
    wait_for_the_demo_index(server)
    page = admin_page
    box = page.locator("#sp-global-search")
    box.fill("xsb")
    box.press("Enter")  # no hit chosen: the full results page
    page.wait_for_url("**/search/?q=xsb")
    results = page.locator("#search-results")
    expect(results).to_contain_text("销售部")
    expect(results).to_contain_text("华东销售部")
    expect(results).to_contain_text("华南销售部")
    expect(results.locator("[data-search-count='core.department']")).to_have_text("3")
    shoot(page, "search-results.png")

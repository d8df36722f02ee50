"""Scenario tests in a real browser (Chromium) against ``suanpan serve``.

Each test is a user's story: log in, read the workbench in Chinese, switch
the language, search and sort the user list, reach everything by keyboard.
The screenshot tests write ``docs/screenshots/*.png`` on every run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from plugins.crm.services.demo import PEOPLE as CRM_PEOPLE
from plugins.exhibitions.parts.desk import PEOPLE as DESK_PEOPLE
from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}

CATALOG = ROOT / "core" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
CJK_FONT = re.compile(r"CJK|Source Han|PingFang|YaHei|Hiragino|WenQuanYi|Noto Sans SC", re.I)


@cache
def _zh_table() -> dict[str, str]:
    if not CATALOG.is_file():
        return {}
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    return {m.id: m.string for m in catalog
            if isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy}


def zh(msgid: str) -> str | None:
    """The kernel catalog's Chinese for ``msgid``, while that catalog is being written."""
    return _zh_table().get(msgid)


def platform_fonts(page: Any, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium really used to draw the text of ``selector`` (no guessing
    from CSS: a missing CJK font shows up here as a non-CJK family)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, selector
        return list(cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"])
    finally:
        cdp.detach()


def html_lang(page: Any) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def switch_language(page: Any, label: str, lang: str) -> None:
    page.locator("form.sp-locale button", has_text=label).first.click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def table_names(page: Any) -> list[str]:
    """The display names in the user list (second column)."""
    return [n.strip() for n in page.locator("#kit-user-table tbody tr td:nth-child(2)").all_inner_texts()]


# ------------------------------------------------------------------ login and language


def test_admin_logs_in_and_reads_the_workbench_in_chinese(page, login):
    login(page)

    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    assert html_lang(page) == "zh-CN"
    heading = page.locator("h1.page-title")
    expect(heading).to_contain_text("系统管理员")  # the administrator's name is always Chinese
    if zh("Workbench"):
        expect(page.locator("aside").get_by_role("link", name=zh("Workbench"), exact=True)).to_be_visible()
    if zh("Users"):
        expect(page.locator("aside").get_by_role("link", name=zh("Users"))).to_be_visible()


def test_chinese_text_is_drawn_with_a_cjk_font(admin_page):
    page = admin_page
    page.goto("/admin/orgs")
    cell = page.locator("#kit-org-table a", has_text="算盘科技集团").first
    expect(cell).to_be_visible()
    cell.evaluate("el => el.id = 'e2e-cjk'")
    page.evaluate("document.fonts.ready")

    fonts = platform_fonts(page, "#e2e-cjk")

    assert fonts, "no font drew the organisation's name"
    assert all(CJK_FONT.search(f["familyName"]) for f in fonts), fonts
    assert sum(f["glyphCount"] for f in fonts) == len("算盘科技集团")
    assert page.evaluate("""() => document.fonts.check('16px "Noto Sans CJK SC"')""")


def test_the_language_switch_shows_english_labels_and_back(admin_page):
    page = admin_page
    try:
        switch_language(page, "English", "en")

        nav = page.locator("aside")
        expect(nav.get_by_role("link", name="Users")).to_be_visible()
        expect(nav.get_by_role("link", name="Workbench", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_be_hidden()
        page.get_by_role("link", name="User menu").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        page.keyboard.press("Escape")
        page.goto("/admin/users")  # the choice sticks to the user, not just the page
        expect(page.get_by_role("heading", name="Users")).to_be_visible()
        assert html_lang(page) == "en"
    finally:
        switch_language(page, "简体中文", "zh-CN")

    expect(page.get_by_text("张伟")).to_be_visible()
    if zh("Users"):
        expect(page.get_by_role("heading", name=zh("Users"))).to_be_visible()
        expect(page.locator("aside").get_by_role("link", name="Users")).to_have_count(0)


def test_a_wrong_password_shows_an_error_and_keeps_the_username(page):
    page.goto("/login")
    page.locator("#login-username").fill("lina")
    page.locator("#login-password").fill("not-her-password")
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as answer:
        page.locator("form[action='/login'] button[type=submit]").click()

    assert answer.value.status == 401
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_have_class(re.compile(r"alert-danger"))
    assert error.inner_text().strip()
    if zh("Wrong username or password."):
        expect(error).to_have_text(zh("Wrong username or password."))
    expect(page.locator("#login-username")).to_have_value("lina")
    expect(page.locator("#login-password")).to_have_value("")
    assert page.url.endswith("/login")


# ------------------------------------------------------------------ the user list


def test_searching_users_updates_the_table_in_place(admin_page):
    page = admin_page
    page.goto("/admin/users")
    # admin, the five demo users, the CRM demo's sales team and the exhibitions' desk staff
    expect(page.locator("#kit-user-table tbody tr")).to_have_count(6 + len(CRM_PEOPLE) + len(DESK_PEOPLE))
    page.evaluate("window.__e2eSameDocument = true")

    with page.expect_request(lambda r: "/admin/users?" in r.url and "q=" in r.url) as sent:
        page.locator("#kit-q").fill("张")

    assert sent.value.headers.get("hx-request") == "true"
    expect(page.locator("#kit-user-table tbody tr")).to_have_count(1)
    expect(page.locator("#kit-user-table")).to_contain_text("张伟")
    expect(page.locator("#kit-user-table")).to_contain_text("zhangwei")
    expect(page).to_have_url(re.compile(r"/admin/users\?.*q=%E5%BC%A0"))  # pushed to history
    assert page.evaluate("window.__e2eSameDocument") is True, "the search reloaded the page"

    page.locator("#kit-q").fill("1380013800")  # a phone prefix, latin digits
    expect(page.locator("#kit-user-table tbody tr")).to_have_count(3)
    assert page.evaluate("window.__e2eSameDocument") is True


def test_sorting_users_by_name_and_opening_one(admin_page):
    page = admin_page
    page.goto("/admin/users")
    page.evaluate("window.__e2eSameDocument = true")
    name_header = page.locator("#kit-user-table th").filter(
        has=page.locator("a[href*='sort=display_name']"))

    name_header.locator("a").click()
    expect(name_header).to_have_attribute("aria-sort", "descending")
    expect(page).to_have_url(re.compile(r"sort=display_name.*dir=desc|dir=desc.*sort=display_name"))
    descending = table_names(page)
    name_header.locator("a").click()
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    ascending = table_names(page)

    assert len(ascending) == 6 + len(CRM_PEOPLE) + len(DESK_PEOPLE) and "张伟" in ascending
    assert ascending == list(reversed(descending))
    assert page.evaluate("window.__e2eSameDocument") is True, "sorting reloaded the page"

    page.locator("#kit-user-table").get_by_role("link", name="张伟").click()
    expect(page).to_have_url(re.compile(r"/admin/users/\d+$"))
    expect(page.locator("h1")).to_contain_text("张伟")
    expect(page.locator("#sp-main")).to_contain_text("销售总监")
    expect(page.locator("#sp-main")).to_contain_text("算盘科技集团")
    expect(page.locator("#core-user-roles")).to_be_visible()


# ------------------------------------------------------------------ keyboard


def _focused(page: Any) -> dict[str, Any]:
    return dict(page.evaluate("""() => {
        const el = document.activeElement, box = el.getBoundingClientRect();
        return {tag: el.tagName, id: el.id, cls: el.className, text: el.innerText || '',
                inNav: !!el.closest('aside .navbar-nav'), width: box.width, height: box.height};
    }"""))


def test_tab_reaches_the_skip_link_first_and_then_the_main_navigation(admin_page):
    page = admin_page
    page.goto("/")

    page.keyboard.press("Tab")
    first = _focused(page)
    assert "sp-skip" in first["cls"], first
    assert first["width"] > 10 and first["height"] > 10, "the skip link stays invisible on focus"

    seen = []
    for _ in range(15):
        page.keyboard.press("Tab")
        seen.append(_focused(page))
        if seen[-1]["inNav"]:
            break
    assert seen[-1]["inNav"], [s["text"] for s in seen]

    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "sp-main"


def test_the_login_form_can_be_completed_with_the_keyboard_only(page, server):
    page.goto("/login")
    assert _focused(page)["id"] == "login-username", "the username field has no autofocus"

    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "login-password"
    page.keyboard.type(server.admin_password)
    page.keyboard.press("Enter")

    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.locator("h1.page-title")).to_contain_text("系统管理员")


# ------------------------------------------------------------------ screenshots


def _open_user(page: Any) -> None:
    page.goto("/admin/users")
    page.locator("#kit-user-table").get_by_role("link", name="张伟").click()
    expect(page.locator("h1")).to_contain_text("张伟")


def _open_role(page: Any) -> None:
    page.goto("/admin/roles")
    page.locator("#kit-role-table").get_by_role("link", name="staff", exact=True).click()
    expect(page.locator("table.sp-matrix").first).to_be_visible()


def _open_notes(page: Any) -> None:
    page.goto("/")
    page.locator("aside a.nav-link[href='/notes/']").click()  # the menu, not a typed URL
    expect(page.locator("#sp-main")).to_contain_text("季度销售计划")


def _goto(path: str, text: str | None = None, *, selector: str = "h1") -> Callable[[Any], None]:
    def go(page: Any) -> None:
        page.goto(path)
        expect(page.locator("#sp-main " + selector).first).to_be_visible()
        if text:
            expect(page.locator("#sp-main")).to_contain_text(text)
    return go


def _open_timeline(page: Any) -> None:
    page.goto("/admin/users")
    page.locator("#kit-user-table").get_by_role("link", name="李娜").click()
    expect(page.locator("#panel-activity-timeline")).to_contain_text("熟悉华北区客户名单")


PAGES: dict[str, tuple[Callable[[Any], None], bool]] = {  # name: (open it, full page)
    "workbench-standard": (_goto("/", "系统管理员"), False),  # workbench.png: test_dashboard_browser
    "users": (_goto("/admin/users", "张伟"), False),
    "user-detail": (_open_user, True),
    "role-detail": (_open_role, True),
    "plugins": (_goto("/admin/plugins", "notes"), False),
    "profile": (_goto("/profile", selector="input[type=password]"), True),
    "notes": (_open_notes, False),
    "activity-timeline": (_open_timeline, True),
    "activity-tasks": (_goto("/activity/tasks", selector="h1"), False),
}


def test_screenshot_of_the_login_page(page):
    page.goto("/login")
    assert html_lang(page) == "zh-CN"
    shoot(page, "login", full_page=False)


@pytest.mark.parametrize("name", list(PAGES))
def test_screenshot_of_a_main_page_in_chinese(admin_page, name):
    open_page, full_page = PAGES[name]
    open_page(admin_page)
    assert html_lang(admin_page) == "zh-CN"
    shoot(admin_page, name, full_page=False, tall=full_page)


def test_screenshot_of_the_user_list_in_english(admin_page):
    page = admin_page
    page.goto("/admin/users")
    try:
        switch_language(page, "English", "en")
        expect(page.get_by_role("heading", name="Users")).to_be_visible()
        shoot(page, "users-en", full_page=False)
    finally:
        switch_language(page, "简体中文", "zh-CN")


def test_screenshot_of_the_user_list_on_a_phone(new_page, login):
    page = new_page(viewport=PHONE)
    login(page)
    page.goto("/admin/users")
    expect(page.locator("#kit-user-table")).to_contain_text("张伟")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    shoot(page, "users-phone", tall=True)
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"

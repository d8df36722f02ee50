"""Two languages everywhere: complete Chinese catalogs, per-user language,
locale-aware dates, numbers and money."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from core import messages
from core.i18n import Translator
from core.models import User

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PLUGIN = ROOT / "tests" / "example_plugin" / "suanpan_notes"


PLUGIN_DOMAINS = [*messages.plugin_domains(), messages.plugin_domain(EXAMPLE_PLUGIN)]


def _report(problems: list[tuple[str, str]]) -> str:
    return "\n".join(f"  {reason}: {msgid!r}" for msgid, reason in problems)


# ------------------------------------------------------------------ catalogs complete


def test_kernel_catalog_translates_every_message_id_into_chinese():
    # given every id marked in core/ and the default theme's templates
    domain = messages.kernel_domain()
    # then the zh_CN catalog has a confirmed translation with the same placeholders
    problems = messages.problems(domain, "zh_CN")
    assert not problems, (
        f"{len(problems)} kernel message ids lack a good zh_CN translation "
        f"(run `make messages`, then translate):\n{_report(problems)}"
    )


@pytest.mark.parametrize("domain", PLUGIN_DOMAINS, ids=lambda d: d.name)
def test_plugin_catalog_translates_every_message_id_into_chinese(domain):
    problems = messages.problems(domain, "zh_CN")
    assert not problems, (
        f"{len(problems)} message ids of plugin {domain.name} lack a good zh_CN translation "
        f"(run `make messages`, then translate):\n{_report(problems)}"
    )


def test_one_message_id_reads_the_same_in_every_catalog():
    """The catalogs of the kernel and the plugins merge into one table: an id
    that two of them translate differently would show one plugin's words on
    another's page (a button "取消" turning into "作废")."""
    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for domain in [messages.kernel_domain(), *PLUGIN_DOMAINS]:
        catalog = messages.read_catalog(domain.po_path("zh_CN"), "zh_CN")
        assert catalog is not None, domain.name
        for message in catalog:
            if not message.id or not message.string:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            text = message.string if isinstance(message.string, str) else tuple(message.string)
            first = seen.setdefault(key, (domain.name, text))
            if first[1] != text:
                clashes.append(f"{key!r}: {first[0]} says {first[1]!r}, {domain.name} says {text!r}")
    assert not clashes, "\n".join(clashes)


def test_extraction_finds_ids_in_code_templates_and_error_answers():
    # when the kernel's ids are extracted
    ids = messages.message_ids(messages.kernel_domain())
    # then they come from N_ declarations, ctx._ calls, error_response's message,
    # templates with named placeholders, plural templates and the theme
    assert "Workbench" in ids  # N_ in core/admin/hooks.py
    assert "Wrong username or password." in ids  # ctx._ in a route
    assert "You do not have permission to do this." in ids  # error_response in core/web.py
    assert "Good day, {name}" in ids  # _("...", name=...) in a template
    assert ids["{n} record"].id == ("{n} record", "{n} records")  # ngettext
    assert "Log out" in ids  # themes/default/templates/base.html


def test_completeness_check_reports_missing_fuzzy_and_wrong_placeholders(tmp_path):
    # given a plugin whose catalog misses one id, guesses one and breaks a placeholder
    plugin = tmp_path / "shop"
    (plugin / "templates" / "shop").mkdir(parents=True)
    (plugin / "__init__.py").write_text('name = "shop"\n')
    (plugin / "hooks.py").write_text(
        'from core import N_\nLABELS = [N_("Order"), N_("Invoice"), N_("Hello {name}")]\n')
    (plugin / "templates" / "shop" / "list.html").write_text(
        '{{ ngettext("{n} order", "{n} orders", n) }} {{ _("Paid") }}\n')
    domain = messages.plugin_domain(plugin)
    po = domain.po_path("zh_CN")
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "Order"\nmsgstr "订单"\n\n'
        '#, fuzzy\nmsgid "Invoice"\nmsgstr "发票"\n\n'
        'msgid "Hello {name}"\nmsgstr "您好 {nom}"\n\n'
        'msgid "{n} order"\nmsgid_plural "{n} orders"\nmsgstr[0] "{n} 个订单"\n',
        encoding="utf-8",
    )
    # when the catalog is checked
    found = dict(messages.problems(domain, "zh_CN"))
    # then each fault is named, and the good entries pass
    assert found.keys() == {"Invoice", "Hello {name}", "Paid"}
    assert found["Invoice"] == "fuzzy"
    assert found["Paid"] == "missing"
    assert "{nom}" in found["Hello {name}"]


def test_update_keeps_translations_adds_new_ids_and_retires_removed_ones(tmp_path):
    # given a translated catalog and code that dropped one id and added another
    plugin = tmp_path / "shop"
    plugin.mkdir()
    (plugin / "__init__.py").write_text('name = "shop"\n')
    (plugin / "hooks.py").write_text('from core import N_\nLABELS = [N_("Order"), N_("Refund")]\n')
    domain = messages.plugin_domain(plugin)
    po = domain.po_path("zh_CN")
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n\n'
        'msgid "Order"\nmsgstr "订单"\n\n'
        'msgid "Shipment"\nmsgstr "发货单"\n',
        encoding="utf-8",
    )
    # when the catalog is updated
    assert messages.update(domain, "zh_CN") is True
    # then the translation stays, the new id waits for one, the old id is obsolete
    catalog = messages.read_catalog(po, "zh_CN")
    assert catalog["Order"].string == "订单"
    assert catalog["Refund"].string == ""
    assert catalog.get("Shipment") is None
    assert "Shipment" in catalog.obsolete
    # and running it again changes nothing
    assert messages.update(domain, "zh_CN") is False


# ------------------------------------------------------------------ pages in the user's language


def test_pages_are_in_chinese_by_default(client, admin):
    # when an administrator opens the user list without choosing a language
    page = client.get("/admin/users").text
    # then menu, headings and buttons are Chinese
    assert "工作台" in page and "组织机构" in page and "退出登录" in page and "新建" in page
    assert "Log out" not in page and "Workbench" not in page


def test_switching_to_english_shows_english_pages(client, admin):
    # when the administrator switches to English
    response = client.submit("/locale", {"locale": "en"}, follow_redirects=False)
    assert response.status_code == 303
    # then the pages are English
    page = client.get("/admin/users").text
    assert "Workbench" in page and "Organisations" in page and "Log out" in page
    assert "Username" in page and "New" in page
    assert "退出登录" not in page and "工作台" not in page


def test_switching_back_to_chinese_shows_chinese_again(client, admin):
    client.submit("/locale", {"locale": "en"})
    client.submit("/locale", {"locale": "zh_CN"})
    page = client.get("/").text
    assert "退出登录" in page and "Log out" not in page


def test_a_users_saved_language_wins_over_the_browser_cookie(make, kernel, new_client):
    # given a user who chose English in one browser
    make.user(username="lina")
    office = new_client()
    office.login("lina")
    office.submit("/locale", {"locale": "en"})
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(User.locale).where(User.username == "lina")) == "en"
    # and another browser set to Chinese before logging in
    home = new_client()
    home.submit("/locale", {"locale": "zh_CN"})
    assert "登录" in home.get("/login").text
    # when the user logs in there
    home.login("lina")
    # then the saved language wins
    page = home.get("/").text
    assert "Log out" in page and "退出登录" not in page


def test_login_page_follows_the_browsers_language_before_anyone_logs_in(client):
    assert "登录您的账号" in client.get("/login").text
    english = client.get("/login", headers={"accept-language": "en-US,en;q=0.9"}).text
    assert "Log in to your account" in english and "登录您的账号" not in english


def test_error_pages_and_field_errors_speak_the_users_language(client, admin):
    # when a record that does not exist is opened
    missing = client.get("/admin/users/999999")
    # then the error page says so in Chinese
    assert missing.status_code == 404
    assert "未找到相关内容。" in missing.text
    # when a required field is left empty
    response = client.submit("/admin/orgs", {"code": "", "name": "", "active": "1"})
    # then the message names the field in Chinese
    assert response.status_code == 422
    assert "编码为必填项。" in response.text


def test_unknown_language_is_refused(client, admin):
    response = client.submit("/locale", {"locale": "xx"})
    assert response.status_code == 422


# ------------------------------------------------------------------ formatting by locale


def test_money_is_formatted_the_way_each_locale_writes_it():
    zh, en = Translator("zh_CN", {}), Translator("en", {})
    assert zh.money(Decimal("1234.5")) == "¥1,234.50"
    assert en.money(Decimal("1234.5")) == "CN¥1,234.50"
    assert zh.money(Decimal("-1234.5")) == "-¥1,234.50"
    assert zh.money(Decimal("99"), "USD") == "US$99.00"
    assert en.money(Decimal("99"), "USD") == "$99.00"
    assert zh.money(None) == ""


def test_numbers_are_grouped_by_locale():
    assert Translator("zh_CN", {}).number(Decimal("1234567.891")) == "1,234,567.891"
    assert Translator("en", {}).number(1234567) == "1,234,567"
    assert Translator("en", {}).number(None) == ""


def test_dates_are_written_the_way_each_locale_writes_them():
    zh, en = Translator("zh_CN", {}), Translator("en", {})
    assert zh.date(date(2026, 3, 5)) == "2026年3月5日"
    assert en.date(date(2026, 3, 5)) == "Mar 5, 2026"
    assert zh.date(date(2026, 3, 5), "short") == "2026/3/5"
    assert en.date(None) == ""


def test_times_are_shown_in_china_standard_time():
    # given 16:30 UTC, which is already the next morning in Beijing
    moment = datetime(2026, 3, 5, 16, 30, tzinfo=UTC)
    zh, en = Translator("zh_CN", {}), Translator("en", {})
    assert zh.datetime(moment, "short") == "2026/3/6 00:30"
    assert en.datetime(moment, "short") == "3/6/26, 12:30\u202fAM"
    assert zh.date(moment) == "2026年3月6日"


def test_ngettext_picks_singular_or_plural_in_english():
    en = Translator("en", {})
    assert en.ngettext("{n} record", "{n} records", 1) == "1 record"
    assert en.ngettext("{n} record", "{n} records", 0) == "0 records"
    assert en.ngettext("{n} record", "{n} records", 2) == "2 records"


def test_chinese_uses_one_form_for_every_count(kernel):
    zh = kernel.catalogs.translator("zh_CN")
    assert zh.ngettext("{n} record", "{n} records", 1) == "共 1 条记录"
    assert zh.ngettext("{n} record", "{n} records", 5) == "共 5 条记录"


def test_translations_fill_in_named_placeholders(kernel):
    zh, en = kernel.catalogs.translator("zh_CN"), kernel.catalogs.translator("en")
    assert zh.gettext("{label} is required.", label="编码") == "编码为必填项。"
    assert en.gettext("{label} is required.", label="Code") == "Code is required."
    assert zh.gettext("A string nobody translated") == "A string nobody translated"

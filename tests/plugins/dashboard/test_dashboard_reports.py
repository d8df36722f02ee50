"""Reports in the browser: the builder's grouped table with subtotals and
its pivot, the records behind a number, charts, the Excel export, saved
reports shared with roles (run with the reader's permissions) and the
refusals, all on generated claims checked against SQL."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlencode

from dashboard_support import SVG, add_claims, claim, count, expense_model, generate, role_of, sheet_rows, svgs
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.models import FieldRule, User

BASE = "/dashboard/reports/new"


def url(path: str = BASE, **params: object) -> str:
    pairs = [(k.replace("__", "."), v) for k, value in params.items()
             for v in (value if isinstance(value, list | tuple) else [value])]
    return f"{path}?{urlencode(pairs)}"


def sql_totals(kernel, *where) -> dict[tuple, tuple[int, Decimal]]:
    """(owner, category) -> (claims, amount), straight from the table."""
    expense = expense_model()
    with kernel.db.session(write=False) as db:
        stmt = (select(expense.owner_id, expense.category, func.count(), func.sum(expense.amount))
                .where(expense.deleted_at.is_(None), *where).group_by(expense.owner_id, expense.category))
        return {(o, c): (n, Decimal(a).quantize(Decimal("0.01"))) for o, c, n, a in db.execute(stmt)}


def numbers(rows: list[list]) -> dict[tuple, tuple]:
    """Group lines of an exported grouped table: (owner label, category label) -> values."""
    out, owner = {}, None
    for row in rows:
        if row[0] and not str(row[0]).startswith(("小计", "合计")):
            owner = row[0]
        if row[1] and owner and not str(row[0] or "").startswith(("小计", "合计")):
            out[(owner, row[1])] = tuple(row[2:])
    return out


# ------------------------------------------------------------------ the numbers


def test_a_grouped_report_with_subtotals_equals_sql_and_exports_the_same_numbers(client, office, kernel):
    # given 300 claims of three head-office people and 60 of the east branch
    people = [office["lina"], office["wang"], office["zhang"]]
    generate(kernel, people, 300)
    generate(kernel, [office["chen"]], 60, seed=9)
    # when the boss groups them by owner and category
    client.login("boss")
    page = client.get(url(dataset="notes.expenses", row=["owner_id", "category"], measure=["claims", "amount"]))
    assert page.status_code == 200
    # then each owner has a subtotal line and the report a total
    text = page.text
    assert all(f"小计：{p.display_name}" in text for p in people) and "合计" in text
    assert "陈杰" not in text  # another organisation's claims never count
    # and the Excel export holds exactly the numbers SQL gives for head office
    export = client.get(url("/dashboard/reports/export", dataset="notes.expenses", row=["owner_id", "category"],
                            measure=["claims", "amount"], name="各人各类报销"))
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(export.content)
    assert rows[0] == ["各人各类报销"] + [None] * (len(rows[0]) - 1)
    assert ["负责人", "类别", "报销单数", "金额"] in rows
    expected = sql_totals(kernel, expense_model().org_id == office["hq"].id)
    labels = {"travel": "差旅", "meals": "餐费", "equipment": "设备"}
    names = {p.id: p.display_name for p in people}
    got = numbers(rows[rows.index(["负责人", "类别", "报销单数", "金额"]) + 1:])
    assert {k: (n, Decimal(str(a)).quantize(Decimal("0.01"))) for k, (n, a) in got.items()} == {
        (names[o], labels[c]): v for (o, c), v in expected.items()}
    # numbers are numbers, with their formats
    total = next(r for r in rows if r[0] == "合计")
    assert total[2] == sum(n for n, _ in expected.values()) and isinstance(total[2], int)
    assert Decimal(str(total[3])).quantize(Decimal("0.01")) == sum(a for _, a in expected.values())


def test_a_pivot_puts_months_across_with_totals_both_ways(client, office, kernel):
    add_claims(kernel, [
        claim(office["lina"], amount="100.00", at=_at(1, 10)), claim(office["lina"], amount="50.50", at=_at(2, 3)),
        claim(office["wang"], amount="20.00", at=_at(2, 4)), claim(office["wang"], amount="7.25", at=_at(2, 5)),
    ])
    client.login("boss")
    export = client.get(url("/dashboard/reports/export", dataset="notes.expenses", row="owner_id",
                            col="created_at:month", measure="amount"))
    rows = sheet_rows(export.content)
    header = rows.index(["负责人", "金额", "金额", "金额"])
    assert rows[header - 1] == [None, "2026-01", "2026-02", "合计"]
    body = {r[0]: r[1:] for r in rows[header + 1:]}
    assert body["李娜"] == [100, 50.5, 150.5]
    assert body["王芳"] == [None, 27.25, 27.25]
    assert body["合计"] == [100, 77.75, 177.75]


def _at(month: int, day: int):
    from datetime import UTC, datetime

    return datetime(2026, month, day, 4, tzinfo=UTC)


def test_a_readers_own_scope_counts_only_their_claims(client, office, kernel):
    generate(kernel, [office["lina"], office["wang"]], 80)
    client.login("lina")
    rows = sheet_rows(client.get(url("/dashboard/reports/export", dataset="notes.expenses", row="owner_id",
                                     measure=["claims", "amount"])).content)
    expected = sql_totals(kernel, expense_model().owner_id == office["lina"].id)
    total = next(r for r in rows if r[0] == "合计")
    assert total[1] == sum(n for n, _ in expected.values())
    shown = ("李娜", "王芳", f"#{office['lina'].id}", f"#{office['wang'].id}")
    assert [r[0] for r in rows if r[0] in shown] == [f"#{office['lina'].id}"]  # she may not read users: ids


# ------------------------------------------------------------------ drill-down


def test_every_number_links_to_exactly_the_records_behind_it(client, office, kernel):
    generate(kernel, [office["lina"], office["wang"], office["zhang"]], 200)
    expense = expense_model()
    client.login("boss")
    page = client.get(url(dataset="notes.expenses", row="owner_id", col="category", measure="claims",
                          f__state=["paid", "approved"])).text
    # the link of lina's meals
    links = re.findall(r'class="sp-drill" href="([^"]+)"', page)
    cell = next(h.replace("&amp;", "&") for h in links
                if f"k.owner_id={office['lina'].id}" in h and "k.category=meals" in h)
    with kernel.db.session(write=False) as db:
        expected = sorted(db.scalars(select(expense.title).where(
            expense.owner_id == office["lina"].id, expense.category == "meals",
            expense.state.in_(["paid", "approved"]), expense.deleted_at.is_(None))))
    titles: list[str] = []
    while cell:
        shown = client.get(cell)
        assert shown.status_code == 200
        titles += re.findall(r">(报销\d{3})<", shown.text)
        more = re.search(r'href="(/dashboard/reports/records\?[^"]+after=\d+)"', shown.text)
        cell = more.group(1).replace("&amp;", "&") if more else None
    assert sorted(titles) == expected and len(expected) > 0
    # and each links to the claim's own page
    assert re.search(r'href="/notes/expenses/\d+"', shown.text)


def test_the_drill_down_pages_fifty_records_at_a_time(client, office, kernel):
    add_claims(kernel, [claim(office["lina"], title=f"报销{i:03d}") for i in range(120)])
    client.login("lina")
    first = client.get(url("/dashboard/reports/records", dataset="notes.expenses", row="owner_id",
                           **{"k.owner_id": office["lina"].id}))
    assert len(re.findall(r">报销\d{3}<", first.text)) == 50
    nxt = re.search(r'href="(/dashboard/reports/records\?[^"]+)"', first.text).group(1).replace("&amp;", "&")
    second = client.get(nxt)
    third = client.get(re.search(r'href="(/dashboard/reports/records\?[^"]+)"', second.text).group(1)
                       .replace("&amp;", "&"))
    assert len(re.findall(r">报销\d{3}<", third.text)) == 20
    assert "下一页" not in third.text


# ------------------------------------------------------------------ charts


def test_charts_are_valid_svg_with_one_bar_per_group_and_one_slice_per_key(client, office, kernel):
    generate(kernel, [office["lina"], office["wang"], office["zhang"]], 90)
    client.login("boss")
    bar = svgs(client.get(url(dataset="notes.expenses", row="owner_id", measure="amount", chart="bar")).text)
    assert len(bar) == 1 and count(bar[0], "sp-bar") == 3
    assert bar[0].get("role") == "img" and bar[0].find(f"{SVG}title").text == "按负责人统计金额"
    assert bar[0].find(f"{SVG}desc").text.startswith("金额: 李娜 ")
    tips = [e.find(f"{SVG}title").text for e in bar[0].iter(f"{SVG}rect") if e.get("class") == "sp-bar"]
    assert sorted(t.split(":")[0] for t in tips) == sorted(["李娜", "王芳", "张伟"])
    grouped = svgs(client.get(url(dataset="notes.expenses", row="owner_id", col="category", measure="claims",
                                  chart="bar")).text)[0]
    assert count(grouped, "sp-bar") == 9 and count(grouped, "sp-legend") == 3
    pie = svgs(client.get(url(dataset="notes.expenses", row="category", measure="claims", chart="pie")).text)[0]
    assert count(pie, "sp-slice") == 3
    line = svgs(client.get(url(dataset="notes.expenses", row="created_at:month", measure="claims",
                               chart="line")).text)[0]
    assert count(line, "sp-point") == 6
    funnel = svgs(client.get(url(dataset="notes.expenses", row="state", measure="claims", chart="funnel")).text)[0]
    assert count(funnel, "sp-stage") == 5
    # stages in the workflow's order
    stages = [e.find(f"{SVG}title").text.split(":")[0] for e in funnel.iter(f"{SVG}rect")
              if e.get("class") == "sp-stage"]
    assert stages == ["草稿", "待审批", "已通过", "已付款", "已取消"]


# ------------------------------------------------------------------ refusals


def test_a_field_hidden_from_the_reader_is_refused_by_name(client, office, kernel):
    generate(kernel, [office["lina"]], 10)
    with kernel.db.session() as db:
        db.add(FieldRule(role_id=role_of(kernel, office["lina"]), model="notes.expense", field="amount",
                         mode="hidden"))
    client.login("lina")
    # the builder does not offer the amount, and names it when asked anyway
    builder = client.get(url(dataset="notes.expenses", row="state"))
    assert 'value="amount"' not in builder.text and 'value="claims"' in builder.text
    asked = client.get(url(dataset="notes.expenses", row="state", measure="amount"))
    assert asked.status_code == 400 and "<code>amount</code>" in asked.text  # a bad request, on the form
    assert "该字段对您隐藏" in asked.text
    refused = client.get(url("/dashboard/reports/export", dataset="notes.expenses", measure="amount"))
    assert refused.status_code == 400 and "amount" in refused.text and "measure" in refused.text


def test_a_dataset_the_reader_may_not_read_is_forbidden(client, office, make):
    make.user(username="clerk", roles=(), grants={"dashboard.report.read": "own"})
    client.login("clerk")
    assert client.get(url(dataset="notes.expenses", row="state")).status_code == 403
    assert "notes.expenses" not in client.get("/dashboard/reports").text


def test_text_that_looks_like_a_formula_is_neutralised_in_the_export(client, office, kernel, make):
    evil = make.user(username="evil", name="=HYPERLINK(\"http://evil\")", roles=(),
                     grants={"notes.expense.read": "own"})
    add_claims(kernel, [claim(evil)])
    client.login("boss")
    with kernel.db.session() as db:  # the boss reads every user of head office
        assert db.get(User, evil.id).org_id == office["hq"].id
    export = client.get(url("/dashboard/reports/export", dataset="notes.expenses", row="owner_id"))
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "'=HYPERLINK(\"http://evil\")" in [c.value for c in cells]
    assert all(c.data_type != "f" for c in cells)


# ------------------------------------------------------------------ saved and shared


def test_a_shared_report_runs_with_the_readers_permissions(client, office, kernel, new_client):
    generate(kernel, [office["lina"], office["wang"], office["zhang"]], 150)
    # given the boss's report, shared with the role wang holds
    client.login("boss")
    saved = client.submit("/dashboard/reports", {"name": "各人报销", "dataset": "notes.expenses",
                                                  "row": "owner_id", "measure": ["claims", "amount"],
                                                  "chart": "bar"}, follow_redirects=False)
    assert saved.status_code == 303
    report = saved.headers["location"]
    shared = client.submit(f"{report}/sharing", {"sharing": "roles", "roles": str(role_of(kernel, office["wang"]))},
                           follow_redirects=False)
    assert shared.status_code == 303
    boss_page = client.get(report).text
    assert "李娜" in boss_page and "张伟" in boss_page
    # when wang opens it
    wang = new_client()
    wang.login("wang")
    page = wang.get(report)
    assert page.status_code == 200 and "各人报销" in page.text
    # then only wang's own claims count, never the author's view
    expense = expense_model()
    with kernel.db.session(write=False) as db:
        mine = db.scalar(select(func.count()).select_from(expense).where(
            expense.owner_id == office["wang"].id, expense.deleted_at.is_(None)))
    rows = sheet_rows(wang.get(url("/dashboard/reports/export", dataset="notes.expenses", row="owner_id",
                                   measure="claims")).content)
    assert next(r for r in rows if r[0] == "合计")[1] == mine
    assert "李娜" not in page.text and "张伟" not in page.text
    assert f"#{office['wang'].id}" in page.text  # wang may not read user records: the id
    assert "各人报销" in wang.get("/dashboard/reports").text
    # and lina, who does not hold that role, cannot open it
    lina = new_client()
    lina.login("lina")
    assert lina.get(report).status_code == 404
    assert "各人报销" not in lina.get("/dashboard/reports").text


def test_sharing_with_the_organisation_and_back_to_private(client, office, kernel, new_client):
    client.login("boss")
    report = client.submit("/dashboard/reports", {"name": "全员报表", "dataset": "notes.expenses", "row": "state"},
                           follow_redirects=False).headers["location"]
    zhang = new_client()
    zhang.login("zhang")
    assert zhang.get(report).status_code == 404
    client.submit(f"{report}/sharing", {"sharing": "org"})
    assert zhang.get(report).status_code == 200
    chen = new_client()
    chen.login("chen")  # another organisation
    assert chen.get(report).status_code == 404
    client.submit(f"{report}/sharing", {"sharing": "private"})
    assert zhang.get(report).status_code == 404


def test_only_the_author_changes_or_deletes_a_saved_report(client, office, kernel, new_client):
    client.login("boss")
    report = client.submit("/dashboard/reports", {"name": "月度报销", "dataset": "notes.expenses",
                                                  "row": "created_at:month"}, follow_redirects=False).headers["location"]
    client.submit(f"{report}/sharing", {"sharing": "org"})
    wang = new_client()
    wang.login("wang")
    assert wang.submit(report, {"name": "改名", "dataset": "notes.expenses"}).status_code == 403
    assert wang.submit(f"{report}/delete").status_code == 403
    assert wang.submit(f"{report}/sharing", {"sharing": "private"}).status_code == 403
    changed = client.submit(report, {"name": "月度报销（按类别）", "dataset": "notes.expenses",
                                     "row": ["created_at:month", "category"]}, follow_redirects=False)
    assert changed.status_code == 303 and "月度报销（按类别）" in client.get(report).text
    assert client.submit(f"{report}/delete", follow_redirects=False).status_code == 303
    assert client.get(report).status_code == 404


def test_saving_refuses_a_missing_name_and_names_it_asks_for(client, office):
    client.login("boss")
    nameless = client.submit("/dashboard/reports", {"name": " ", "dataset": "notes.expenses", "row": "state"})
    assert nameless.status_code == 422 and "name" in nameless.text
    unknown = client.submit("/dashboard/reports", {"name": "x", "dataset": "notes.expenses", "row": "colour"})
    assert unknown.status_code == 422 and "colour" in unknown.text
    deep = client.submit("/dashboard/reports", {"name": "x", "dataset": "notes.expenses",
                                                "row": ["state", "category", "owner_id", "org_id"],
                                                "col": "created_at:year"})
    assert deep.status_code == 422


def test_counts_by_owner_match_per_group_with_many_owners(client, office, kernel):
    """The grouped table's lines agree with SQL for every owner and category,
    read from the page itself."""
    generate(kernel, [office["lina"], office["wang"], office["zhang"]], 120)
    client.login("boss")
    page = client.get(url(dataset="notes.expenses", row="owner_id", col="category", measure="claims")).text
    found: dict[tuple, int] = defaultdict(int)
    for href, text in re.findall(r'class="sp-drill" href="([^"]+)"[^>]*>([\d,]+)<', page):
        href = href.replace("&amp;", "&")
        owner = re.search(r"k\.owner_id=(\d+)", href)
        category = re.search(r"k\.category=(\w+)", href)
        if owner and category:
            found[(int(owner.group(1)), category.group(1))] = int(text.replace(",", ""))
    expected = sql_totals(kernel, expense_model().org_id == office["hq"].id)
    assert dict(found) == {k: n for k, (n, _a) in expected.items()}

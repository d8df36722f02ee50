"""Two users saving the same version of a record: the first wins; the
second gets the form back with what they typed and, field by field, their
value, the value saved now, who saved it and when; saving again applies
their values over the other save, reloading starts from what is saved.

The example plugin's expense claims show the kit's ``Crud``; a throwaway
plugin's own form (not the kit's) gets the same panel on a page of its own;
the last test walks every ``Crud`` of every enabled plugin.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select, update

from core import Ctx, Routes, check_version, get_for, hookimpl
from core.db import Base, UTCDateTime, VersionedMixin
from core.models import FieldRule, Role, RoleAssignment, User
from core.plugins import Manifest


def _expense(kernel: Any, owner: User, **values: Any) -> int:
    from suanpan_notes.models import Expense

    with kernel.db.session() as db:
        record = Expense(org_id=owner.org_id, owner_id=owner.id, title=values.get("title", "差旅报销"),
                         amount=values.get("amount", Decimal("100.00")), category=values.get("category", "travel"))
        db.add(record)
        db.flush()
        return int(record.id)


def _read(kernel: Any, model: type[Base], ident: int) -> Any:
    with kernel.db.session(write=False) as db:
        record = db.get(model, ident)
        db.expunge(record)
        return record


def _rows(html: str) -> dict[str, list[str]]:
    """The conflict panel's rows: field name -> [label, theirs, saved, by, at]."""
    table = re.search(r'<table[^>]*id="kit-conflict-fields".*?</table>', html, re.S)
    assert table, "no conflict table"
    out = {}
    for name, row in re.findall(r'<tr data-field="([^"]+)">(.*?)</tr>', table.group(0), re.S):
        out[name] = [unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                     for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
    return out


def _input(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    assert found, name
    return unescape(found.group(1))


def test_the_second_save_shows_the_difference_keeps_what_was_typed_and_applies_again(
        kernel: Any, make: Any, new_client: Any) -> None:
    from suanpan_notes.models import Expense

    # given two users editing the same expense claim at version 1
    first_user = make.user(username="wang", name="王会计")
    make.user(username="li", name="李出纳")
    ident = _expense(kernel, first_user)
    first, second = new_client(), new_client()
    first.login("wang")
    second.login("li")
    assert 'name="version" value="1"' in second.get(f"/notes/expenses/{ident}/edit").text
    # when the first saves a new title and amount
    saved = first.submit(f"/notes/expenses/{ident}", {"title": "北京差旅报销", "amount": "350.5",
                                                       "category": "travel", "version": "1"},
                         follow_redirects=False)
    assert saved.status_code == 303, saved.text
    # and the second saves their own amount and category over version 1
    stale = second.submit(f"/notes/expenses/{ident}", {"title": "差旅报销", "amount": "120",
                                                        "category": "meals", "version": "1"})
    # then nothing of theirs is written
    assert stale.status_code == 409
    record = _read(kernel, Expense, ident)
    assert (record.title, record.amount, record.category, record.version) == (
        "北京差旅报销", Decimal("350.50"), "travel", 2)
    # and the form comes back with the panel, field by field, in Chinese
    page = stale.text
    assert "有人在您编辑期间保存了此记录" in page
    rows = _rows(page)
    assert set(rows) == {"title", "amount", "category"}
    assert rows["title"][:4] == ["标题", "差旅报销", "北京差旅报销", "王会计"]
    assert rows["amount"][:4] == ["金额", "120", "350.50", "王会计"]
    # the category was last set when the claim was made (by no user: the test's set-up)
    assert rows["category"][:4] == ["类别", "餐费", "差旅", "—"]
    assert all(re.search(r"\d{1,2}:\d{2}", row[4]) for row in rows.values()), rows
    # what they typed is still in the inputs, and the form now carries version 2
    assert _input(page, "amount") == "120"
    assert re.search(r'<option value="meals"\s+selected', page)
    assert _input(page, "version") == "2"
    assert f'href="/notes/expenses/{ident}/edit"' in page  # reload
    # when they apply their values again, from the form as it came back
    again = second.submit(f"/notes/expenses/{ident}", {"title": "差旅报销", "amount": "120",
                                                        "category": "meals", "version": _input(page, "version")},
                          follow_redirects=False)
    # then their values win over version 2
    assert again.status_code == 303, again.text
    record = _read(kernel, Expense, ident)
    assert (record.title, record.amount, record.category, record.version) == (
        "差旅报销", Decimal("120.00"), "meals", 3)


def test_the_panel_reads_in_english_and_lists_only_what_differs(
        kernel: Any, make: Any, new_client: Any) -> None:
    owner = make.user(username="wang", name="王会计")
    make.user(username="amy", name="Amy")
    ident = _expense(kernel, owner)
    first, second = new_client(), new_client()
    first.login("wang")
    second.login("amy")
    second.cookies.set("suanpan_locale", "en")
    first.submit(f"/notes/expenses/{ident}", {"title": "差旅报销", "amount": "100.00", "category": "equipment",
                                               "version": "1"}, follow_redirects=False)
    # the same title and amount (written differently: 100 and 100.00) are no difference
    stale = second.submit(f"/notes/expenses/{ident}", {"title": " 差旅报销 ", "amount": "100",
                                                        "category": "meals", "version": "1"})
    assert stale.status_code == 409
    assert "Someone else saved this record while you were editing it." in stale.text
    assert "Your value" in stale.text and "Value saved now" in stale.text and "Saved by" in stale.text
    rows = _rows(stale.text)
    assert list(rows) == ["category"]
    assert rows["category"][:4] == ["Category", "Meals", "Equipment", "王会计"]


def test_a_hidden_field_is_never_shown_in_the_panel(kernel: Any, make: Any, new_client: Any) -> None:
    # given a role that may edit expense claims but not see their amount
    owner = make.user(username="wang", name="王会计")
    clerk = make.user(username="zhao", name="赵文员", roles=(), grants={
        "notes.expense.read": "org", "notes.expense.update": "org"})
    with kernel.db.session() as db:
        role_id = db.scalar(select(RoleAssignment.role_id).join(Role).where(
            RoleAssignment.user_id == clerk.id))
        db.add(FieldRule(role_id=role_id, model="notes.expense", field="amount", mode="hidden"))
    ident = _expense(kernel, owner, amount=Decimal("8888.00"))
    first, second = new_client(), new_client()
    first.login("wang")
    second.login("zhao")
    first.submit(f"/notes/expenses/{ident}", {"title": "改过", "amount": "9999.00", "category": "travel",
                                               "version": "1"}, follow_redirects=False)
    stale = second.submit(f"/notes/expenses/{ident}", {"title": "另改", "amount": "1", "category": "travel",
                                                        "version": "1"})
    assert stale.status_code == 409
    assert list(_rows(stale.text)) == ["title"]
    assert "9999" not in stale.text and "8888" not in stale.text


# ------------------------------------------------------------------ a form that is not the kit's


def rename(ctx: Ctx) -> Any:
    """A page of its own renaming an expense claim, with the kit's version check."""
    from suanpan_notes.models import Expense

    record = get_for(ctx.db, ctx.user, Expense, ctx.params["id"], "update")
    check_version(record, ctx.form.get("version"))
    record.title = ctx.field("title")
    return ctx.redirect("notes:expense_detail", id=record.id)


@pytest.fixture
def renamer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Manifest, ModuleType]:
    """A throwaway plugin serving :func:`rename` at ``/rename/{id}``."""
    routes = Routes(prefix="/rename")
    routes.post("/{id:int}", name="rename", permission="notes.expense.update")(rename)
    module = ModuleType("suanpan_test_renamer")
    module.__path__ = []  # a package without submodules
    monkeypatch.setitem(sys.modules, module.__name__, module)
    module.register_routes = hookimpl(lambda: routes)  # type: ignore[attr-defined]
    return Manifest(name="renamer", module=module.__name__, path=tmp_path, depends=("notes",)), module


def test_a_form_of_its_own_gets_the_panel_on_a_page_that_sends_it_again(
        kernel: Any, make: Any, start: Any, browser: Any, renamer: Any) -> None:
    from suanpan_notes.models import Expense

    owner = make.user(username="wang", name="王会计")
    make.user(username="li", name="李出纳")
    ident = _expense(kernel, owner)
    other = start(renamer)
    first, second = browser(other), browser(other)
    first.login("wang")
    second.login("li")
    assert first.submit(f"/rename/{ident}", {"title": "甲", "version": "1"},
                        follow_redirects=False).status_code == 303
    stale = second.submit(f"/rename/{ident}", {"title": "乙", "version": "1"},
                          headers={"Referer": f"http://testserver/notes/expenses/{ident}"})
    assert stale.status_code == 409
    assert _rows(stale.text)["title"][:4] == ["标题", "乙", "甲", "王会计"]
    form = re.search(r'<form[^>]*id="kit-conflict-form"[^>]*>', stale.text)
    assert form and f'action="/rename/{ident}"' in form.group(0)
    assert _input(stale.text, "title") == "乙" and _input(stale.text, "version") == "2"
    assert f'href="/notes/expenses/{ident}"' in stale.text  # back where the form was
    # sending it again from the page applies it
    again = second.submit(f"/rename/{ident}", {"title": _input(stale.text, "title"),
                                               "version": _input(stale.text, "version")}, follow_redirects=False)
    assert again.status_code == 303
    assert _read(other, Expense, ident).title == "乙"


# ------------------------------------------------------------------ every kit form


def test_every_kit_form_refuses_a_stale_save_with_the_panel_and_writes_nothing(
        kernel: Any, make: Any, client: Any, admin: Any) -> None:
    """Every ``Crud`` of every enabled plugin whose model is versioned: a save
    of an older version answers 409 with the conflict panel, and the record
    keeps its version. Nothing here names a plugin."""
    made = _seed(kernel, make, admin)
    versioned = {key: (mount, crud) for key, (mount, crud) in kernel.registry.cruds.items()
                 if issubclass(crud.model, VersionedMixin)}
    # the kernel's own, the example plugin's and the in-repo plugins' forms, each with a record
    assert {"notes.expense", "core.department", "sales.contract"} <= set(versioned) <= set(made), (
        set(versioned) - set(made))
    for key, (mount, crud) in sorted(versioned.items()):
        ident = made[key]
        with kernel.db.session() as db:  # a version 2, so that 1 is stale
            db.execute(update(crud.model).where(crud.model.id == ident).values(version=2))
        path = kernel.url_path_for(f"{mount}:{crud.noun}_update", id=ident)
        answer = client.submit(path, {"version": "1"})
        assert answer.status_code == 409, (key, answer.status_code, answer.text[:300])
        assert 'id="kit-conflict"' in answer.text, key
        assert _read(kernel, crud.model, ident).version == 2, key


def _seed(kernel: Any, make: Any, admin: User) -> dict[str, int]:
    """A record of every registered model of the administrator's organisation
    (required columns filled, required links to records made before it)."""
    made: dict[str, int] = {"core.org": admin.org_id, "core.user": admin.id}
    made["core.department"] = make.department(make.hq(), "冲突部").id
    with kernel.db.session() as db:
        for key, model in kernel.registry.models.items():
            if key in made:
                continue
            values = _required(model, admin, made)
            if values is None:
                continue
            record = model(**values)
            db.add(record)
            db.flush()
            if hasattr(record, "id"):
                made[key] = record.id
    return made


def _required(model: Any, admin: User, made: dict[str, int]) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for column in model.__table__.columns:
        if column.primary_key and not column.foreign_keys or column.default is not None or column.nullable:
            continue
        if column.name in ("org_id", "owner_id"):
            values[column.name] = admin.org_id if column.name == "org_id" else admin.id
        elif column.foreign_keys:
            target = next(iter(column.foreign_keys)).column.table.name.replace("_", ".", 1)
            if target not in made:
                return None
            values[column.name] = made[target]
        elif column.type.python_type is str:
            values[column.name] = "冲突"[: getattr(column.type, "length", None) or 2]
        elif column.type.python_type in (int, Decimal):
            values[column.name] = 1
        elif isinstance(column.type, UTCDateTime):
            values[column.name] = datetime.now(UTC)
        elif column.type.python_type is date:
            values[column.name] = date.today()
        elif column.type.python_type is bytes:
            values[column.name] = b"x"
    if hasattr(model, "owner_id"):
        values.setdefault("owner_id", admin.id)
    return values

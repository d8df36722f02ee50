"""Administrators edit a document type's template in the browser: every
save is a new version, the newest prints, any older version or the plugin's
default can be used again (as a new version), and only an installation-wide
grant edits templates."""

from __future__ import annotations

from printing_support import pdf_text, squash
from sqlalchemy import select

from plugins.printing.models import PrintTemplate

EDITOR = "/printing/templates/notes.expense"


def titled(title: str) -> str:
    return ('{% extends "print/layout.html" %}\n{% block title %}' + title +
            '{% endblock %}\n{% block content %}<p>{{ doc.title }}</p>{% endblock %}\n')


def printed_title(client, claim: int) -> str:
    """The claim's print, as text without spaces (the title is letter-spaced)."""
    return squash(pdf_text(client.get(f"/printing/documents/notes.expense/{claim}").content))


def saved(kernel) -> list[tuple[int, str, int | None]]:
    with kernel.db.session(write=False) as db:
        rows = db.execute(select(PrintTemplate.number, PrintTemplate.source, PrintTemplate.reverted_from)
                          .where(PrintTemplate.doc_key == "notes.expense").order_by(PrintTemplate.number))
        return [(n, src, rev) for n, src, rev in rows]


def save(client, claim: int, source: str, comment: str = "") -> None:
    response = client.submit(EDITOR, {"source": source, "record": str(claim), "lang": "zh_CN",
                                      "comment": comment}, follow_redirects=False)
    assert response.status_code == 303, response.text


def test_register_print_templates_declares_the_expense_claim(kernel):
    decl = kernel.registry.prints["notes.expense"]
    assert decl.template == "notes/print/expense.html" and decl.keep_issued


def test_every_registered_print_template_compiles_in_the_sandbox(kernel):
    from plugins.printing.engine import printer_for

    printer = printer_for(kernel)
    for decl in kernel.registry.prints.values():
        printer.sandbox.compile(printer.default_source(decl))


def test_every_save_is_a_new_version_and_the_newest_prints(kernel, client, admin, hq, expense):
    claim = expense(admin, title="深圳展会差旅")
    # the plugin's default prints until a version is saved
    assert "报销单" in printed_title(client, claim)
    save(client, claim, titled("差旅费报销单（一版）"), "第一版")
    save(client, claim, titled("差旅费报销单（二版）"), "第二版")
    assert [n for n, _src, _rev in saved(kernel)] == [1, 2]
    assert "差旅费报销单（二版）" in printed_title(client, claim)
    page = client.get(EDITOR).text
    assert "第一版" in page and "第二版" in page and "使用中" in page
    assert "差旅费报销单（二版）" in page  # the editor opens on the version in use


def test_any_version_can_be_used_again_as_a_new_version(kernel, client, admin, hq, expense):
    claim = expense(admin)
    save(client, claim, titled("一版"))
    save(client, claim, titled("二版"))
    response = client.submit(f"{EDITOR}/versions/1/revert", follow_redirects=False)
    assert response.status_code == 303
    assert saved(kernel)[-1] == (3, titled("一版"), 1)
    assert "一版" in printed_title(client, claim)
    assert "复制自第 1 版" in client.get(EDITOR).text
    # an older version opens in the editor without being used
    assert "二版" in client.get(f"{EDITOR}?version=2").text
    assert client.get(f"{EDITOR}?version=9").status_code == 404


def test_going_back_to_the_plugins_default_is_a_version_too(kernel, client, admin, hq, expense):
    claim = expense(admin)
    save(client, claim, titled("自定义标题"))
    response = client.submit(f"{EDITOR}/reset", follow_redirects=False)
    assert response.status_code == 303
    assert saved(kernel)[-1] == (2, "", None)
    text = printed_title(client, claim)
    assert "自定义标题" not in text and "报销人" in text
    assert "插件默认" in client.get(EDITOR).text


def test_the_preview_prints_the_unsaved_template_on_the_chosen_record(kernel, client, admin, hq, expense):
    expense(admin, title="第一张")
    second = expense(admin, title="第二张")
    preview = client.submit(f"{EDITOR}/preview", {"source": titled("预览"), "record": str(second), "lang": "en"})
    assert 'src="data:application/pdf;base64,' in preview.text
    assert saved(kernel) == []
    page = client.get(EDITOR).text
    assert f'<option value="{second}" selected>#{second} 第二张</option>' in page


def test_the_preview_record_must_be_one_the_editor_may_read(kernel, client, admin, make, hq, expense):
    other = make.org("广州分公司")
    owner = make.user(org=other, roles=(), username="gz", grants={"notes.expense.read": "own"})
    claim = expense(owner)
    make.user(roles=(), username="designer", grants={"printing.template.update": "all"})
    client.login("designer")
    assert client.submit(f"{EDITOR}/preview", {"source": titled("x"), "record": str(claim)}).status_code == 404


def test_only_an_installation_wide_grant_edits_templates(client, make):
    make.user(roles=(), username="orgadmin", grants={"printing.template.update": "org"})
    make.user(roles=(), username="staff", grants={"notes.expense.read": "org"})
    for username in ("orgadmin", "staff"):
        client.login(username)
        assert client.get("/printing/templates").status_code == 403
        assert client.get(EDITOR).status_code == 403
        assert client.submit(f"{EDITOR}/reset").status_code == 403


def test_the_template_list_names_each_document_type_and_its_version(client, admin, hq, expense):
    claim = expense(admin)
    page = client.get("/printing/templates").text
    assert "notes.expense" in page and "插件默认" in page
    save(client, claim, titled("x"))
    assert "第 1 版" in client.get("/printing/templates").text

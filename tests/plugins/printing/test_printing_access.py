"""Who may print what: a print shows what its reader may see of the record,
never more (field rules, custom fields), and a record outside the reader's
scope does not exist (404), for prints, issued copies and batches alike."""

from __future__ import annotations

from printing_support import pdf_text, squash
from sqlalchemy import select

from core.models import FieldRule, RoleAssignment


def hide(kernel, user, model: str, *fields: str, mode: str = "hidden") -> None:
    """A field rule of the user's role hiding (or masking) ``fields`` of ``model``."""
    with kernel.db.session() as db:
        role_id = db.scalar(select(RoleAssignment.role_id).where(RoleAssignment.user_id == user.id))
        for name in fields:
            db.add(FieldRule(role_id=role_id, model=model, field=name, mode=mode))


READER = {"notes.expense.read": "org", "notes.expense.print": "org"}


def test_a_hidden_field_never_prints(kernel, client, make, hq, expense):
    # given a reader from whom a role hides the amount of expense claims
    reader = make.user(roles=(), username="reader", grants=READER)
    hide(kernel, reader, "notes.expense", "amount")
    claim = expense(reader, title="上海客户答谢晚宴", amount="8888.88", category="meals")
    client.login("reader")
    # when they print the claim, in any language
    for lang in ("zh_CN", "en", "both"):
        response = client.get(f"/printing/documents/notes.expense/{claim}?lang={lang}")
        assert response.status_code == 200, response.text
        text = squash(pdf_text(response.content))
        # then the claim prints, without the amount anywhere: figures, lines, words
        assert "上海客户答谢晚宴" in text
        assert "8,888.88" not in text and "8888.88" not in text and "捌仟" not in text


def test_a_hidden_custom_field_never_prints_but_a_visible_one_does(kernel, client, admin, make, hq, expense):
    # given two custom fields on expense claims, one hidden from the reader
    for zh, en in (("项目编号", "Project code"), ("客户返点", "Customer rebate")):
        response = client.submit("/customfields/models/notes.expense",
                                 {"label_zh": zh, "label_en": en, "kind": "text"}, follow_redirects=False)
        assert response.status_code == 303, response.text
    from plugins.customfields.models import Field

    with kernel.db.session(write=False) as db:
        names = {label: name for label, name in db.execute(select(Field.label_en, Field.name))}
    reader = make.user(roles=(), username="reader", grants=READER)
    hide(kernel, reader, "notes.expense", names["Customer rebate"])
    claim = expense(reader, extra={names["Project code"]: "XM-2026-031", names["Customer rebate"]: "返点 3%"})
    client.login("reader")
    text = squash(pdf_text(client.get(f"/printing/documents/notes.expense/{claim}").content))
    assert "项目编号" in text and "XM-2026-031" in text
    assert "客户返点" not in text and "返点3%" not in text
    # while the administrator sees both
    client.login("root")
    text = squash(pdf_text(client.get(f"/printing/documents/notes.expense/{claim}").content))
    assert "XM-2026-031" in text and "返点3%" in text


def test_a_record_outside_the_readers_scope_is_not_found(kernel, client, make, hq, expense):
    # given a claim of someone else, and readers who may read only their own, or nothing
    owner = make.user(roles=(), username="owner", grants=READER)
    claim = expense(owner)
    make.user(roles=(), username="own", grants={"notes.expense.read": "own"})
    make.user(roles=(), username="nobody", grants={"notes.note.read": "org"})
    other_org = make.org("深圳分公司")
    make.user(org=other_org, roles=(), username="shenzhen", grants=READER)
    for username in ("own", "nobody", "shenzhen"):
        client.login(username)
        # then printing, downloading, issuing and batching it all say: no such record
        assert client.get(f"/printing/documents/notes.expense/{claim}").status_code == 404, username
        assert client.get(f"/printing/documents/notes.expense/{claim}?download=1").status_code == 404
        assert client.submit(f"/printing/documents/notes.expense/{claim}/issue").status_code == 404
        refused = client.submit("/printing/batches", {"key": "notes.expense", "ids": str(claim)})
        assert refused.status_code in (403, 422), username
    client.login("owner")
    assert client.get(f"/printing/documents/notes.expense/{claim}").status_code == 200


def test_an_unknown_document_type_is_not_found(client, admin):
    assert client.get("/printing/documents/notes.nothing/1").status_code == 404
    assert client.get("/printing/documents/notes.expense/999999").status_code == 404


def test_issued_copies_follow_their_record_and_its_field_rules(kernel, client, admin, make, hq, expense):
    # given a claim issued by the administrator (who sees every field)
    claim = expense(admin, amount="1200.00")
    issued = client.submit(f"/printing/documents/notes.expense/{claim}/issue", {"lang": "zh_CN"},
                           follow_redirects=False)
    assert issued.status_code == 303, issued.text
    copy_url = issued.headers["location"]
    # then a reader of the org opens it, a reader from whom the amount is hidden may not,
    # and a user who cannot read the claim finds nothing
    make.user(roles=(), username="reader", grants=READER)
    blind = make.user(roles=(), username="blind", grants=READER)
    hide(kernel, blind, "notes.expense", "amount")
    make.user(roles=(), username="stranger", grants={"notes.expense.read": "own"})
    expected = {"reader": 200, "blind": 403, "stranger": 404}
    for username, status in expected.items():
        client.login(username)
        assert client.get(copy_url).status_code == status, username
        assert client.get(f"{copy_url}/data").status_code == status, username


def test_a_masked_field_prints_masked(kernel, client, make, hq, expense):
    # given a reader for whom a role masks the purpose and the amount of expense claims
    make.user(roles=(), username="reader", grants=READER | {"notes.expense.create": "org"})
    reader = make.user(roles=(), username="masked", grants=READER)
    hide(kernel, reader, "notes.expense", "title", "amount", mode="masked")
    claim = expense(reader, title="上海客户答谢晚宴", amount="8888.88")
    client.login("masked")
    # when they print the claim, then the purpose and the amount print masked, in figures and words
    text = squash(pdf_text(client.get(f"/printing/documents/notes.expense/{claim}").content))
    assert "上***" in text and "上海客户答谢晚宴" not in text
    assert "8,888.88" not in text and "8888.88" not in text and "捌仟" not in text
    # and a copy they issue opens for them, while one issued in clear by a reader who sees it does not
    mine = client.submit(f"/printing/documents/notes.expense/{claim}/issue", {"lang": "zh_CN"},
                         follow_redirects=False).headers["location"]
    assert client.get(mine).status_code == 200
    assert client.get(f"{mine}/data").json()["doc"]["title"] == "上***"
    client.login("reader")
    theirs = client.submit(f"/printing/documents/notes.expense/{claim}/issue", {"lang": "zh_CN"},
                           follow_redirects=False).headers["location"]
    assert client.get(f"{theirs}/data").json()["doc"]["title"] == "上海客户答谢晚宴"
    assert client.get(mine).status_code == 200  # a masked copy is no secret to a reader in clear
    client.login("masked")
    assert client.get(theirs).status_code == 403 and client.get(f"{theirs}/data").status_code == 403

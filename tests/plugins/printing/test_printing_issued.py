"""Issuing is printing *and keeping*: an explicit action that stores the
PDF with the data it showed, listed on the record with who and when. A
plain print keeps nothing. The company seal is stamped on issued copies."""

from __future__ import annotations

from decimal import Decimal

from printing_support import expense_model, pdf_images, pdf_text, png, squash
from sqlalchemy import func, select, update

from plugins.printing.models import IssuedCopy, Letterhead


def copies(kernel) -> list[IssuedCopy]:
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(IssuedCopy).order_by(IssuedCopy.id)))


def issue(client, claim: int, lang: str = "zh_CN"):
    response = client.submit(f"/printing/documents/notes.expense/{claim}/issue", {"lang": lang},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_a_plain_print_keeps_nothing(kernel, client, admin, hq, expense):
    claim = expense(admin)
    assert client.get(f"/printing/documents/notes.expense/{claim}").status_code == 200
    assert copies(kernel) == []


def test_issuing_keeps_the_pdf_with_the_data_as_printed(kernel, client, admin, hq, expense):
    # given a claim
    claim = expense(admin, title="杭州客户培训差旅", amount="2150.00", category="travel")
    # when the administrator issues it
    location = issue(client, claim)
    # then the issued PDF opens, and is kept with the data it shows and who issued it
    shown = client.get(location)
    assert shown.status_code == 200 and shown.headers["content-type"] == "application/pdf"
    [copy] = copies(kernel)
    assert location.endswith(f"/printing/issued/{copy.id}")
    assert copy.pdf == shown.content and copy.size == len(shown.content) and len(copy.sha256) == 64
    assert (copy.doc_key, copy.record_model, copy.record_id, copy.lang) == ("notes.expense", "notes.expense",
                                                                              claim, "zh_CN")
    assert copy.created_by_id == admin.id and copy.template_version is None
    assert copy.data["title"] == "杭州客户培训差旅" and copy.data["amount"] == "2150.00"
    assert copy.data["lines"][0]["item"] == "杭州客户培训差旅"
    # and a later change of the claim changes neither the copy nor its data
    with kernel.db.session() as db:
        db.execute(update(expense_model()).where(expense_model().id == claim)
                   .values(title="改过的事由", amount=Decimal("1.00")))
    assert "杭州客户培训差旅" in squash(pdf_text(client.get(location).content))
    data = client.get(f"{location}/data").json()
    assert data["doc"]["amount"] == "2150.00" and data["sha256"] == copy.sha256
    # and a new print shows the claim as it is now
    assert "改过的事由" in squash(pdf_text(client.get(f"/printing/documents/notes.expense/{claim}").content))


def test_the_record_page_lists_its_issued_copies_with_who_and_when(kernel, client, admin, hq, expense):
    claim = expense(admin)
    issue(client, claim, "both")
    issue(client, claim, "en")
    page = client.get(f"/notes/expenses/{claim}").text
    assert 'id="panel-printing-print"' in page
    assert page.count("/printing/issued/") >= 4  # open and download, of two copies
    assert "管理员" in page and "双语" in page and "英文" in page
    assert f'action="/printing/documents/notes.expense/{claim}/issue"' in page


def test_issuing_needs_the_print_permission_on_the_record(kernel, client, make, hq, expense):
    writer = make.user(roles=("notes.writer",), username="writer")
    claim = expense(writer)
    client.login("writer")
    # a writer reads and prints their own claims, but may not issue them
    assert client.get(f"/printing/documents/notes.expense/{claim}").status_code == 200
    assert client.submit(f"/printing/documents/notes.expense/{claim}/issue").status_code == 403
    assert 'id="printing-issue-notes-expense"' not in client.get(f"/notes/expenses/{claim}").text
    assert copies(kernel) == []


def test_the_seal_is_stamped_on_issued_copies_only(kernel, client, admin, hq, expense):
    # given a letterhead with a logo and a company seal
    with kernel.db.session() as db:
        db.add(Letterhead(org_id=hq.id, logo=png(), logo_type="image/png", seal=png(300, 300, seal=True),
                          seal_type="image/png"))
    claim = expense(admin)
    plain = client.get(f"/printing/documents/notes.expense/{claim}").content
    issued = client.get(issue(client, claim)).content
    # the plain print carries the logo, the issued copy the logo and the seal
    assert (pdf_images(plain), pdf_images(issued)) == (1, 2)


def test_a_purged_record_takes_its_issued_copies_along(kernel, client, admin, hq, expense):
    claim = expense(admin)
    issue(client, claim)
    with kernel.db.session() as db:
        db.delete(db.get(expense_model(), claim))
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(IssuedCopy)) == 0

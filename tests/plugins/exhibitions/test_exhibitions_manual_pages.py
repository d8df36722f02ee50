"""The exhibitor manual's pages: the forms through the kit's form, the
status board with its counts and the "overdue only" filter, one
exhibitor's view where a form (with a certificate file) is recorded done;
another organisation gets 404."""

from __future__ import annotations

from datetime import date

from services_support import on
from sqlalchemy import select

from plugins.activity.models import Attachment
from plugins.exhibitions.models import ManualForm, ManualSubmission


def test_the_board_shows_counts_filters_overdue_and_records_a_form(kernel, client, expo, plan, booth,
                                                                   new_customer):
    farm = new_customer(expo["manager"], "北大荒农垦集团")
    veg = new_customer(expo["manager"], "寿光蔬菜产业集团")
    floor = plan()
    booth(floor, "A101", status="sold", customer_id=farm)
    booth(floor, "A102", x=3, status="sold", customer_id=veg)
    board_url = f"/exhibitions/editions/{expo['edition']}/manual"
    with on(date(2027, 10, 12)):
        client.login("expomanager")
        for code, name, kind, deadline in (("F01", "会刊企业简介", "custom", "2027-10-10"),
                                           ("F06", "保险证明", "insurance", "2027-11-07")):
            made = client.submit("/exhibitions/manual-forms", {
                "edition_id": str(expo["edition"]), "code": code, "name": name, "kind": kind,
                "mandatory": "on", "deadline": deadline, "remind_days": "7"}, follow_redirects=False)
            assert made.status_code == 303, made.text[:1500]
        bad = client.submit("/exhibitions/manual-forms", {
            "edition_id": str(expo["edition"]), "code": "F01", "name": "重复", "kind": "custom",
            "deadline": "2027-10-01"})
        assert bad.status_code == 422 and "本届已有此编号的表格。" in bad.text
        with kernel.db.session(write=False) as db:
            f01, f06 = (db.scalar(select(ManualForm.id).where(ManualForm.code == c)) for c in ("F01", "F06"))

        page = client.get(board_url)
        assert page.status_code == 200 and "北大荒农垦集团" in page.text and "寿光蔬菜产业集团" in page.text
        assert 'data-total="overdue">已逾期 2' in page.text and f'data-counts="{f01}">0 / 2 / 0' in page.text

        client.submit(board_url, {"form_id": str(f01), "customer_id": str(farm), "text": "集团简介"})
        sent = client.submit(board_url, {"form_id": str(f06), "customer_id": str(farm), "text": "平安财险保单"},
                             files={"file": ("保单.pdf", b"%PDF-1.4 policy", "application/pdf")},
                             follow_redirects=True)
        assert sent.status_code == 200 and 'id="exh-manual-record"' in sent.text
        overdue = client.get(f"{board_url}?overdue=1").text
        assert "寿光蔬菜产业集团" in overdue and "北大荒农垦集团" not in overdue
    with kernel.db.session(write=False) as db:
        policy = db.scalar(select(ManualSubmission).where(ManualSubmission.form_id == f06))
        assert policy is not None and policy.data == {"text": "平安财险保单"}
        assert db.scalar(select(Attachment.filename).where(
            Attachment.record_model == "exhibitions.manual_submission", Attachment.record_id == policy.id)) == "保单.pdf"

    client.login("outsider")
    assert client.get(board_url).status_code == 404
    assert client.submit(board_url, {"form_id": str(f01), "customer_id": str(veg)}).status_code == 404
    assert client.get(f"/exhibitions/manual-forms/{f01}").status_code == 404

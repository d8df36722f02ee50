"""The exhibitor manual from the portal: the exhibitor sees the edition's
forms that apply to it with their deadlines and status, sends what a form
asks for (recorded by the manual part: the form is done), is sent to its
badge page for the badge names form, and neither sees nor sends another
exhibitor's content. Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date

import portal_support
from exhibitions_support import actor_of
from portal_support import portal_login
from services_support import on
from sqlalchemy import select

from plugins.exhibitions.models import ManualSubmission
from plugins.exhibitions.services import manual

#: the portal part's fixtures (portal_support.py)
exhibitors, portal = portal_support.exhibitors, portal_support.portal


def test_the_exhibitor_sends_its_forms_in_the_portal(kernel, expo, exhibitors, portal, new_client):
    forms = {}
    with kernel.db.session() as db:
        actor = actor_of(kernel, db, expo["manager"])
        for code, kind, deadline in (("F02", "fascia", date(2027, 10, 30)), ("F03", "badges", date(2027, 10, 20)),
                                     ("F04", "drawings", date(2027, 10, 17)), ("F06", "insurance", date(2027, 9, 1))):
            forms[code] = manual.create_form(db, actor, {
                "edition_id": expo["edition"], "code": code, "name": f"{code} 表格", "name_en": f"Form {code}",
                "kind": kind, "deadline": deadline}).id
    url = f"/exhibitions/portal/editions/{expo['edition']}/manual"
    with on(date(2027, 10, 1)):
        portal_login(portal, "zhao@shouguang.example.cn")
        page = portal.get(url).text
        # the drawings form is not the farm's (no raw space); insurance is overdue, the badge names lead to its page
        assert 'data-form="F02" data-status="due"' in page and 'data-form="F06" data-status="overdue"' in page
        assert 'data-form="F04"' not in page and f"/exhibitions/portal/editions/{expo['edition']}/badges" in page
        empty = portal.submit(f"{url}/{forms['F02']}", {"text": "  "})
        assert empty.status_code == 422 and "is-invalid" in empty.text
        assert portal.submit(f"{url}/{forms['F03']}", {"text": "张三"}).status_code == 409  # follows the badges
        assert portal.submit(f"{url}/{forms['F04']}", {"text": "图纸"}).status_code == 404  # not its form
        sent = portal.submit(f"{url}/{forms['F02']}", {"text": "寿光蔬菜 SHOUGUANG VEG"}, follow_redirects=False)
        assert sent.status_code == 303
        assert 'data-form="F02" data-status="done"' in portal.get(url).text
    with kernel.db.session(write=False) as db:
        made = db.scalar(select(ManualSubmission))
        assert (made.customer_id, made.form_id, made.data) == (exhibitors["farm"], forms["F02"],
                                                               {"text": "寿光蔬菜 SHOUGUANG VEG"})
    rival = new_client()
    with on(date(2027, 10, 1)):
        portal_login(rival, "li@beidahuang.example.cn")
        theirs = rival.get(url).text
        assert 'data-form="F02" data-status="due"' in theirs and "SHOUGUANG VEG" not in theirs

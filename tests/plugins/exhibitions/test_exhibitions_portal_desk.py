"""The on-site desk from the exhibitor portal: the exhibitor opens a
request at its own booth (reported by the account, channel portal; the
desk staff are told), never at another exhibitor's booth, sees its own
requests with their state and resolution, and no other exhibitor's.
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date

import portal_support
from exhibitions_support import actor_of
from portal_support import portal_login
from services_support import on
from sqlalchemy import func, select

from plugins.activity.models import InboxItem
from plugins.exhibitions.models import DeskRequest
from plugins.exhibitions.services import desk

#: the portal part's fixtures (portal_support.py)
exhibitors, portal = portal_support.exhibitors, portal_support.portal

SHOW_DAY = date(2027, 11, 20)


def test_an_exhibitor_asks_the_desk_and_follows_its_request(kernel, expo, exhibitors, portal, new_client, make):
    front = make.user(org=expo["hq"], department=expo["dept"], username="front", name="服务台小赵",
                      roles=("exhibitions.desk",))
    with on(SHOW_DAY):
        portal_login(portal, "zhao@shouguang.example.cn")
        page = portal.get("/exhibitions/portal/requests")
        assert page.status_code == 200 and f'value="{exhibitors["mine"]}"' in page.text
        assert f'value="{exhibitors["theirs"]}"' not in page.text  # another exhibitor's booth is not offered
        # the desk's call: urgent is not the exhibitor's to choose, nor another's booth, nor an empty subject
        for bad, field in (({"priority": "urgent"}, "priority"), ({"booth_id": exhibitors["theirs"]}, "booth_id"),
                           ({"title": ""}, "title")):
            refused = portal.submit("/exhibitions/portal/requests", {
                "booth_id": exhibitors["mine"], "category": "power", "priority": "high", "title": "灯箱不亮",
                **bad})
            assert refused.status_code == 422 and 'is-invalid' in refused.text, field
        with kernel.db.session(write=False) as db:
            assert db.scalar(select(func.count()).select_from(DeskRequest)) == 0
        sent = portal.submit("/exhibitions/portal/requests", {
            "booth_id": exhibitors["mine"], "category": "power", "priority": "high", "title": "灯箱不亮",
            "description": "A101 展位灯箱整排不亮"}, follow_redirects=False)
        assert sent.status_code == 303
    with kernel.db.session(write=False) as db:
        request = db.scalar(select(DeskRequest))
        assert (request.customer_id, request.booth_id, request.channel, request.reported_by, request.priority) == (
            exhibitors["farm"], exhibitors["mine"], "portal", "赵经理", "high")
        told = db.scalars(select(InboxItem.user_id).where(InboxItem.record_id == request.id)).all()
    assert front.id in told  # the desk staff hear of it at once

    # the desk resolves it; the exhibitor reads the resolution, the rival sees nothing of it
    with kernel.db.session() as db:
        desk.resolve(db, actor_of(kernel, db, front), request.id, "更换镇流器，已恢复")
    mine = portal.get("/exhibitions/portal/requests").text
    assert request.number in mine and "更换镇流器，已恢复" in mine and "已解决" in mine
    rival = new_client()
    portal_login(rival, "li@beidahuang.example.cn")
    theirs = rival.get("/exhibitions/portal/requests").text
    assert request.number not in theirs and "灯箱不亮" not in theirs

"""Visitor pre-registration: a visitor registers on the public form and
receives the e-ticket by e-mail (a real SMTP server) with the code, its QR
and the link to the e-ticket page; the same mobile or e-mail again answers
the existing ticket; a group leader registers members, each with a ticket
of their own, and a bad member row is named and writes nothing; the
edition's rule qualifies buyers; the edition's own questions are asked and
checked; the honeypot, the rate limit and a closed registration.
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from exhibitions_support import actor_of, race
from registration_support import GOOD, form_url, mail_on, member_rows, run_jobs
from sqlalchemy import func, select

from core import ValidationError
from core.app import Kernel
from plugins.exhibitions.models import Edition, Visitor
from plugins.exhibitions.services import registration


def visitors_of(kernel: Kernel) -> list[Visitor]:
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(Visitor).order_by(Visitor.id)))


def count(kernel: Kernel) -> int:
    with kernel.db.session(write=False) as db:
        return int(db.scalar(select(func.count()).select_from(Visitor)) or 0)


def set_rule(kernel: Kernel, expo: dict[str, Any], **values: Any) -> None:
    with kernel.db.session() as db:
        registration.save_setup(db, actor_of(kernel, db, expo["manager"]), expo["edition"], {
            "registration_open": "1", "badges_per": "2", "per_area_m2": "9", "badge_minimum": "2", **values})


def test_a_visitor_registers_and_receives_the_e_ticket_by_mail(kernel, expo, client, smtp):
    port, inbox = smtp
    kernel.settings = replace(kernel.settings, extra={**kernel.settings.extra, "base_url": "https://expo.example.cn"})
    mail_on(kernel, expo["hq"].id, port)
    page = client.get(form_url(kernel, expo["edition"]))
    assert page.status_code == 200 and 'id="exh-register-form"' in page.text and 'name="website"' in page.text

    done = client.submit(form_url(kernel, expo["edition"]), {**GOOD, "locale": "en"})
    assert done.status_code == 200, done.text[-2000:]
    [visitor] = visitors_of(kernel)
    assert (visitor.name, visitor.mobile, visitor.email, visitor.kind, visitor.locale, visitor.country) == (
        "王采购", "13900001111", "wang@cofco.example", "buyer", "en", "中国")
    assert visitor.ticket_token and visitor.code not in visitor.ticket_token and len(visitor.ticket_token) >= 30
    assert f'data-code="{visitor.code}"' in done.text
    assert inbox.messages == []  # sent by the job, after the commit

    assert run_jobs(kernel) == 1
    [(to, message)] = inbox.messages
    assert to == ["wang@cofco.example"]
    assert visitor.code in message["Subject"] and "25th China International Agricultural Expo" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert visitor.code in text and f"https://expo.example.cn/exhibitions/ticket/{visitor.ticket_token}" in text
    assert "Dear 王采购" in text  # in the language the visitor chose
    html = message.get_body(("html",)).get_content()
    [cid] = re.findall(r'src="cid:([^"]+)"', html)
    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == f"<{cid}>" and image.get_content().startswith(b"\x89PNG")

    ticket = client.get(f"/exhibitions/ticket/{visitor.ticket_token}")
    assert ticket.status_code == 200 and visitor.code in ticket.text and "data:image/svg+xml" in ticket.text
    assert ticket.headers["cache-control"] == "private, no-store"
    assert client.get(f"/exhibitions/ticket/{visitor.code}").status_code == 404  # the code is not the address
    assert client.get("/exhibitions/ticket/nosuchtoken").status_code == 404


def test_the_same_mobile_or_e_mail_again_answers_the_existing_ticket(kernel, expo, client, smtp):
    port, inbox = smtp
    mail_on(kernel, expo["hq"].id, port)
    client.submit(form_url(kernel, expo["edition"]), GOOD)
    [first] = visitors_of(kernel)
    again = client.submit(form_url(kernel, expo["edition"]), {**GOOD, "name": "王大采购",
                                                               "email": "other@example.com"})
    assert again.status_code == 200 and 'data-existing="1"' in again.text and "已登记" in again.text
    assert first.code not in again.text and first.ticket_token not in again.text  # not handed to the typist
    by_mail = client.submit(form_url(kernel, expo["edition"]), {**GOOD, "mobile": "", "email": "WANG@cofco.example"})
    assert 'data-existing="1"' in by_mail.text and first.code not in by_mail.text
    assert [v.name for v in visitors_of(kernel)] == ["王采购"]
    run_jobs(kernel)  # the ticket went again, to the address given at first, once within the hour
    assert [to for to, _m in inbox.messages] == [["wang@cofco.example"]]


def test_one_person_submitting_at_once_from_ten_browsers_is_registered_once(kernel, expo):
    def submit(i: int) -> int:
        with kernel.db.session() as db:
            return len(_submit(db, expo, {**GOOD, "name": f"王采购{i}"}).existing)

    results = race(submit, 10)
    assert sorted(results) == [0] + [1] * 9, results
    assert count(kernel) == 1


def test_a_group_leader_registers_members_each_with_a_ticket(kernel, expo, client):
    group = {**GOOD, "delegation": "东盟采购团", **member_rows(
        ("阮文雄", "+84 912 345 678", ""), ("李明", "13900002222", "liming@example.com"), ("", "", ""))}
    done = client.submit(form_url(kernel, expo["edition"]), group)
    assert done.status_code == 200, done.text[-1500:]
    leader, *members = visitors_of(kernel)
    assert [m.name for m in members] == ["阮文雄", "李明"]
    assert {m.leader_id for m in members} == {leader.id} and leader.leader_id is None
    assert {v.delegation for v in (leader, *members)} == {"东盟采购团"}
    assert members[0].mobile == "+84912345678" and members[1].company == "中粮集团"  # the leader's company
    assert len({v.code for v in (leader, *members)}) == 3
    ticket = client.get(f"/exhibitions/ticket/{leader.ticket_token}")
    assert all(m.code in ticket.text for m in members)


def test_a_bad_member_row_is_named_and_nothing_is_saved(kernel, expo, client):
    bad = {**GOOD, **member_rows(("李明", "13900002222", ""), ("张三", "", "not-mail"), ("王五", "13900002222", ""))}
    answer = client.submit(form_url(kernel, expo["edition"]), {**bad, "member_rows": "4"})
    assert answer.status_code == 422 and 'name="member_4_name"' in answer.text
    assert re.search(r'is-invalid" name="member_3_mobile" type="tel" value="13900002222"', answer.text)
    with kernel.db.session() as db, pytest.raises(ValidationError) as refused:
        _submit(db, expo, {**bad, "name": ""})
    assert set(refused.value.errors) == {"name", "member_2_email", "member_3_mobile"}
    assert count(kernel) == 0


def test_the_edition_rule_qualifies_buyers(kernel, expo, client):
    set_rule(kernel, expo, qualify_roles=["decides", "recommends"], qualify_budget="1m_10m",
             qualify_interests=["agriculture", "food"])
    url = form_url(kernel, expo["edition"])
    buyer = {**GOOD, "purchasing_role": "decides", "budget": "over_10m", "interests": ["food", "energy"]}
    client.submit(url, buyer)
    client.submit(url, {**buyer, "name": "小预算", "mobile": "13900003333", "email": "", "budget": "100k_1m"})
    client.submit(url, {**buyer, "name": "不决策", "mobile": "13900004444", "email": "", "purchasing_role": "none"})
    client.submit(url, {**buyer, "name": "别的兴趣", "mobile": "13900005555", "email": "", "interests": ["energy"]})
    client.submit(url, {**buyer, "name": "普通观众", "mobile": "13900006666", "email": "", "kind": "visitor"})
    assert [(v.name, v.qualified) for v in visitors_of(kernel)] == [
        ("王采购", True), ("小预算", False), ("不决策", False), ("别的兴趣", False), ("普通观众", False)]
    assert visitors_of(kernel)[0].interests == ["food", "energy"]


def test_the_edition_questions_are_asked_and_checked(kernel, expo, client):
    with kernel.db.session() as db:
        manager = actor_of(kernel, db, expo["manager"])
        source = registration.create_question(db, manager, {
            "edition_id": expo["edition"], "text": "您是如何得知本届展会的？", "text_en": "How did you hear of us?",
            "kind": "single", "required": True, "options": "官网 | Website\n微信 | WeChat", "sequence": 10})
        wants = registration.create_question(db, manager, {
            "edition_id": expo["edition"], "text": "想看的产品", "kind": "multiple", "required": False,
            "options": "农机 | Machinery\n种子 | Seeds\n肥料 | Fertiliser", "sequence": 20})
        meet = registration.create_question(db, manager, {
            "edition_id": expo["edition"], "text": "需要预约洽谈吗？", "kind": "yesno", "required": True,
            "options": "", "sequence": 30})
        with pytest.raises(ValidationError) as one_option:
            registration.create_question(db, manager, {"edition_id": expo["edition"], "text": "坏问题",
                                                       "kind": "single", "options": "只有一个"})
        assert set(one_option.value.errors) == {"options"}
        ids = (source.id, wants.id, meet.id)
    url = form_url(kernel, expo["edition"])
    english = client.get(url + "?lang=en")
    assert "How did you hear of us?" in english.text and "WeChat" in english.text
    missing = client.submit(url, {**GOOD, f"question_{ids[1]}": ["农机", "火箭"]})
    assert missing.status_code == 422
    with kernel.db.session() as db, pytest.raises(ValidationError) as refused:
        _submit(db, expo, {**GOOD, f"question_{ids[1]}": ["农机", "火箭"], f"question_{ids[2]}": "maybe"})
    assert set(refused.value.errors) == {f"question_{ids[0]}", f"question_{ids[1]}", f"question_{ids[2]}"}
    ok = client.submit(url, {**GOOD, f"question_{ids[0]}": "微信", f"question_{ids[1]}": ["农机", "种子"],
                             f"question_{ids[2]}": "yes"})
    assert ok.status_code == 200
    [visitor] = visitors_of(kernel)
    assert visitor.answers == {str(ids[0]): "微信", str(ids[1]): ["农机", "种子"], str(ids[2]): "yes"}


def _submit(db: Any, expo: dict[str, Any], data: dict[str, Any]) -> Any:
    return registration.submit(db, db.get(Edition, expo["edition"]), data, address="1.2.3.4", secret_key="k",
                               send=False)


def test_bots_floods_and_a_closed_registration(kernel, expo, client):
    url = form_url(kernel, expo["edition"])
    bot = client.submit(url, {**GOOD, "website": "http://spam.example"})
    assert bot.status_code == 200 and count(kernel) == 0
    for n in range(registration.RATE_LIMIT):
        assert client.submit(url, {**GOOD, "mobile": f"1390000{n:04d}", "email": ""}).status_code == 200
    assert client.submit(url, {**GOOD, "mobile": "13911112222", "email": ""}).status_code == 429
    assert count(kernel) == registration.RATE_LIMIT
    set_rule(kernel, expo, registration_open="")
    closed = client.submit(url, {**GOOD, "mobile": "13911113333"})
    assert closed.status_code == 409 and 'id="exh-register-closed"' in closed.text
    assert client.get(f"/exhibitions/register/{expo['edition']}").status_code == 404  # the bare id is no address


def test_the_manager_sets_registration_up_in_the_browser(kernel, expo, client):
    client.login("expomanager")
    page = client.get(f"/exhibitions/editions/{expo['edition']}/registration")
    assert page.status_code == 200 and form_url(kernel, expo["edition"]) in page.text
    bad = client.submit(f"/exhibitions/editions/{expo['edition']}/registration", {
        "registration_open": "1", "qualify_roles": ["decides", "boss"], "badges_per": "two", "per_area_m2": "9",
        "badge_minimum": "2", "badge_deadline": "2027-13-01"})
    assert bad.status_code == 422 and bad.text.count("invalid-feedback d-block") >= 3
    saved = client.submit(f"/exhibitions/editions/{expo['edition']}/registration", {
        "registration_open": "1", "qualify_roles": ["decides"], "qualify_budget": "1m_10m", "badges_per": "3",
        "per_area_m2": "12", "badge_minimum": "1", "badge_deadline": "2027-11-10"}, follow_redirects=False)
    assert saved.status_code == 303
    question = client.submit("/exhibitions/visitor-questions", {
        "edition_id": str(expo["edition"]), "text": "参观目的", "text_en": "Purpose", "kind": "text",
        "sequence": "10"}, follow_redirects=False)
    assert question.status_code == 303
    gate = client.submit("/exhibitions/visitor-gates", {"edition_id": str(expo["edition"]), "name": "东门",
                                                       "space_id": str(expo["hall"])}, follow_redirects=False)
    assert gate.status_code == 303
    page = client.get(f"/exhibitions/editions/{expo['edition']}/registration")
    assert "参观目的" in page.text and "东门" in page.text and "1号馆" in page.text
    with kernel.db.session(write=False) as db:
        setup = registration.setup_of(db, db.get(Edition, expo["edition"]))  # type: ignore[arg-type]
        assert (setup.qualify_roles, setup.badges_per, str(setup.per_area_m2)) == (["decides"], 3, "12.00")
    client.login("outsider")
    assert client.get(f"/exhibitions/editions/{expo['edition']}/registration").status_code == 404

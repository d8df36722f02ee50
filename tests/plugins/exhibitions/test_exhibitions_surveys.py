"""Post-show surveys: staff build one in the browser (questions in Chinese
and English, of five kinds), open it and invite the edition's exhibitors,
each e-mailed a link of their own (a real SMTP server); a recipient
answers on the public page (in Chinese or English), a bad answer named by
its question and nothing written; answered once, or again while editable;
the results count answers in SQL and compute the NPS, per edition and as
a trend. Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from cycle_support import edition
from exhibitions_support import actor_of
from sqlalchemy import func, select

from core.app import Kernel
from core.jobs import Worker
from plugins.crm.services.customers import create_contact
from plugins.exhibitions.models import Survey, SurveyAnswer, SurveyInvite, SurveyQuestion
from plugins.exhibitions.services import surveys as services


@pytest.fixture
def exhibitors(kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> dict[str, int]:
    """Three exhibitors of the 25th with booths (two with a contact's e-mail), one customer without a booth."""
    seller = expo["seller1"]
    ids = {name: new_customer(seller, name) for name in ("寿光蔬菜", "北大荒米业", "普洱茶业", "没参展")}
    floor = plan()
    for n, name in enumerate(("寿光蔬菜", "北大荒米业", "普洱茶业")):
        booth(floor, f"A10{n}", x=3 * n, status="sold", customer_id=ids[name])
    with kernel.db.session() as db:
        from plugins.crm.models import Customer

        actor = actor_of(kernel, db, seller)
        for name, email in (("寿光蔬菜", "wang@shouguang.cn"), ("北大荒米业", "liu@bdh.cn")):
            create_contact(db, actor, db.get(Customer, ids[name]), {"name": f"{name}联系人", "email": email,
                                                                    "is_main": True})
    return ids


def build(client: Any, expo: dict[str, Any], *, editable: bool = False) -> tuple[int, dict[str, int]]:
    """The manager builds the survey of the 25th in the browser: its id and its questions' ids by kind."""
    made = client.submit("/exhibitions/surveys", {"edition_id": str(expo["edition"]), "audience": "exhibitors",
                                                 "title": "展商满意度调查", "title_en": "Exhibitor survey",
                                                 "closes_on": "2027-12-31", **({"editable": "on"} if editable else {})},
                         follow_redirects=False)
    assert made.status_code == 303, made.text
    survey = int(made.headers["location"].rstrip("/").split("/")[-1])
    for kind, text, english, options, required in (
            ("nps", "您会推荐本展吗？", "Would you recommend the expo?", "", "on"),
            ("rating", "现场服务评分", "Rate the on-site services", "", ""),
            ("single", "主要收获", "Main gain", "新客户 | New customers\n品牌曝光 | Exposure", ""),
            ("multiple", "希望改进", "To improve", "观众 | Visitors\n服务 | Services\n交通 | Transport", ""),
            ("text", "建议", "Suggestions", "", "")):
        added = client.submit(f"/exhibitions/surveys/{survey}/questions", {
            "kind": kind, "text": text, "text_en": english, "options": options, "required": required},
            follow_redirects=False)
        assert added.status_code == 303
    return survey, {}


def question_ids(kernel: Kernel, survey: int) -> dict[str, int]:
    with kernel.db.session(write=False) as db:
        return {q.kind: q.id for q in services.questions(db, survey)}


@pytest.fixture
def mailroom(kernel: Kernel, make: Any, expo: dict[str, Any], smtp: Any, new_client: Any) -> Any:
    port, inbox = smtp
    kernel.settings = replace(kernel.settings, extra={**kernel.settings.extra, "base_url": "https://erp.example.cn"})
    make.user(org=expo["hq"], username="root", roles=("admin",))
    root = new_client()
    root.login("root")
    saved = root.submit("/activity/notifications/channels/email", {
        "enabled": "on", "host": "127.0.0.1", "port": str(port), "security": "none", "username": "",
        "password": "", "from_address": "expo@suanpan.example", "from_name": "农博会"}, follow_redirects=False)
    assert saved.status_code == 303
    return inbox


def test_staff_build_open_and_invite_each_exhibitor_by_their_own_link(kernel, client, expo, exhibitors, mailroom):
    client.login("expomanager")
    survey, _ = build(client, expo)
    page = client.get(f"/exhibitions/surveys/{survey}")
    assert page.status_code == 200 and "现场服务评分" in page.text and "Rate the on-site services" in page.text
    bad = client.submit(f"/exhibitions/surveys/{survey}/questions", {"kind": "single", "text": "只有一个选项",
                                                                    "options": "唯一"}, follow_redirects=True)
    assert "请至少给出两个选项，每行一个。" in bad.text
    assert len(question_ids(kernel, survey)) == 5
    opened = client.submit(f"/exhibitions/surveys/{survey}/state", {"state": "open"}, follow_redirects=False)
    assert opened.status_code == 303
    client.submit(f"/exhibitions/surveys/{survey}/invite", follow_redirects=False)
    client.submit(f"/exhibitions/surveys/{survey}/invite", follow_redirects=False)  # again: nobody twice
    with kernel.db.session(write=False) as db:
        invites = db.scalars(select(SurveyInvite).where(SurveyInvite.survey_id == survey)).all()
        assert sorted(i.customer_id for i in invites) == sorted(
            exhibitors[n] for n in ("寿光蔬菜", "北大荒米业", "普洱茶业"))
        assert len({i.token for i in invites}) == 3 and all(len(i.token) >= 32 for i in invites)
        tokens = {i.email: i.token for i in invites if i.email}
    assert Worker(kernel, "test-worker").run_pending() >= 2
    got = {tuple(rcpt)[0]: message for rcpt, message in mailroom.messages}
    assert set(got) == {"wang@shouguang.cn", "liu@bdh.cn"}
    for address, message in got.items():
        body = message.get_body(("plain",)).get_content()
        assert f"https://erp.example.cn/exhibitions/survey/{tokens[address]}" in body
        assert "感谢您参加" in body and "Please take two minutes" in body


def answer(client: Any, token: str, data: dict[str, Any], lang: str = "zh_CN") -> Any:
    return client.submit(f"/exhibitions/survey/{token}?lang={lang}", data)


def opened_with_invites(kernel: Kernel, client: Any, expo: dict[str, Any], *, editable: bool) -> tuple[int, list[str]]:
    client.login("expomanager")
    survey, _ = build(client, expo, editable=editable)
    client.submit(f"/exhibitions/surveys/{survey}/state", {"state": "open"})
    client.submit(f"/exhibitions/surveys/{survey}/invite")
    client.post("/logout", data={"csrf_token": client.csrf()})
    with kernel.db.session(write=False) as db:
        return survey, list(db.scalars(select(SurveyInvite.token).where(SurveyInvite.survey_id == survey)
                                       .order_by(SurveyInvite.id)))


def test_a_recipient_answers_in_their_language_and_bad_answers_are_named(kernel, new_client, expo, exhibitors):
    survey, tokens = opened_with_invites(kernel, new_client(), expo, editable=False)
    q = question_ids(kernel, survey)
    visitor = new_client()
    zh, en = visitor.get(f"/exhibitions/survey/{tokens[0]}?lang=zh_CN"), visitor.get(
        f"/exhibitions/survey/{tokens[0]}?lang=en")
    assert zh.status_code == en.status_code == 200
    assert "您会推荐本展吗？" in zh.text and "Would you recommend the expo?" in en.text and "New customers" in en.text
    refused = answer(visitor, tokens[0], {f"q_{q['rating']}": "6", f"q_{q['single']}": ["1", "2"],
                                          f"q_{q['multiple']}": "9"}, "en")
    assert refused.status_code == 422
    for kind in ("nps", "rating", "single", "multiple"):
        assert f'id="exh-q_{q[kind]}"' in refused.text
    assert "Please answer this question." in refused.text and "Choose a score from 1 to 5." in refused.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(SurveyAnswer)) == 0
    done = answer(visitor, tokens[0], {f"q_{q['nps']}": "9", f"q_{q['rating']}": "4", f"q_{q['single']}": "2",
                                       f"q_{q['multiple']}": ["1", "3"], f"q_{q['text']}": "希望延长展期"})
    assert done.status_code == 200 and "exhibitions-survey-thanks" in done.text
    with kernel.db.session(write=False) as db:
        rows = db.execute(select(SurveyAnswer.question_id, SurveyAnswer.score, SurveyAnswer.option,
                                 SurveyAnswer.text).order_by(SurveyAnswer.question_id, SurveyAnswer.option)).all()
    assert [tuple(r) for r in rows] == [(q["nps"], 9, 0, ""), (q["rating"], 4, 0, ""), (q["single"], None, 2, ""),
                                        (q["multiple"], None, 1, ""), (q["multiple"], None, 3, ""),
                                        (q["text"], None, 0, "希望延长展期")]
    again = answer(visitor, tokens[0], {f"q_{q['nps']}": "3"})  # single use
    assert again.status_code == 409
    assert visitor.get("/exhibitions/survey/not-a-token").status_code == 404


def test_an_editable_survey_takes_changed_answers_until_it_closes(kernel, client, new_client, expo, exhibitors):
    survey, tokens = opened_with_invites(kernel, client, expo, editable=True)
    q = question_ids(kernel, survey)
    visitor = new_client()
    assert answer(visitor, tokens[1], {f"q_{q['nps']}": "4"}).status_code == 200
    page = visitor.get(f"/exhibitions/survey/{tokens[1]}")
    assert 'value="4" checked' in page.text  # their answer, to change
    assert answer(visitor, tokens[1], {f"q_{q['nps']}": "10"}).status_code == 200
    with kernel.db.session(write=False) as db:
        assert db.scalars(select(SurveyAnswer.score)).all() == [10]
    client.login("expomanager")
    client.submit(f"/exhibitions/surveys/{survey}/state", {"state": "closed"})
    assert answer(visitor, tokens[1], {f"q_{q['nps']}": "1"}).status_code == 409


def scores(kernel: Kernel, expo: dict[str, Any], edition_id: int, nps: list[int]) -> int:
    """A closed exhibitor survey of ``edition_id`` answered with these NPS scores."""
    with kernel.db.session() as db:
        survey = Survey(org_id=expo["hq"].id, owner_id=expo["manager"].id, edition_id=edition_id,
                        audience="exhibitors", title="调查", state="closed")
        db.add(survey)
        db.flush()
        question = SurveyQuestion(survey_id=survey.id, kind="nps", text="推荐？", required=True)
        db.add(question)
        db.flush()
        for n, score in enumerate(nps):
            invite = SurveyInvite(survey_id=survey.id, token=f"t{edition_id}-{n}", name=f"#{n}")
            db.add(invite)
            db.flush()
            db.add(SurveyAnswer(invite_id=invite.id, question_id=question.id, score=score))
        return int(survey.id)


def test_nps_is_promoters_minus_detractors_per_edition_and_its_trend(kernel, client, expo):
    e24 = edition(kernel, expo, 24, year=2026)
    older = scores(kernel, expo, e24, [10, 9, 8, 7, 6, 0])          # 2 promoters, 2 detractors of 6: 0
    newer = scores(kernel, expo, expo["edition"], [10, 10, 9, 8, 3])  # 3 and 1 of 5: +40
    with kernel.db.session(write=False) as db:
        actor = actor_of(kernel, db, expo["manager"])
        _s, _invited, _answered, rows = services.results(db, actor, older)
        assert rows[0].nps == 0.0 and rows[0].counts == {10: 1, 9: 1, 8: 1, 7: 1, 6: 1, 0: 1}
        trend = services.nps_trend(db, actor, expo["series"])
        assert [(e.number, nps, n) for e, nps, n in trend] == [(24, 0.0, 6), (25, 40.0, 5)]
        assert services.nps_trend(db, actor_of(kernel, db, expo["outsider"]), expo["series"]) == []
    client.login("expomanager")
    for lang in ("zh_CN", "en"):
        page = client.get(f"/exhibitions/surveys/{newer}/results?lang={lang}", headers={"accept-language": lang})
        assert page.status_code == 200
        assert re.search(r'id="exh-result-nps-\d+">40.0<', page.text)
    client.post("/logout", data={"csrf_token": client.csrf()})
    client.login("outsider")
    assert client.get(f"/exhibitions/surveys/{newer}/results").status_code == 404

"""The demo's history over three editions of 中国国际农业博览会: the 23rd
(2025, made here with its three halls' plans) and the 24th (2026, the
venues and plans parts made it) get a realistic exhibitor history; the
25th (selling) is left as the other parts made it, and says who rebooked.

Who exhibited when, drawn once with a seeded random (the same demo every
time): most of the 25th's exhibitors were at the 24th (some new in the
25th), and about a third of the 24th's exhibitors, other customers, did
not come back; likewise from the 23rd to the 24th. Those who came back
were on the whole happier (a higher NPS answer in the post-show survey,
fewer complaints), bought more services and did not shrink their booth;
those who left rather the other way, with noise, so that the rebooking
model has something to learn and cannot be sure. The 24th's sold booths
are shared out again to match; its booths nobody gets are free.
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from core import next_number
from plugins.crm.models import Customer
from plugins.exhibitions.models import (
    Booth,
    Edition,
    ExhibitorService,
    ServiceOrder,
    ServiceOrderLine,
    SpaceBooking,
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyQuestion,
)
from plugins.exhibitions.services import venues as venue_services

#: the exhibitor survey of a past edition: kind, question, English, options, required
QUESTIONS: tuple[tuple[str, str, str, list[dict[str, str]], bool], ...] = (
    ("nps", "您有多大可能向同行推荐本届农博会？", "How likely are you to recommend this expo to a peer?",
     [], True),
    ("rating", "您对展会现场服务的满意度", "How satisfied were you with the on-site services?", [], True),
    ("single", "本届参展的主要收获", "What did you mainly gain from exhibiting?",
     [{"zh": "新客户", "en": "New customers"}, {"zh": "品牌曝光", "en": "Brand exposure"},
      {"zh": "老客户维护", "en": "Keeping customers"}], False),
    ("multiple", "下届希望加强的方面", "What should the next edition improve?",
     [{"zh": "观众质量", "en": "Visitor quality"}, {"zh": "现场服务", "en": "On-site services"},
      {"zh": "宣传推广", "en": "Promotion"}, {"zh": "餐饮交通", "en": "Catering and transport"}], False),
    ("text", "其他意见和建议", "Other comments and suggestions", [], False),
)
COMMENTS = ("希望延长展期", "电源故障处理太慢", "观众质量很好，明年继续", "展位位置偏僻", "")
#: services the demo's exhibitors buy (the services part's catalogue names) and how many
BOUGHT = (("电源 380V/16A（展期）", 2), ("洽谈桌", 3), ("折椅", 8), ("给排水接口", 1), ("吊点", 2),
          ("24 小时电源 220V/10A", 1), ("展品仓储（每立方米·天）", 6))


def load_demo(session: Session, made: dict[str, Any]) -> None:
    """The history, when the venues and plans parts made the 24th and 25th editions."""
    editions = made.get("editions") or {}
    if 24 not in editions or 25 not in editions or not made.get("halls"):
        return
    e24, e25 = session.get(Edition, editions[24]), session.get(Edition, editions[25])
    if e24 is None or e25 is None:
        return
    rng = random.Random(2323)
    e23 = _edition_23(session, made, e24)
    customers = list(session.scalars(select(Customer.id).where(Customer.org_id == e24.org_id)
                                     .order_by(Customer.id).limit(260)))
    booked25 = _areas(session, e25.id, ("held", "reserved", "sold"))
    pool = [c for c in customers if c not in booked25]
    # who exhibited: the 24th (most of the 25th's and leavers), the 23rd (most of the 24th's and leavers)
    stay24 = [c for c in sorted(booked25) if rng.random() < 0.85]
    left24 = pool[:28]
    in24 = stay24 + left24
    stay23 = [c for c in in24 if rng.random() < (0.8 if c in booked25 else 0.65)]
    left23 = pool[28:50]
    in23 = stay23 + left23
    area24: dict[int, int] = {}
    for c in in24:
        base = int(booked25.get(c, 0)) or rng.choice((9, 18, 18, 27, 36, 54))
        area24[c] = max(9, int(base * rng.uniform(0.6, 1.3)) // 9 * 9)
    area23: dict[int, int] = {}
    for c in in23:
        if c in area24:
            shrink = c not in booked25 and rng.random() < 0.6  # many leavers had cut their booth first
            area23[c] = max(9, int(area24[c] * (rng.uniform(1.2, 1.8) if shrink else rng.uniform(0.7, 1.2)))
                            // 9 * 9)
        else:
            area23[c] = rng.choice((9, 18, 27, 36))
    _share_booths(session, e24.id, area24, rng)
    _share_booths(session, e23.id, area23, rng)
    for edition, exhibitors, stayed in ((e23, in23, set(in24)), (e24, in24, set(booked25))):
        mood = {c: rng.gauss(0.7 if c in stayed else -0.7, 1.0) for c in exhibitors}
        _orders(session, edition, exhibitors, mood, rng)
        _survey(session, edition, exhibitors, mood, rng)
        # complaints draw from a stream of their own: the rest of the history is the same with or without them
        _complaints(session, edition, exhibitors, mood, random.Random(f"complaints-{edition.number}"))
    made["editions_past"] = {23: e23.id}


def _edition_23(session: Session, made: dict[str, Any], e24: Edition) -> Edition:
    """The 23rd edition (closed, 2025), before the 24th, with its halls booked and planned."""
    from plugins.exhibitions.parts.services import load_demo as catalogue
    from plugins.exhibitions.services.plan_demo import _plan

    own = {"org_id": e24.org_id, "owner_id": e24.owner_id}
    e23 = Edition(**own, series_id=e24.series_id, number=23, name="第二十三届中国国际农业博览会",
                  name_en="23rd China International Agricultural Expo", theme="乡村振兴 品牌引领",
                  venue_id=e24.venue_id, move_in_on=date(2025, 11, 17), opens_on=date(2025, 11, 20),
                  closes_on=date(2025, 11, 23), move_out_on=date(2025, 11, 24), target_area=Decimal("20000"),
                  target_revenue=Decimal("26000000"), state="closed", hours=e24.hours, organiser=e24.organiser,
                  co_organisers=e24.co_organisers, industry=e24.industry,
                  penalties=[{"until": "2025-08-20", "percent": "30"},
                             {"until": "2025-10-20", "percent": "60"}])
    session.add(e23)
    session.flush()
    e24.previous_id = e23.id
    for hall_id in made["halls"].values():
        for purpose, starts, ends in venue_services.edition_periods(e23):
            session.add(SpaceBooking(**own, space_id=hall_id, edition_id=e23.id, purpose=purpose,
                                     title=e23.name, starts_on=starts, ends_on=ends, state="confirmed"))
    for code, hall_id in sorted(made["halls"].items()):
        _plan(session, e23.org_id, e23.owner_id, e23.id, int(hall_id), str(code))
    catalogue(session, {}, {}, {"editions": {23: e23.id}})
    return e23


def _areas(session: Session, edition_id: int, statuses: tuple[str, ...]) -> dict[int, Decimal]:
    from sqlalchemy import func

    return {int(c or 0): Decimal(a) for c, a in session.execute(
        select(Booth.customer_id, func.sum(Booth.area)).where(
            Booth.edition_id == edition_id, Booth.status.in_(statuses), Booth.customer_id.is_not(None))
        .group_by(Booth.customer_id))}


def _share_booths(session: Session, edition_id: int, wanted: dict[int, int], rng: random.Random) -> None:
    """Each exhibitor gets booths of the edition adding up to about the m² wanted; the rest are free."""
    free = [(int(i), int(a)) for i, a in session.execute(
        select(Booth.id, Booth.area).where(Booth.edition_id == edition_id).order_by(Booth.id))]
    rng.shuffle(free)
    taken: dict[int, int] = {}
    for customer, area in sorted(wanted.items(), key=lambda kv: -kv[1]):
        left = area
        for booth_id, size in free:
            if left < 9:
                break
            if booth_id not in taken and size <= left:
                taken[booth_id] = customer
                left -= size
    table = Booth.__table__
    assert isinstance(table, Table)
    rows = [{"b_id": i, "b_status": "sold" if i in taken else "available", "b_customer": taken.get(i)}
            for i, _ in free]
    session.flush()
    session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
        status=bindparam("b_status"), customer_id=bindparam("b_customer"), held_until=None, contract_id=None),
        rows)
    session.expire_all()


def _orders(session: Session, edition: Edition, exhibitors: list[int], mood: dict[int, float],
            rng: random.Random) -> None:
    """Confirmed service orders (the history: no sales order behind them); happier exhibitors buy more."""
    from plugins.sales.services.documents import registry_of

    services = {s.name: s for s in session.scalars(select(ExhibitorService).where(
        ExhibitorService.edition_id == edition.id))}
    registry = registry_of(session)
    assert edition.opens_on is not None
    for c in exhibitors:
        kinds = max(0, min(len(BOUGHT), round(2.5 + mood[c] * 1.5 + rng.gauss(0, 1))))
        if kinds == 0:
            continue
        ordered = edition.opens_on - timedelta(days=rng.randint(5, 80))
        when = datetime(ordered.year, ordered.month, ordered.day, 2, tzinfo=UTC)
        order = ServiceOrder(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                             customer_id=c, state="confirmed", ordered_on=ordered, channel="staff",
                             number=next_number(session, registry, "exhibitions.service_order", edition.org_id,
                                                at=when))
        session.add(order)
        session.flush()
        lines = []
        for n, (name, quantity) in enumerate(rng.sample(BOUGHT, kinds), start=1):
            service = services.get(name)
            if service is None:
                continue
            tier = "advance" if ordered <= (service.advance_until or ordered) else "standard"
            price = service.advance_price if tier == "advance" else service.standard_price
            q = Decimal(quantity * rng.randint(1, 2))
            lines.append(ServiceOrderLine(order_id=order.id, service_id=service.id, quantity=q, tier=tier,
                                          unit_price=price, amount=price * q, sequence=n * 10))
        session.add_all(lines)
        order.total = sum((line.amount for line in lines), Decimal(0))
    session.flush()


def _survey(session: Session, edition: Edition, exhibitors: list[int], mood: dict[int, float],
            rng: random.Random) -> None:
    """The edition's closed exhibitor survey, about seven in ten exhibitors answering."""
    assert edition.closes_on is not None
    survey = Survey(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                    audience="exhibitors", title=f"{edition.name}展商满意度调查",
                    title_en=f"{edition.name_en}: exhibitor survey", state="closed",
                    closes_on=edition.closes_on + timedelta(days=30),
                    intro="感谢参展！请花两分钟告诉我们您的体验。")
    session.add(survey)
    session.flush()
    questions = []
    for n, (kind, text, english, options, required) in enumerate(QUESTIONS, start=1):
        q = SurveyQuestion(survey_id=survey.id, kind=kind, text=text, text_en=english, options=options,
                           required=required, sequence=n * 10)
        session.add(q)
        questions.append(q)
    session.flush()
    sent = datetime(edition.closes_on.year, edition.closes_on.month, edition.closes_on.day, 8, tzinfo=UTC)
    answers: list[SurveyAnswer] = []
    for c in exhibitors:
        answered = rng.random() < 0.7
        invite = SurveyInvite(survey_id=survey.id, token=secrets.token_urlsafe(24), customer_id=c,
                              sent_at=sent, answered_at=sent + timedelta(days=rng.randint(1, 20)) if answered
                              else None)
        session.add(invite)
        session.flush()
        if not answered:
            continue
        m = mood[c]
        nps = max(0, min(10, round(7.6 + 1.8 * m + rng.gauss(0, 1.2))))
        answers += [SurveyAnswer(invite_id=invite.id, question_id=questions[0].id, score=nps),
                    SurveyAnswer(invite_id=invite.id, question_id=questions[1].id,
                                 score=max(1, min(5, round(3.8 + m + rng.gauss(0, 0.7))))),
                    SurveyAnswer(invite_id=invite.id, question_id=questions[2].id, option=rng.randint(1, 3))]
        answers += [SurveyAnswer(invite_id=invite.id, question_id=questions[3].id, option=o)
                    for o in sorted(rng.sample(range(1, 5), rng.randint(1, 2)))]
        comment = rng.choice(COMMENTS)
        if comment:
            answers.append(SurveyAnswer(invite_id=invite.id, question_id=questions[4].id, text=comment))
    session.add_all(answers)
    session.flush()


def _complaints(session: Session, edition: Edition, exhibitors: list[int], mood: dict[int, float],
                rng: random.Random) -> None:
    """Service desk requests of unhappy exhibitors, when the service desk part is installed."""
    from plugins.exhibitions.services.insights import complaint_model

    model = complaint_model()
    if model is None or edition.opens_on is None:
        return
    from core import next_number
    from plugins.exhibitions.services.desk import sla_minutes
    from plugins.sales.services.documents import registry_of

    columns = set(model.__table__.columns.keys())
    categories = ("power", "cleaning", "damage")
    titles = {"power": "展位断电", "cleaning": "展位保洁不到位", "damage": "展具损坏"}
    for c in exhibitors:
        count = rng.randint(1, 3) if mood[c] < -0.8 else (1 if rng.random() < 0.15 else 0)
        booth = session.scalar(select(Booth.id).where(Booth.edition_id == edition.id, Booth.customer_id == c)
                               .limit(1))
        for k in range(count):
            day = edition.opens_on + timedelta(days=k % 3)
            opened = datetime(day.year, day.month, day.day, 2 + k, tzinfo=UTC)
            category = categories[k % 3]
            sla = sla_minutes(session, edition.org_id, category, "normal")
            resolved = opened + timedelta(minutes=int(sla * rng.choice((0.5, 0.8, 0.9, 1.6))))  # a quarter late
            values = {"org_id": edition.org_id, "owner_id": edition.owner_id, "edition_id": edition.id,
                      "number": next_number(session, registry_of(session), "exhibitions.desk_request",
                                            edition.org_id),
                      "customer_id": c, "booth_id": booth, "category": category, "priority": "normal",
                      "title": titles[category], "reported_by": "展商", "opened_at": opened,
                      "due_at": opened + timedelta(minutes=sla), "resolved_at": resolved, "closed_at": resolved,
                      "resolution": "已处理。", "state": "closed"}
            session.add(model(**{k2: v for k2, v in values.items() if k2 in columns}))
    session.flush()

"""Identify, segment, predict: an exhibitor's history across editions
(m², spend on confirmed service orders, kinds of service, NPS answers)
aggregated in SQL under the reader's scope; the segments' rules; the
logistic regression of rebooking and its reasons; the model trained on the
demo's 23rd→24th editions and evaluated on the held-out 24th→25th beating
the base rate; the pre-show service plans made as tasks, once; the pages in
Chinese and English. Run on SQLite and, with SUANPAN_DATABASE_URL, on
PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from cycle_support import edition
from exhibitions_support import actor_of
from sqlalchemy import func, select

from core import Forbidden
from core.setup import load_demo
from plugins.activity.models import Activity
from plugins.exhibitions.models import (
    Edition,
    ExhibitorService,
    ServiceOrder,
    ServiceOrderLine,
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyQuestion,
)
from plugins.exhibitions.services import insights, service_plans
from plugins.exhibitions.services.insights import Year

PASSWORD = "demo-password-演示"


def years(*areas: int, nps: float | None = None) -> dict[int, Year]:
    """Editions 23, 24, 25 with these m² (0: absent)."""
    return {23 + i: Year(area=Decimal(a), nps=nps) for i, a in enumerate(areas) if a}


def test_the_segments_follow_their_rules_in_order():
    assert insights.segment(years(18, 0, 0), 25, None) == "lost"
    assert insights.segment(years(0, 0, 18), 25, 0.9) == "new"
    assert insights.segment(years(18, 18, 18), 25, 0.3) == "at_risk"  # before growing or shrinking
    assert insights.segment(years(0, 18, 27), 25, 0.9) == "growing"
    assert insights.segment(years(0, 36, 18), 25, 0.9) == "shrinking"
    assert insights.segment(years(0, 18, 18), 25, 0.9) == "returning"
    assert insights.segment(years(18, 0, 18), 25, 0.9) == "returning"  # back after a gap
    assert insights.segment({}, 25, None) is None


def test_the_regression_learns_which_way_a_feature_pulls_and_says_so():
    def sample(i: int, happy: bool) -> insights.Sample:
        x = dict.fromkeys(insights.KEYS, 0.0)
        x.update(nps=(1.0 if happy else -1.0) + (i % 3) * 0.1, spend=float(i % 5), tenure=1.0 + i % 2)
        return insights.Sample(i, x, happy)

    rows = [sample(i, i % 4 != 0) for i in range(80)]
    model = insights.train(rows)
    assert model.weights["nps"] > 1 and model.trained_on == 80
    happy, unhappy = rows[1].x, rows[0].x
    assert model.probability(happy) > 0.8 > 0.2 > model.probability(unhappy)
    assert model.reasons(unhappy)[0][0] == "nps" and model.reasons(unhappy)[0][2] < 0
    scores = insights.evaluate(model, rows)
    assert (scores.accuracy, scores.precision, scores.recall, scores.auc) == (1.0, 1.0, 1.0, 1.0)
    # everybody came back: nothing to learn, the scored rule set decides
    assert insights.train([sample(i, True) for i in range(5)]).weights == insights.PRIOR


def test_the_history_is_summed_per_exhibitor_and_edition_under_scope(kernel, expo, plan, booth, new_customer,
                                                                     catalogue):
    customer = new_customer(expo["seller1"], "寿光蔬菜")
    e24 = edition(kernel, expo, 24, year=2026)
    old, new = plan(edition=e24), plan()
    booth(old, "A101", status="sold", customer_id=customer, width=6, depth=6)
    booth(new, "A101", status="reserved", customer_id=customer, width=6, depth=9)
    booth(new, "A102", x=6, status="held", customer_id=customer)
    booth(new, "A103", x=9, status="available")
    with kernel.db.session() as db:
        power = db.get(ExhibitorService, catalogue["power"])
        for state, total in (("confirmed", Decimal("1600")), ("draft", Decimal("999"))):
            order = ServiceOrder(org_id=expo["hq"].id, edition_id=expo["edition"], customer_id=customer,
                                 state=state, ordered_on=date(2027, 10, 1), total=total)
            db.add(order)
            db.flush()
            db.add(ServiceOrderLine(order_id=order.id, service_id=power.id, quantity=Decimal(2), tier="standard",
                                    unit_price=Decimal(800), amount=total))
        survey = Survey(org_id=expo["hq"].id, edition_id=e24, audience="exhibitors", title="调查", state="closed")
        db.add(survey)
        db.flush()
        question = SurveyQuestion(survey_id=survey.id, kind="nps", text="推荐？")
        invite = SurveyInvite(survey_id=survey.id, token="tok-1", customer_id=customer)
        db.add_all([question, invite])
        db.flush()
        db.add(SurveyAnswer(invite_id=invite.id, question_id=question.id, score=6))
    with kernel.db.session(write=False) as db:
        found = insights.history(db, actor_of(kernel, db, expo["manager"]), expo["series"])
        assert set(found) == {customer}
        y24, y25 = found[customer][24], found[customer][25]
        assert (y24.area, y24.spend, y24.nps) == (Decimal(36), Decimal(0), 6.0)
        assert (y25.area, y25.spend, y25.services) == (Decimal(63), Decimal(1600), {"power"})
        assert insights.history(db, actor_of(kernel, db, expo["outsider"]), expo["series"]) == {}
        rows = insights.exhibitors(db, actor_of(kernel, db, expo["manager"]), db.get(Edition, expo["edition"]))
        assert [(r.customer_id, r.segment) for r in rows] in ([(customer, "growing")], [(customer, "at_risk")])
        assert rows[0].probability is not None and rows[0].reasons


def test_the_demo_model_beats_the_base_rate_on_the_held_out_editions(kernel, client):
    assert load_demo(kernel, PASSWORD)
    with kernel.db.session(write=False) as db:
        from core import User

        boss = db.scalar(select(User).where(User.username == "zhangwei"))
        actor = actor_of(kernel, db, boss)
        e24 = db.scalar(select(Edition).where(Edition.number == 24))
        numbers = sorted(db.scalars(select(Edition.number).where(Edition.series_id == e24.series_id)))
        assert numbers == [23, 24, 25]
        hist = insights.history(db, actor, e24.series_id)
        model, scores = insights.held_out(hist)
        assert model.trained_on >= 60 and scores.count >= 60  # trained on 23→24, tested on 24→25
        assert 0.1 < scores.churned / scores.count < 0.5
        assert scores.accuracy > scores.base_rate
        assert scores.auc > 0.75 and scores.precision > 0.5 and scores.recall > 0.25
        counts = insights.segment_counts(insights.exhibitors(db, actor, e24, hist=hist))
        assert set(counts) == {"new", "returning", "growing", "shrinking", "at_risk", "lost"}
        e25 = db.scalar(select(Edition).where(Edition.number == 25))
    # the pre-show plans of the 25th's key exhibitors, once
    with kernel.db.session() as db:
        made = service_plans.make(db, actor_of(kernel, db, boss), e25.id)
        assert len(made) == 10 and all("Usual services" in t.content for t in made)
        # the manual's forms each key exhibitor still owes, and its open desk requests, are in its plan
        assert all("Forms due: " in t.content and "Open complaints: " in t.content for t in made)
        assert any("Forms due: 0" not in t.content for t in made)
    with kernel.db.session() as db:
        assert service_plans.make(db, actor_of(kernel, db, boss), e25.id) == []
        assert db.scalar(select(func.count()).select_from(Activity).where(
            Activity.subject.like("展前服务计划%"))) == 10
    # the pages, in Chinese and in English
    client.login("zhangwei", PASSWORD)
    customer = made[0].record_id
    for lang, words in (("zh_CN", ("展商洞察", "续展")), ("en", ("Exhibitor insights", "Chance to rebook"))):
        client.submit("/locale", {"locale": lang})
        page = client.get(f"/exhibitions/editions/{e24.id}/insights")
        assert page.status_code == 200 and all(w in page.text for w in words), lang
        assert client.get(f"/exhibitions/editions/{e24.id}/insights?segment=lost").status_code == 200
        assert client.get(f"/exhibitions/editions/{e24.id}/rebooking").status_code == 200
        panel = client.get(f"/crm/customers/{customer}")
        assert panel.status_code == 200 and "exh-insights-probability" in panel.text
        assert client.get("/exhibitions/surveys").status_code == 200


def test_reading_the_insights_does_not_make_plans(kernel, expo, client, make):
    """Service plans write tasks: a reader of the insights (a space seller)
    neither sees the button nor makes them."""
    seller = expo["seller1"]
    with kernel.db.session() as db, pytest.raises(Forbidden):
        service_plans.make(db, actor_of(kernel, db, seller), expo["edition"])
    client.login("seller1")
    page = client.get(f"/exhibitions/editions/{expo['edition']}/insights")
    assert page.status_code == 200 and 'id="exh-service-plans"' not in page.text
    assert client.submit(f"/exhibitions/editions/{expo['edition']}/service-plans", {}).status_code == 403

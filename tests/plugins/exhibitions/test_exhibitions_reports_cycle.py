"""The reports across editions: of the 24th's exhibitors, who have space in
the 25th (the rebooking rate), service revenue of confirmed orders in all,
per exhibitor and per m², accepted rebooking offers and the exhibitor NPS
of each edition, each aggregated in SQL under the reader's scope; the page
in Chinese and English. Run on SQLite and, with SUANPAN_DATABASE_URL, on
PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cycle_support import edition
from exhibitions_support import actor_of

from core.app import Kernel
from plugins.exhibitions.models import (
    RebookingOffer,
    ServiceOrder,
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyQuestion,
)
from plugins.exhibitions.services import reports


def order(kernel: Kernel, expo: dict[str, Any], edition_id: int, customer: int, total: str, state: str) -> None:
    with kernel.db.session() as db:
        db.add(ServiceOrder(org_id=expo["hq"].id, edition_id=edition_id, customer_id=customer, state=state,
                            ordered_on=date(2026, 10, 1), total=Decimal(total)))


def test_rebooking_rate_revenue_per_exhibitor_and_m2_and_nps_per_edition(kernel, client, expo, plan, booth,
                                                                         new_customer):
    seller = expo["seller1"]
    a, b, c, d = (new_customer(seller, n) for n in ("寿光蔬菜", "北大荒米业", "普洱茶业", "新疆果业"))
    e24 = edition(kernel, expo, 24, year=2026)
    old, new = plan(edition=e24), plan()
    had = {customer: booth(old, f"A10{n}", x=3 * n, status="sold", customer_id=customer)
           for n, customer in enumerate((a, b, c))}  # 3 exhibitors of 9 m² in the 24th
    booth(old, "A109", x=27, status="available")
    booth(new, "A100", status="reserved", customer_id=a, width=6, depth=6)  # a and b came back, d is new
    booth(new, "A101", x=6, status="held", customer_id=b)
    booth(new, "A102", x=9, status="sold", customer_id=d)
    order(kernel, expo, e24, a, "3000", "confirmed")
    order(kernel, expo, e24, b, "1500", "confirmed")
    order(kernel, expo, e24, c, "9999", "draft")  # not revenue
    with kernel.db.session() as db:
        for customer, state in ((a, "accepted"), (b, "open"), (c, "declined")):
            db.add(RebookingOffer(org_id=expo["hq"].id, edition_id=e24, next_edition_id=expo["edition"],
                                  customer_id=customer, from_booth_id=had[customer], valid_from=date(2026, 12, 1),
                                  valid_until=date(2026, 12, 31), state=state))
            db.flush()
        survey = Survey(org_id=expo["hq"].id, edition_id=e24, audience="exhibitors", title="调查", state="closed")
        db.add(survey)
        db.flush()
        question = SurveyQuestion(survey_id=survey.id, kind="nps", text="推荐？")
        db.add(question)
        db.flush()
        for n, score in enumerate((10, 9, 5)):
            invite = SurveyInvite(survey_id=survey.id, token=f"tok-{n}")
            db.add(invite)
            db.flush()
            db.add(SurveyAnswer(invite_id=invite.id, question_id=question.id, score=score))
    with kernel.db.session(write=False) as db:
        rows, complaints = reports.cycle(db, actor_of(kernel, db, expo["manager"]), expo["edition"])
        first, second = rows
        assert (first.edition.number, first.exhibitors, first.area, first.revenue) == (24, 3, Decimal(27),
                                                                                        Decimal(4500))
        assert (first.per_exhibitor, first.per_m2, first.nps, first.rebooking_rate) == (
            Decimal("1500.00"), Decimal("166.67"), 33.3, None)
        assert (second.previous, second.returned, second.rebooking_rate) == (3, 2, Decimal("66.7"))
        assert (second.exhibitors, second.area, second.offers, second.accepted) == (3, Decimal(54), 3, 1)
        assert second.per_exhibitor is None or second.revenue == 0
        outsider_rows = None
        try:
            outsider_rows = reports.cycle(db, actor_of(kernel, db, expo["outsider"]), expo["edition"])
        except Exception as exc:  # noqa: BLE001 - the edition is outside their scope
            assert type(exc).__name__ == "NotFound"
        assert outsider_rows is None
    client.login("expomanager")
    for lang, word in (("zh_CN", "续展率"), ("en", "Rebooking rate")):
        client.submit("/locale", {"locale": lang})
        page = client.get(f"/exhibitions/editions/{expo['edition']}/reports/cycle")
        assert page.status_code == 200 and word in page.text and "66.7 %" in page.text

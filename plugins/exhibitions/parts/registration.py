"""What the registration part registers (gathered by plugins.exhibitions.hooks):
the ticket mail's task, the visitor badge print, the dataset of admissions
per day and hall, the demo's registration settings, questions and gates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import N_, DatasetDecl, PrintDecl, TaskDecl, shown_value
from plugins.exhibitions.models import Admission, Edition, Visitor
from plugins.exhibitions.models.choices import VISITOR_KINDS
from plugins.exhibitions.services import registration

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor

#: a kind of visitor's colour band on the badge
BANDS = {"visitor": "#1d4ed8", "buyer": "#15803d", "media": "#7c3aed", "vip": "#b45309"}


def visitor_badge_context(session: Session, actor: Actor, visitor: Visitor) -> dict[str, Any]:
    edition = session.get(Edition, visitor.edition_id)
    return {"edition_name": shown_value(actor, Edition, "name", edition.name if edition else "") or "",
            "edition_name_en": shown_value(actor, Edition, "name_en", edition.name_en if edition else "") or "",
            "kind_label": VISITOR_KINDS.get(visitor.kind, ""), "band": BANDS.get(visitor.kind, "#334155")}


TASKS = [TaskDecl(registration.TASK, registration.send_ticket, max_attempts=6, timeout_seconds=120)]

PRINTS = [
    PrintDecl("exhibitions.visitor_badge", N_("Visitor badge"), Visitor,
              "exhibitions/print/badges_visitor.html", number="code", context=visitor_badge_context),
]

#: admissions per edition, day, hall and gate (the dashboard's report builder, charts and Excel export)
DATASETS = [
    DatasetDecl("exhibitions.admissions", N_("Visitor admissions"), Admission,
                ("edition_id", "day", "hall_id", "gate", "first_at"),
                {"visitors": "count", "scans": "sum:scans", "visitors_reached": "count_distinct:visitor_id"},
                filters=("edition_id", "day", "hall_id", "gate"),
                labels={"visitors": N_("Visitors admitted"), "scans": N_("Scans"),
                        "visitors_reached": N_("Different visitors"), "hall_id": N_("Hall"),
                        "first_at": N_("First scan")}),
]

#: the demo's questions: text, English, kind, required, options
QUESTIONS = (
    ("您是如何得知本届展会的？", "How did you hear about the show?", "single", True,
     "展会官网 | Show website\n微信公众号 | WeChat\n行业协会 | Trade association\n朋友推荐 | A friend"),
    ("您希望在展会上洽谈哪些产品？", "Which products do you want to source?", "multiple", False,
     "农机装备 | Farm machinery\n种子种苗 | Seeds\n智慧农业 | Smart farming\n农产品加工 | Food processing"),
    ("是否需要预约展商洽谈？", "Do you want us to book meetings with exhibitors?", "yesno", False, ""),
)


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """The 25th edition's registration settings (buyers deciding purchases
    of ¥1 million and more are qualified; two badges per 9 m²), three
    questions and four gates into the venue's halls."""
    from sqlalchemy import select

    from plugins.exhibitions.models import Space, VisitorGate, VisitorQuestion, VisitorSetup

    edition_id = (made.get("editions") or {}).get(25)
    edition = session.get(Edition, edition_id) if edition_id else None
    if edition is None:
        return
    session.add(VisitorSetup(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                             registration_open=True, qualify_roles=["decides", "recommends"],
                             qualify_budget="1m_10m", qualify_interests=[], badges_per=2, per_area_m2=9,
                             badge_minimum=2, badge_deadline=edition.opens_on))
    for n, (text, english, kind, required, options) in enumerate(QUESTIONS, start=1):
        session.add(VisitorQuestion(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                                    sequence=n * 10, text=text, text_en=english, kind=kind, required=required,
                                    options=options))
    halls = list(session.scalars(select(Space.id).where(Space.venue_id == edition.venue_id,
                                                        Space.kind == "hall")
                                 .order_by(Space.id).limit(2))) if edition.venue_id else []
    for one in (edition, session.get(Edition, (made.get("editions") or {}).get(24) or 0)):
        if one is None:
            continue
        for i, gate in enumerate(("东门", "西门", "南门", "北门")):
            if halls:
                session.add(VisitorGate(org_id=one.org_id, owner_id=one.owner_id, edition_id=one.id,
                                        name=gate, space_id=halls[i % len(halls)]))
    session.flush()
    _past_admissions(session, made)


def _past_admissions(session: Session, made: dict[str, Any]) -> None:
    """The 24th (closed) edition's visitors and their days at the gates, so
    that its visitor dashboard shows days, halls, hours and re-entries."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from plugins.exhibitions.models import Admission, VisitorGate
    from plugins.exhibitions.parts.visitors import COMPANIES, GIVEN, SURNAMES
    from plugins.exhibitions.services.visitors import new_code

    past = session.get(Edition, (made.get("editions") or {}).get(24) or 0)
    if past is None or past.opens_on is None:
        return
    gates = list(session.execute(select(VisitorGate.name, VisitorGate.space_id).where(
        VisitorGate.edition_id == past.id).order_by(VisitorGate.name)))
    if not gates:
        return
    days = [past.opens_on + timedelta(days=d) for d in range(((past.closes_on or past.opens_on)
                                                              - past.opens_on).days + 1)]
    kinds = ("visitor", "buyer", "visitor", "visitor", "buyer", "media", "visitor", "vip")
    for n in range(120):
        kind = kinds[n % len(kinds)]
        visitor = Visitor(org_id=past.org_id, owner_id=past.owner_id, edition_id=past.id,
                          name=SURNAMES[(n * 3) % len(SURNAMES)] + GIVEN[(n * 5) % len(GIVEN)],
                          company=COMPANIES[n % len(COMPANIES)], mobile=f"138{n:08d}", kind=kind,
                          qualified=kind == "buyer" and n % 3 != 0, code=new_code())
        session.add(visitor)
        session.flush()
        for d, day in enumerate(days):
            if n % max(2, 5 - d) == 0:
                continue  # not every visitor comes every day: fewer towards the last
            name, hall = gates[(n * 3 + d) % len(gates) if n % 7 else 0]
            hour = (9, 9, 9, 10, 10, 10, 10, 11, 11, 13, 13, 14, 15, 16)[(n * 5 + d * 3) % 14]
            first = datetime(day.year, day.month, day.day, hour, (n * 13) % 60, tzinfo=UTC) - timedelta(hours=8)
            scans = 2 if (n * 7 + d) % 5 == 0 else 1
            session.add(Admission(org_id=past.org_id, edition_id=past.id, visitor_id=visitor.id, day=day,
                                  gate=name, hall_id=hall,
                                  first_at=first, last_at=first + timedelta(hours=scans - 1), scans=scans))
    session.flush()

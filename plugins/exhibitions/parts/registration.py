"""What the registration part registers (gathered by plugins.exhibitions.hooks):
the ticket mail's task, the visitor badge print, the demo's registration
settings, questions and gates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import N_, PrintDecl, TaskDecl, shown_value
from plugins.exhibitions.models import Edition, Visitor
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
    for i, gate in enumerate(("东门", "西门", "南门", "北门")):
        if halls:
            session.add(VisitorGate(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                                    name=gate, space_id=halls[i % len(halls)]))
    session.flush()

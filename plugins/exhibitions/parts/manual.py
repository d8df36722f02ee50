"""What the exhibitor-manual part registers (gathered by
plugins.exhibitions.hooks): the menu entry of the manual's forms, the daily
reminders job, and the demo's six forms of the 25th edition with some of
them done."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, JobDecl, MenuItem
from plugins.exhibitions.services import manual

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MENU = [
    MenuItem("exhibitions.manual", N_("Exhibitor manual forms"), "exhibitions:manual_form_list",
             "exhibitions.manual_form.read", icon="checklist", section=N_("Exhibitions"), order=472),
]

JOBS = [JobDecl("exhibitions.manual_reminders", manual.manual_reminders, "0 8 * * *")]

#: the issue's six forms: code, name, English name, kind, mandatory, days before move-in, remind days before
FORMS = (
    ("F01", "会刊企业简介", "Company profile for the catalogue", "profile", True, 60, 14),
    ("F02", "楣板名称", "Fascia name", "fascia", True, 45, 7),
    ("F03", "参展证人员名单", "Staff badge names", "badges", True, 20, 7),
    ("F04", "特装报图", "Special-decoration drawings", "drawings", True, 30, 10),
    ("F05", "电力申请", "Power order", "power", False, 25, 7),
    ("F06", "保险证明", "Insurance certificate", "insurance", True, 10, 5),
)


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """The six forms of the 25th edition (deadlines before its move-in), the
    company profile and the fascia name done by half of its exhibitors."""
    from plugins.exhibitions.models import Booth, Edition, ManualForm, ManualSubmission

    editions = made.get("editions") or {}
    edition = session.get(Edition, editions.get(25)) if editions.get(25) else None
    if edition is None or edition.opens_on is None:
        return
    move_in = edition.move_in_on or edition.opens_on
    forms = [ManualForm(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id, code=code,
                        name=name, name_en=english, kind=kind, mandatory=mandatory,
                        deadline=move_in - timedelta(days=days), remind_days=remind, sequence=n * 10)
             for n, (code, name, english, kind, mandatory, days, remind) in enumerate(FORMS, start=1)]
    session.add_all(forms)
    session.flush()
    exhibitors = list(dict.fromkeys(session.scalars(
        select(Booth.customer_id).where(Booth.edition_id == edition.id, Booth.customer_id.is_not(None),
                                        Booth.status.in_(("reserved", "sold"))).order_by(Booth.number))))
    for k, customer_id in enumerate(exhibitors[::2]):
        assert customer_id is not None
        for form in forms[:2]:
            session.add(ManualSubmission(org_id=edition.org_id, owner_id=edition.owner_id, form_id=form.id,
                                         customer_id=customer_id, done_on=form.deadline - timedelta(days=k % 9),
                                         data={"text": "已提交"}))
    session.flush()

"""The live visitor dashboard of an edition: admissions per day and hall,
per hour of a day, by kind of visitor, re-entries and qualified buyers,
each one aggregate query (the edition read under the reader's scope).

A visitor's day counts in the hall of the gate that admitted them first
that day (see :mod:`plugins.exhibitions.services.visitors`); a gate the
edition has not tied to a hall counts under "no hall". Hours are China's
(UTC+8 all year: grouping by the UTC hour and adding 8 is exact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from core import Actor, get_for
from plugins.exhibitions.models import Admission, Edition, Space, Visitor

CHINA_OFFSET = 8


@dataclass(frozen=True)
class Dashboard:
    edition: Edition
    day: date
    #: (day, hall id or None, visitors admitted, scans after the first)
    by_day_hall: list[tuple[date, int | None, int, int]]
    halls: dict[int, str]
    #: China's hour -> visitors first admitted then, on ``day``
    by_hour: dict[int, int]
    #: kind -> (registered, admitted at least once)
    by_kind: dict[str, tuple[int, int]]
    registered: int
    admitted: int
    reentries: int
    qualified: int
    qualified_admitted: int

    @property
    def day_total(self) -> int:
        return sum(n for d, _h, n, _r in self.by_day_hall if d == self.day)

    @property
    def peak_hour(self) -> int:
        return max(self.by_hour.values(), default=0)


def dashboard(db: Session, actor: Actor, edition_id: Any, day: date) -> Dashboard:
    edition = get_for(db, actor, Edition, edition_id)
    of_edition = Admission.edition_id == edition.id
    by_day_hall = [(d, h, int(n), int(r or 0)) for d, h, n, r in db.execute(
        select(Admission.day, Admission.hall_id, func.count(), func.sum(Admission.scans - 1))
        .where(of_edition).group_by(Admission.day, Admission.hall_id)
        .order_by(Admission.day, Admission.hall_id.is_(None), Admission.hall_id))]  # "no hall" last
    hall_ids = sorted({h for _d, h, _n, _r in by_day_hall if h is not None})
    halls = dict(db.execute(select(Space.id, Space.name).where(Space.id.in_(hall_ids))).all()) \
        if hall_ids else {}
    hour = extract("hour", Admission.first_at)
    by_hour: dict[int, int] = {}
    for utc_hour, n in db.execute(select(hour, func.count()).where(of_edition, Admission.day == day)
                                  .group_by(hour)):
        local = (int(utc_hour) + CHINA_OFFSET) % 24
        by_hour[local] = by_hour.get(local, 0) + int(n)
    came = select(Admission.visitor_id).where(of_edition).distinct().scalar_subquery()
    by_kind: dict[str, tuple[int, int]] = {}
    for kind, registered, admitted in db.execute(
            select(Visitor.kind, func.count(), func.count(Visitor.id).filter(Visitor.id.in_(came)))
            .where(Visitor.edition_id == edition.id).group_by(Visitor.kind)):
        by_kind[kind] = (int(registered), int(admitted))
    qualified, qualified_admitted = db.execute(
        select(func.count(), func.count(Visitor.id).filter(Visitor.id.in_(came)))
        .where(Visitor.edition_id == edition.id, Visitor.qualified.is_(True))).one()
    reentries = db.scalar(select(func.coalesce(func.sum(Admission.scans - 1), 0)).where(of_edition)) or 0
    return Dashboard(edition, day, by_day_hall, halls, dict(sorted(by_hour.items())), by_kind,
                     sum(r for r, _a in by_kind.values()), sum(a for _r, a in by_kind.values()),
                     int(reentries), int(qualified or 0), int(qualified_admitted or 0))

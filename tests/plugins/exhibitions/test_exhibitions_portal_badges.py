"""Staff badge names from the exhibitor portal: the exhibitor gives its
names within the quota of its booked m² (more names than the quota are
refused when the edition sells no extra badge), until the deadline, after
which the page is closed and a save is refused; only its own badges show.
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date

import portal_support
from exhibitions_support import actor_of
from portal_support import portal_login
from services_support import on
from sqlalchemy import select

from plugins.exhibitions.models import ExhibitorBadge
from plugins.exhibitions.services import registration

#: the portal part's fixtures (portal_support.py)
exhibitors, portal = portal_support.exhibitors, portal_support.portal

BEFORE, DEADLINE, AFTER = date(2027, 9, 1), date(2027, 10, 31), date(2027, 11, 2)


def names(n: int) -> dict[str, str]:
    form = {"rows": str(n)}
    for i in range(1, n + 1):
        form.update({f"line_{i}_name": f"员工{i}", f"line_{i}_title": "销售", f"line_{i}_mobile": f"1380000{i:04d}"})
    return form


def test_the_exhibitor_names_its_staff_badges_until_the_deadline(kernel, expo, exhibitors, portal, new_client):
    with kernel.db.session() as db:  # 2 badges a 9 m²: the farm's 18 m² booth takes 4
        registration.save_setup(db, actor_of(kernel, db, expo["manager"]), expo["edition"], {
            "registration_open": "1", "badges_per": "2", "per_area_m2": "9", "badge_minimum": "2",
            "badge_deadline": DEADLINE.isoformat()})
    url = f"/exhibitions/portal/editions/{expo['edition']}/badges"
    with on(BEFORE):
        portal_login(portal, "zhao@shouguang.example.cn")
        page = portal.get(url)
        assert page.status_code == 200 and "已订 18 m²：含 4 张参展证。" in page.text
        too_many = portal.submit(url, names(5))
        assert too_many.status_code == 422 and 'id="exh-portal-badge-error"' in too_many.text
        assert portal.submit(url, names(3), follow_redirects=False).status_code == 303
        saved = portal.get(url).text
        assert "员工3" in saved and "员工4" not in saved
    with kernel.db.session(write=False) as db:
        rows = db.scalars(select(ExhibitorBadge).order_by(ExhibitorBadge.sequence)).all()
        assert [(b.customer_id, b.name, b.extra) for b in rows] == [(exhibitors["farm"], f"员工{i}", False)
                                                                     for i in (1, 2, 3)]
    with on(AFTER):
        portal_login(portal, "zhao@shouguang.example.cn")  # the session idled out over the weeks
        closed = portal.get(url)
        assert 'id="exh-portal-badge-closed"' in closed.text and 'id="exh-portal-badge-form"' in closed.text
        late = portal.submit(url, names(4))
        assert late.status_code == 409 and 'id="exh-portal-badge-error"' in late.text
    with kernel.db.session(write=False) as db:
        assert len(db.scalars(select(ExhibitorBadge)).all()) == 3
    rival = new_client()
    with on(BEFORE):
        portal_login(rival, "li@beidahuang.example.cn")
        assert "员工1" not in rival.get(url).text

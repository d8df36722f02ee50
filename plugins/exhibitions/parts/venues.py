"""What the venues part registers (gathered by plugins.exhibitions.hooks):
the menu section "Exhibitions" (editions, show series, venues, the hall
calendar), the job releasing lapsed holds on spaces, the global search of
editions and venues, and the demo venue 全国农业展览馆 with the series
中国国际农业博览会 and its 24th and 25th editions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core import N_, JobDecl, MenuItem, SearchDecl
from plugins.crm.kernel import grant_role
from plugins.exhibitions.models import Edition, ShowSeries, Space, SpaceBooking, Venue, Zone
from plugins.exhibitions.services import venues as services

SECTION = N_("Exhibitions")

MENU = [
    MenuItem("exhibitions.editions", N_("Editions"), "exhibitions:edition_list", "exhibitions.edition.read",
             icon="building-pavilion", section=SECTION, order=400),
    MenuItem("exhibitions.series", N_("Show series"), "exhibitions:series_list", "exhibitions.series.read",
             icon="stack-2", section=SECTION, order=410),
    MenuItem("exhibitions.venues", N_("Venues"), "exhibitions:venue_list", "exhibitions.venue.read",
             icon="building-warehouse", section=SECTION, order=420),
    MenuItem("exhibitions.calendar", N_("Hall calendar"), "exhibitions:calendar_month",
             "exhibitions.space_booking.read", icon="calendar-month", section=SECTION, order=430),
]

JOBS = [JobDecl("exhibitions.release_space_holds", services.release_space_holds, "5 * * * *")]

SEARCH = [
    SearchDecl("exhibitions.edition", "name", text=("name_en", "theme", "organiser"), subtitle="theme",
               icon="building-pavilion"),
    SearchDecl("exhibitions.venue", "name", text=("name_en", "address"), subtitle="city",
               icon="building-warehouse"),
]

#: code, name, English name, area m², capacity, ceiling m, floor load kN/m²
HALLS = (("1", "1号馆", "Hall 1", "10800", 8000, "12", "30"),
         ("2", "2号馆", "Hall 2", "7200", 5500, "10", "25"),
         ("3", "3号馆", "Hall 3", "6400", 5000, "9", "20"))
ZONES = (("A", "A区（主入口）", "Zone A (main entrance)"), ("B", "B区", "Zone B"), ("C", "C区", "Zone C"))
OTHER_SPACES = (("meeting_room", "M1", "新闻发布厅", "Press hall", "320", 200),
                ("meeting_room", "M2", "第一会议室", "Meeting room 1", "120", 80),
                ("outdoor", "W1", "室外展场", "Outdoor ground", "15000", 10000))


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """The demo venue, its halls and zones, the series and two editions with
    their bookings, in the CRM demo's head office; owned by 张伟."""
    if "HQ" not in orgs or "zhangwei" not in users:
        return
    org, manager = orgs["HQ"], users["zhangwei"]
    own = {"org_id": org, "owner_id": manager}
    # 张伟 runs the exhibitions as he runs sales; 李娜 sells space as well as her region's deals
    grant_role(session, manager, "exhibitions.manager", org)
    if "lina" in users:
        grant_role(session, users["lina"], "exhibitions.seller", org)
    venue = Venue(**own, name="全国农业展览馆", name_en="National Agricultural Exhibition Center",
                  city="北京市", address="北京市朝阳区北三环东路16号",
                  note="地铁10号线农业展览馆站；三座主展馆与室外展场，可承办大型农业与食品类展会。")
    session.add(venue)
    session.flush()
    halls: dict[str, int] = {}
    for n, (code, name, name_en, area, capacity, ceiling, load) in enumerate(HALLS):
        hall = Space(org_id=org, venue_id=venue.id, kind="hall", code=code, name=name, name_en=name_en,
                     area=Decimal(area), capacity=capacity, ceiling_height=Decimal(ceiling),
                     floor_load=Decimal(load), sequence=10 + n)
        session.add(hall)
        session.flush()
        halls[code] = hall.id
        session.add_all([Zone(org_id=org, space_id=hall.id, code=z, name=zn, name_en=ze)
                         for z, zn, ze in ZONES])
    others: dict[str, int] = {}
    for n, (kind, code, name, name_en, area, capacity) in enumerate(OTHER_SPACES):
        space = Space(org_id=org, venue_id=venue.id, kind=kind, code=code, name=name, name_en=name_en,
                      area=Decimal(area), capacity=capacity, sequence=50 + n)
        session.add(space)
        session.flush()
        others[code] = space.id
    series = ShowSeries(**own, name="中国国际农业博览会", name_en="China International Agricultural Expo",
                        short_name="农博会", industry="agriculture", organiser="农业农村部",
                        description="国内规模最大的综合性农业展会，每年一届，展示农业科技、种业、农机与品牌农产品。")
    session.add(series)
    session.flush()
    terms = {"hours": "09:00–17:00（闭幕日至14:00）", "organiser": "农业农村部",
             "co_organisers": "北京市人民政府\n中国农业国际合作促进会", "industry": "agriculture",
             "hold_days": 7, "deposit_percent": Decimal("30"), "deposit_days": 15, "balance_days": 30}
    e24 = Edition(**own, **terms, series_id=series.id, number=24, name="第二十四届中国国际农业博览会",
                  name_en="24th China International Agricultural Expo", theme="品牌强农 科技兴农",
                  venue_id=venue.id, move_in_on=date(2026, 11, 16), opens_on=date(2026, 11, 19),
                  closes_on=date(2026, 11, 22), move_out_on=date(2026, 11, 23), target_area=Decimal("22000"),
                  target_revenue=Decimal("30000000"), state="closed", penalties=_penalties(2026))
    session.add(e24)
    session.flush()
    e25 = Edition(**own, **terms, series_id=series.id, number=25, name="第二十五届中国国际农业博览会",
                  name_en="25th China International Agricultural Expo", theme="种业振兴 绿色发展",
                  venue_id=venue.id, previous_id=e24.id, move_in_on=date(2027, 11, 15),
                  opens_on=date(2027, 11, 18),
                  closes_on=date(2027, 11, 21), move_out_on=date(2027, 11, 22), target_area=Decimal("24000"),
                  target_revenue=Decimal("34000000"), state="selling", penalties=_penalties(2027))
    session.add(e25)
    session.flush()
    for edition in (e24, e25):
        for hall_id in halls.values():
            for purpose, starts, ends in services.edition_periods(edition):
                session.add(SpaceBooking(**own, space_id=hall_id, edition_id=edition.id, purpose=purpose,
                                         title=edition.name, starts_on=starts, ends_on=ends, state="confirmed"))
    soon = services.today() + timedelta(days=10)
    session.add_all([
        SpaceBooking(**own, space_id=others["M1"], edition_id=e24.id, purpose="event",
                     title="农博会开幕新闻发布会",
                     starts_on=date(2026, 11, 19), ends_on=date(2026, 11, 19), state="confirmed"),
        SpaceBooking(**own, space_id=halls["2"], purpose="event", title="全国种业交流对接会",
                     starts_on=soon, ends_on=soon + timedelta(days=2), state="hold",
                     hold_until=services.today() + timedelta(days=5)),
        SpaceBooking(**own, space_id=others["M2"], edition_id=e25.id, purpose="event", title="智慧农业高峰论坛",
                     starts_on=date(2027, 11, 19), ends_on=date(2027, 11, 19), state="hold",
                     hold_until=date(2027, 6, 30)),
    ])
    session.flush()
    made.update(venue=venue.id, halls=halls, editions={24: e24.id, 25: e25.id}, org_id=org, manager_id=manager,
                series=series.id)


def _penalties(year: int) -> list[dict[str, str]]:
    """30 % of the contract until 20 August, 60 % until 20 October, then all of it."""
    return [{"until": f"{year}-08-20", "percent": "30"}, {"until": f"{year}-10-20", "percent": "60"}]

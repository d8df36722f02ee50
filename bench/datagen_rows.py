"""The rows of bench/datagen.py, made without a database: customers (Chinese
and foreign companies with their English names, addresses down to the
street, landlines, e-mail and web domains), two contacts each (mobiles,
landlines, e-mails, WeChat ids, birthdays), follow-ups, and the lines,
totals and receivable plans of contracts and quotes.

Deterministic: every stream is a ``random.Random`` seeded from the run's
seed and the stream's name, and each is drawn in customer order, so the
same seed gives the same rows whatever the chunk size, and the first N
customers of a larger run are those of a smaller one. Dates count back
from ``as_of``, never from the clock.

The company names, regions, credit codes, levels and letters are the CRM
demo's generator (``plugins.crm.services.demo.companies``); the rows hold
what the CRM's own services store (phones as ``normal_phone`` gives them,
the letter of ``names.initial``), which tests/bench_support checks.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from pypinyin import lazy_pinyin

from plugins.crm import regions
from plugins.crm.services.demo import (
    FOLLOWUP_TEXT,
    GIVEN,
    INDUSTRY_WORDS,
    POSITIONS,
    REGIONS,
    SURNAMES,
    TAGS,
    Owner,
    companies,
    mobile,
)
from plugins.crm.services.names import initial
from plugins.sales.services.totals import HUNDRED, line_amounts, rounded, sum_up

#: China's time: document numbers count per year there
CHINA = ZoneInfo("Asia/Shanghai")
#: share of customers sitting in the public pool (returned there by the nightly job)
POOLED = 0.2
#: share of foreign-invested companies, whose registered name is English
FOREIGN = 0.05
#: follow-ups per customer, drawn from these
FOLLOWUPS = (0, 1, 1, 2)
#: contracts by state: drafts, approved and signed ones (the last two with their receivable plans)
CONTRACT_STATES = (("draft", 8), ("approved", 7), ("signed", 85))
QUOTE_STATES = ("draft", "approved", "sent", "sent", "accepted", "declined")
LINES = 5
QUANTITIES = (1, 1, 2, 3, 5, 10)
DISCOUNTS = (0, 0, 3, 5, 8, 12)
DELIVERY_TERMS = "合同签订后 15 个工作日内交货"
QUOTE_PAYMENT = "预付 30%，到货后 30 天内付清"

STREETS = ("中山路", "人民路", "解放路", "建设路", "和平路", "长江路", "黄河路", "南京路", "北京路",
           "文化路", "科技路", "创业大道", "高新大道", "滨江大道", "学院路", "新华路", "胜利路", "光明路",
           "幸福路", "工业大道", "世纪大道", "迎宾路", "青年路", "东风路", "金融街")
TOWERS = ("国际大厦", "科技大厦", "商务中心", "金融中心", "创新广场", "软件园", "产业园")
#: the English of the demo's trade words, and of the legal forms
TRADE_EN = {"科技": "Technology", "软件": "Software", "信息技术": "Information Technology",
            "网络科技": "Network Technology", "机械": "Machinery", "精密制造": "Precision Manufacturing",
            "电子": "Electronics", "新材料": "New Materials", "贸易": "Trading", "商贸": "Commerce",
            "进出口": "Import & Export", "医药": "Pharmaceutical", "医疗器械": "Medical Devices",
            "生物科技": "Biotech", "食品": "Foods", "餐饮管理": "Catering Management", "物流": "Logistics",
            "供应链管理": "Supply Chain Management", "建设": "Construction", "建筑工程": "Engineering",
            "置业": "Real Estate", "能源": "Energy", "新能源": "New Energy", "文化传媒": "Culture & Media",
            "广告": "Advertising", "会展服务": "Exhibition Services", "展览": "Exhibitions",
            "教育科技": "Education Technology", "培训": "Training", "企业管理咨询": "Management Consulting",
            "人力资源": "Human Resources"}
FORMS_EN = (("集团有限公司", "Group Co., Ltd."), ("股份有限公司", "Co., Ltd."),
            ("有限责任公司", "Co., Ltd."), ("有限公司", "Co., Ltd."))
FOREIGN_FIRST = ("North", "Blue", "Silver", "Pacific", "Summit", "Crown", "Harbor", "Evergreen", "Atlas",
                 "Pioneer", "Vertex", "Orion", "Granite", "Maple", "Sterling", "Apex", "Meridian", "Falcon",
                 "Redwood", "Beacon", "Crescent", "Liberty", "Horizon", "Nordic", "Alpine", "Coastal")
FOREIGN_SECOND = ("wind", "bridge", "stone", "field", "gate", "brook", "point", "ridge", "wave", "light",
                  "star", "line", "core", "well", "haven", "crest", "port", "view")
FOREIGN_TRADE = {"it": "Systems", "manufacturing": "Industries", "trade": "Trading", "medical": "Life Sciences",
                 "food": "Foods", "logistics": "Logistics", "construction": "Engineering", "energy": "Energy",
                 "media": "Media", "exhibition": "Events", "education": "Learning", "services": "Consulting"}
FIRST_NAMES = ("James", "Emily", "Michael", "Sarah", "David", "Laura", "Daniel", "Anna", "Thomas", "Julia",
               "Peter", "Sophie", "Mark", "Claire", "Robert", "Hannah", "Lukas", "Marie", "Kenji", "Yuki")
LAST_NAMES = ("Smith", "Miller", "Brown", "Wilson", "Taylor", "Schmidt", "Müller", "Weber", "Martin",
              "Bernard", "Rossi", "Tanaka", "Sato", "Kim", "Lee", "Johnson", "Anderson", "Fischer")
FREE_MAIL = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com")
TLDS = ("com", "com.cn", "cn", "com", "net")
EMAIL_BOXES = ("info", "sales", "contact", "service", "office", "hr")


def rng_of(seed: int, stream: str) -> random.Random:
    """The random stream ``stream`` of a run (a str seed is hashed with SHA-512: stable everywhere)."""
    return random.Random(f"suanpan-datagen:{seed}:{stream}")


@cache
def spelled(text: str) -> str:
    """Pinyin without tones or spaces, for e-mail names and domains (北京 -> beijing)."""
    return "".join(lazy_pinyin(text)).lower().replace("ü", "v")


def at_time(day: date, hour: int = 2, minute: int = 0) -> datetime:
    """A moment of ``day`` in UTC (02:00 UTC is 10:00 in China: office hours)."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@dataclass(frozen=True)
class Team:
    """What the rows refer to in the database: the organisation, its
    salespeople (the owners of customers), the public pool."""

    org_id: int
    owners: Sequence[Owner]
    pool_id: int


@dataclass
class Planned:
    """One customer with what belongs to it, before any id is known:
    ``followups`` are ``(contact 0 or 1, row)``, ``log`` its ownership log."""

    customer: dict[str, Any]
    contacts: list[dict[str, Any]]
    followups: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)


class Customers:
    """The customers of a run, in order (an iterator of :class:`Planned`)."""

    def __init__(self, seed: int, team: Team, count: int, as_of: datetime) -> None:
        self.team, self.as_of = team, as_of
        districts = {(p, c): regions.districts(p, c) for rows in REGIONS.values() for p, c, _, _ in rows}
        self._companies = companies(rng_of(seed, "companies"), team.owners, count, org_id=team.org_id,
                                    district_of=districts)
        self.area = {(p, c): area for rows in REGIONS.values() for p, c, area, _ in rows}
        self.rng = rng_of(seed, "customers")
        self.people = rng_of(seed, "contacts")
        self.visits = rng_of(seed, "followups")
        self._foreign: set[str] = set()

    def __iter__(self) -> Iterator[Planned]:
        for row in self._companies:
            yield self._planned(row)

    # ---------------------------------------------------------------- the company

    def _planned(self, row: dict[str, Any]) -> Planned:
        rng = self.rng
        created = self.as_of - timedelta(days=rng.randint(30, 1460), minutes=rng.randint(0, 600))
        domain = self._english(row)
        row.update(
            address=self._street(rng),
            email=f"{rng.choice(EMAIL_BOXES)}@{domain}" if rng.random() < 0.7 else "",
            website=f"www.{domain}" if rng.random() < 0.6 else "",
            note="", extra={}, version=1, created_at=created, updated_at=created,
            owned_since=created, initial=initial(row["name"]),
        )
        planned = Planned(customer=row, contacts=self._contacts(row, domain, created))
        owner = row["owner_id"]
        planned.log.append({"org_id": row["org_id"], "action": "create", "to_user_id": owner,
                            "actor_id": owner, "reason": "", "at": created})
        if rng.random() < POOLED:  # worked for a while, then returned by the nightly job
            back = created + (self.as_of - created) * rng.uniform(0.3, 0.95)
            row.update(owner_id=None, department_id=None, pool_id=self.team.pool_id, owned_since=None)
            planned.log.append({"org_id": row["org_id"], "action": "auto_return", "from_user_id": owner,
                                "pool_id": self.team.pool_id, "reason": "", "at": back})
            for contact in planned.contacts:
                contact.update(owner_id=None, department_id=None)
            planned.followups = self._followups(row, owner, created, back)
        else:
            planned.followups = self._followups(row, owner, created, self.as_of)
        if planned.followups:
            row["last_followup_at"] = max(f["happened_at"] for _, f in planned.followups)
        if rng.random() < 0.35:
            planned.tags = rng.sample(TAGS, rng.choice((1, 1, 2)))
        return planned

    def _english(self, row: dict[str, Any]) -> str:
        """Set the English name (a foreign company: its registered name) and
        return the company's mail domain."""
        rng = self.rng
        industry = row["industry"]
        tld = rng.choice(TLDS)
        if rng.random() < FOREIGN and industry in FOREIGN_TRADE:
            while True:
                brand = rng.choice(FOREIGN_FIRST) + rng.choice(FOREIGN_SECOND)
                city = row["city"].removesuffix("市")
                name = f"{brand} {FOREIGN_TRADE[industry]} ({spelled(city).title()}) Co., Ltd."
                if name not in self._foreign:
                    break
            self._foreign.add(name)
            row.update(name=name, name_en=name, short_name=brand, size=rng.choice(("medium", "large", "huge")))
            return f"{brand.lower()}-{FOREIGN_TRADE[industry].lower().replace(' ', '')}.{tld}"
        name, short = row["name"], row["short_name"]
        form_cn, form_en = next((cn, en) for cn, en in FORMS_EN if name.endswith(cn))
        words = sorted((w for w in INDUSTRY_WORDS[industry] if name[:-len(form_cn)].endswith(w)), key=len)
        trade = words[-1] if words else INDUSTRY_WORDS[industry][0]
        brand = short.removesuffix(INDUSTRY_WORDS[industry][0])
        city = spelled(row["city"].removesuffix("市")).title()
        row["name_en"] = f"{city} {spelled(brand).title()} {TRADE_EN.get(trade, 'Trading')} {form_en}"
        initials = "".join(w[0] for w in lazy_pinyin(row["city"].removesuffix("市")))
        prefix = initials if rng.random() < 0.4 else ""
        return f"{prefix}{spelled(brand)}{spelled(trade)[:8]}.{tld}"

    def _street(self, rng: random.Random) -> str:
        street = f"{rng.choice(STREETS)}{rng.randint(1, 999)}号"
        if rng.random() < 0.6:
            room = f"{rng.randint(2, 32)}{rng.randint(1, 20):02d}"
            return f"{street}{rng.choice(TOWERS)}{rng.choice('ABCD')}座{room}室"
        return f"{street}{rng.randint(1, 12)}栋{rng.randint(1, 6)}楼"

    # ---------------------------------------------------------------- people

    def _contacts(self, row: dict[str, Any], domain: str, created: datetime) -> list[dict[str, Any]]:
        """Two contacts: the main one (the boss) and one more; the second reports to the first."""
        rng = self.people
        area = self.area.get((row["province"], row["city"]), "010")
        out = []
        for n in range(2):
            position, role = POSITIONS[0] if n == 0 else rng.choice(POSITIONS[1:])
            english = row["name"] == row["name_en"] and rng.random() < 0.6
            if english:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                name, mail = f"{first} {last}", f"{first}.{last}".lower().replace("ü", "ue")
                gender = "female" if first in ("Emily", "Sarah", "Laura", "Anna", "Julia", "Sophie", "Claire",
                                               "Hannah", "Marie", "Yuki") else "male"
            else:
                surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
                name, mail, gender = surname + given, spelled(surname) + spelled(given), rng.choice(("male",
                                                                                                      "female"))
            email = (f"{mail}@{domain}" if rng.random() < 0.7
                     else f"{mail}{rng.randint(1, 999)}@{rng.choice(FREE_MAIL)}")
            digits = rng.randrange(10**7, 10**8) if len(area) == 3 else rng.randrange(10**6, 10**7)
            landline = f"{area}-{digits}" if rng.random() < 0.5 else ""
            birthday = (date(rng.randint(1962, 1998), rng.randint(1, 12), rng.randint(1, 28))
                        if rng.random() < 0.3 else None)
            out.append({
                "org_id": row["org_id"], "owner_id": row["owner_id"], "department_id": row["department_id"],
                "name": name, "gender": gender, "position": position, "decision_role": role,
                "dept": "" if n == 0 else rng.choice(("采购部", "技术部", "财务部", "行政部", "信息中心")),
                "mobile": mobile(rng), "phone": landline, "email": email,
                "wechat": f"{mail.replace('.', '_')}{rng.randint(10, 9999)}" if rng.random() < 0.5 else "",
                "birthday": birthday, "is_main": n == 0, "note": "", "extra": {}, "version": 1,
                "created_at": created, "updated_at": created,
            })
        return out

    def _followups(self, row: dict[str, Any], author: int | None, start: datetime,
                   end: datetime) -> list[tuple[int, dict[str, Any]]]:
        """Calls, visits and messages between ``start`` and ``end`` by ``author``."""
        rng = self.visits
        out = []
        span = max((end - start).total_seconds(), 3600.0)
        for _ in range(rng.choice(FOLLOWUPS)):
            kind, text, result = rng.choice(FOLLOWUP_TEXT)
            at = start + timedelta(seconds=int(rng.uniform(0.05, 1.0) * span))
            written = at + timedelta(minutes=rng.randint(5, 240))
            out.append((rng.choice((0, 0, 1)), {
                "org_id": row["org_id"], "owner_id": row["owner_id"], "department_id": row["department_id"],
                "kind": kind, "happened_at": at, "content": text, "result": result, "author_id": author,
                "duration_minutes": rng.choice((5, 10, 30, 60, 90)), "cost": Decimal("0"),
                "next_contact_on": None, "extra": {}, "version": 1,
                "created_at": written, "updated_at": written,
            }))
        return out


# ---------------------------------------------------------------- contracts and quotes


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    unit: str
    list_price: Decimal
    tax_rate: Decimal


@dataclass(frozen=True)
class Term:
    """A payment term: its id, its text (``describe_term``) and its instalments."""

    id: int
    text: str
    instalments: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Buyer:
    """What a document copies from its customer (as the sales plugin's ``buyer_of`` does)."""

    customer_id: int
    owner_id: int
    department_id: int | None
    name: str
    short_name: str
    address: str
    tax_no: str
    representative: str
    phone: str
    contact_id: int | None


def buyer_address(province: str, city: str, district: str, address: str) -> str:
    parts = [province, city if city != province else "", district]
    return ("".join(p for p in parts if p) + address)[:300]


def lines(rng: random.Random, products: Sequence[Product], places: int = 2) -> list[dict[str, Any]]:
    """Five lines of different products at list price, some discounted, with their amounts."""
    out = []
    for n, product in enumerate(rng.sample(list(products), LINES), start=1):
        quantity, discount = Decimal(rng.choice(QUANTITIES)), Decimal(rng.choice(DISCOUNTS))
        amounts = line_amounts(quantity, product.list_price, discount, product.tax_rate, places=places)
        out.append({"sequence": n * 10, "product_id": product.id, "description": product.name,
                    "unit": product.unit, "quantity": quantity, "unit_price": product.list_price,
                    "list_price": product.list_price, "discount": discount, "tax_rate": product.tax_rate,
                    "amount": amounts.amount, "tax": amounts.tax, "total": amounts.total})
    return out


def totals(rows: Sequence[Mapping[str, Any]]) -> dict[str, Decimal]:
    """A document's totals from its lines (``totals.sum_up``, as ``totals.apply`` sets them)."""
    found = [(line_amounts(r["quantity"], r["unit_price"], r["discount"], r["tax_rate"], places=2),
              r["discount"]) for r in rows]
    t = sum_up(found)
    return {"subtotal": t.subtotal, "discount_total": t.discount_total, "tax_total": t.tax_total,
            "total": t.total, "max_discount": t.max_discount}


def plan(total: Decimal, term: Term, signed: date, start: date | None, end: date | None,
         places: int = 2) -> list[dict[str, Any]]:
    """A contract's receivable plan as ``receivables.generate_plan`` makes it on approval:
    one instalment per term, the last taking the remainder."""
    terms = [t for t in term.instalments if Decimal(str(t.get("percent") or 0)) > 0]
    given, out = Decimal(0), []
    for n, t in enumerate(terms, start=1):
        percent = Decimal(str(t.get("percent")))
        amount = total - given if n == len(terms) else rounded(total * percent / HUNDRED, places)
        given += amount
        basis = {"start": start, "end": end}.get(str(t.get("basis") or "signed")) or signed
        out.append({"sequence": n, "label": str(t.get("label") or "")[:100], "percent": percent,
                    "amount": amount, "due_on": basis + timedelta(days=int(t.get("days") or 0))})
    if not out:
        out.append({"sequence": 1, "label": "", "percent": HUNDRED, "amount": total, "due_on": signed})
    return out


@dataclass(frozen=True)
class Document:
    """When a contract or quote was made, for whom and in which state."""

    customer_index: int
    made: datetime
    state: str
    kind: str = "contract"


def documents(rng: random.Random, count: int, owned: Sequence[int], as_of: datetime, *,
              states: Sequence[str], weights: Sequence[int] | None = None,
              days: int = 730) -> list[Document]:
    """``count`` documents on customers picked among ``owned`` (their
    indexes), made over the ``days`` before ``as_of``, oldest first (the
    order their numbers follow)."""
    made = []
    for _ in range(count):
        day = (as_of - timedelta(days=rng.randint(1, days))).date()
        state = rng.choices(list(states), weights)[0] if weights else rng.choice(list(states))
        made.append(Document(rng.choice(owned), at_time(day, rng.randint(1, 9), rng.randint(0, 59)), state,
                             "order" if rng.random() < 0.1 else "contract"))
    return sorted(made, key=lambda d: d.made)

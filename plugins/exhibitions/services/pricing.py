"""Booth prices from an edition's pricing rules (``PriceRule``), with their
explanation, and the rules' own checks.

A price is built from components, each a :class:`PriceLine` rounded half up
to the cent on its own; the total is their sum, so what the explanation
shows always adds up:

1. **base**: the charged area × the price per m² of the booth's construction
   (a rule naming the booth's type too wins over one that does not). Raw
   space under its ``minimum`` rule is charged as that minimum.
2. **surcharge**: ``percent`` of the base for the booth's type (corner, island).
3. **zone**: the location premium of the booth's zone, ``percent`` of the
   base or ``amount`` per charged m².
4. **early bird**: ``percent`` off the subtotal (1–3) when the day priced
   (``on``, default today) is on or before ``until``; of several tiers the
   one ending first that still applies.
5. **member**: ``percent`` off the subtotal for a customer of the rule's CRM
   level (VIP, key customer).

Discounts (4, 5) are each taken off the same subtotal, not one after the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError, get_for, scope, utcnow
from plugins.crm.models import Customer
from plugins.crm.models.choices import LEVELS
from plugins.exhibitions.models import Booth, Edition, PriceRule, Space, Zone
from plugins.exhibitions.models.choices import BOOTH_TYPES, CONSTRUCTIONS, PRICE_RULE_KINDS

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
#: the fields a rule's form sets
FIELDS = ("kind", "name", "construction", "booth_type", "zone_id", "customer_level", "amount", "percent",
          "until", "min_area", "sequence")
#: at most this many rules per edition
MAX_RULES = 100


@dataclass(frozen=True)
class PriceLine:
    """One component: its message (an English msgid with ``{placeholders}``),
    the values to fill in, and its amount (negative for a discount)."""

    label_msgid: str
    params: dict[str, str]
    amount: Decimal


@dataclass(frozen=True)
class Price:
    """A booth's price: the total, the components adding up to it, the area
    charged (the raw-space minimum may exceed the booth's) and whether a base
    rule applied at all (without one the price is 0 and ``priced`` False)."""

    total: Decimal
    lines: list[PriceLine] = field(default_factory=list)
    area: Decimal = Decimal(0)
    priced: bool = True

    @property
    def per_m2(self) -> Decimal:
        """The total ÷ the charged area, to the cent (a quote line's unit price)."""
        return cents(self.total / self.area) if self.area else Decimal(0)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    """``43,200.00``: an amount as the explanation shows it."""
    return f"{cents(value):,.2f}"


def number(value: Decimal) -> str:
    """``36``, ``10.5``: an area or a percent without trailing zeros."""
    text = f"{value.normalize():f}"
    return text


def explain(line: PriceLine, translate: Callable[[str], str]) -> str:
    """A component's text in the reader's language (its choice labels translated)."""
    params = {k: (translate(v) if k in ("type", "level", "construction") else v)
              for k, v in line.params.items()}
    return translate(line.label_msgid).format(**params)


# ------------------------------------------------------------------ computing


@dataclass(frozen=True)
class Rules:
    """An edition's rules, read once, and the zones' codes they name."""

    rules: list[PriceRule]
    zones: dict[int, str]


def rules_of(db: Session, edition_id: int) -> Rules:
    rules = list(db.scalars(select(PriceRule).where(PriceRule.edition_id == edition_id)
                            .order_by(PriceRule.sequence, PriceRule.id)))
    zone_ids = {r.zone_id for r in rules if r.zone_id is not None}
    zones: dict[int, str] = {}
    if zone_ids:
        zones = dict((a, b) for a, b in db.execute(select(Zone.id, Zone.code).where(Zone.id.in_(zone_ids))))
    return Rules(rules, zones)


def price(db: Session, edition_id: int, booth: Booth, *, customer_id: int | None = None,
          on: date | None = None) -> Price:
    """The price of ``booth`` in the edition for ``customer_id`` (their CRM
    level; default: the booth's exhibitor) on the day ``on`` (default today)."""
    return prices(db, edition_id, [booth], customer_id=customer_id, on=on)[booth.id]


def prices(db: Session, edition_id: int, booths: Sequence[Booth], *, customer_id: int | None = None,
           on: date | None = None) -> dict[int, Price]:
    """The prices of many booths at once (the rules and the customers'
    levels are read once): booth id -> :class:`Price`."""
    rules = rules_of(db, edition_id)
    wanted = {customer_id} if customer_id is not None else {b.customer_id for b in booths if b.customer_id}
    levels: dict[int, str] = dict((a, b) for a, b in db.execute(select(Customer.id, Customer.level)
                                             .where(Customer.id.in_(wanted)))) if wanted else {}
    day = on or utcnow().date()
    out: dict[int, Price] = {}
    for booth in booths:
        who = customer_id if customer_id is not None else booth.customer_id
        out[booth.id] = compute(rules, booth, level=levels.get(who, "") if who else "", on=day)
    return out


def compute(rules: Rules, booth: Booth, *, level: str = "", on: date) -> Price:
    """The price of one booth from rules already read (no database)."""
    area = Decimal(booth.area or 0)
    charged = area
    for rule in rules.rules:
        if rule.kind == "minimum" and rule.construction in ("", booth.construction) and charged < rule.min_area:
            charged = Decimal(rule.min_area)
    bases = [r for r in rules.rules if r.kind == "base" and r.construction == booth.construction
             and r.booth_type in ("", booth.booth_type)]
    if not bases:
        return Price(Decimal(0), [], charged, priced=False)
    base_rule = sorted(bases, key=lambda r: (r.booth_type == "", r.sequence, r.id))[0]
    rate = Decimal(base_rule.amount)
    base = cents(charged * rate)
    construction = CONSTRUCTIONS.get(booth.construction, booth.construction)
    if charged != area:
        lines = [PriceLine(N_("{construction} {area} m² (the minimum; the booth is {actual} m²) × ¥{rate}/m²"),
                           {"construction": construction, "area": number(charged), "actual": number(area),
                            "rate": money(rate)}, base)]
    else:
        lines = [PriceLine(N_("{construction} {area} m² × ¥{rate}/m²"),
                           {"construction": construction, "area": number(charged), "rate": money(rate)}, base)]
    for rule in rules.rules:
        if rule.kind == "surcharge" and rule.booth_type == booth.booth_type and rule.percent:
            lines.append(PriceLine(N_("{type} {percent} %"),
                                   {"type": BOOTH_TYPES.get(rule.booth_type, rule.booth_type),
                                    "percent": signed(rule.percent)}, cents(base * rule.percent / HUNDRED)))
    for rule in rules.rules:
        if rule.kind != "zone" or rule.zone_id is None or rule.zone_id != booth.zone_id:
            continue
        zone = rules.zones.get(rule.zone_id, "")
        if rule.percent:
            lines.append(PriceLine(N_("Zone {zone} premium {percent} %"),
                                   {"zone": zone, "percent": signed(rule.percent)},
                                   cents(base * rule.percent / HUNDRED)))
        if rule.amount:
            lines.append(PriceLine(N_("Zone {zone} premium {area} m² × ¥{rate}/m²"),
                                   {"zone": zone, "area": number(charged), "rate": money(rule.amount)},
                                   cents(charged * rule.amount)))
    subtotal = sum((line.amount for line in lines), Decimal(0))
    early = sorted((r for r in rules.rules if r.kind == "early_bird" and r.until is not None and on <= r.until
                    and r.percent), key=lambda r: (r.until, r.sequence, r.id))
    if early:
        rule = early[0]
        assert rule.until is not None
        lines.append(PriceLine(N_("Early bird until {until} −{percent} %"),
                               {"until": rule.until.isoformat(), "percent": number(rule.percent)},
                               -cents(subtotal * rule.percent / HUNDRED)))
    for rule in rules.rules:
        if rule.kind == "member" and level and rule.customer_level == level and rule.percent:
            lines.append(PriceLine(N_("{level} rate −{percent} %"),
                                   {"level": LEVELS.get(level, level), "percent": number(rule.percent)},
                                   -cents(subtotal * rule.percent / HUNDRED)))
            break
    return Price(sum((line.amount for line in lines), Decimal(0)), lines, charged)


def signed(percent: Decimal) -> str:
    return ("+" if percent > 0 else "") + number(Decimal(percent))


def refresh_prices(db: Session, edition_id: int) -> int:
    """Store each open booth's price from the rules (``Booth.price``, what
    the plan shows); sold and reserved booths keep theirs. How many changed."""
    found = list(db.scalars(select(Booth).where(Booth.edition_id == edition_id,
                                                Booth.status.in_(("available", "held", "blocked")))))
    changed = 0
    for booth_id, quoted in prices(db, edition_id, found).items():
        booth = next(b for b in found if b.id == booth_id)
        if booth.price != quoted.total:
            booth.price = quoted.total
            changed += 1
    db.flush()
    return changed


# ------------------------------------------------------------------ the rules' page


def edition_for(db: Session, actor: Actor, edition_id: int, action: str = "read") -> Edition:
    return get_for(db, actor, Edition, edition_id, action)


def rules_for(db: Session, actor: Actor, edition_id: int) -> list[PriceRule]:
    """The edition's rules the reader may read, in order."""
    edition_for(db, actor, edition_id)
    return list(db.scalars(select(PriceRule).where(PriceRule.edition_id == edition_id,
                                                   scope(actor, PriceRule, "read"))
                           .order_by(PriceRule.sequence, PriceRule.id)))


def zone_choices(db: Session, edition: Edition) -> list[tuple[int, str]]:
    """The zones of the halls of the edition's venue: ``(id, "1号馆 A")``."""
    if edition.venue_id is None:
        return []
    rows = db.execute(select(Zone.id, Space.name, Zone.code, Zone.name)
                      .join(Space, Space.id == Zone.space_id).where(Space.venue_id == edition.venue_id)
                      .order_by(Space.sequence, Space.code, Zone.code))
    return [(i, f"{hall} {code} {name}".strip()) for i, hall, code, name in rows]


def _decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    text = str(raw if raw is not None else "").strip().replace(",", "")
    if not text:
        return Decimal(0)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and abs(value) < Decimal("1e12") else None


def _date(raw: Any) -> date | None | str:
    """A date, None when empty, or "bad"."""
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return "bad"


def check_rule(db: Session, edition: Edition, values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """One rule's values, clean, or a ValidationError naming each bad field
    (``<prefix><field>``): a base rule needs a construction and an amount above
    0; percents lie between -100 and 100 (discounts between 0 and 100); a zone
    rule names a zone of the edition's venue; an early bird has its date; a
    member rule its CRM level; a minimum its area."""
    errors: dict[str, str] = {}
    kind = str(values.get("kind") or "")
    if kind not in PRICE_RULE_KINDS:
        errors[prefix + "kind"] = N_("Choose one of the offered values.")
    clean: dict[str, Any] = {"kind": kind, "name": str(values.get("name") or "").strip()[:100]}
    construction = str(values.get("construction") or "")
    if construction and construction not in CONSTRUCTIONS:
        errors[prefix + "construction"] = N_("Choose one of the offered values.")
    booth_type = str(values.get("booth_type") or "")
    if booth_type and booth_type not in BOOTH_TYPES:
        errors[prefix + "booth_type"] = N_("Choose one of the offered values.")
    level = str(values.get("customer_level") or "")
    if level and level not in LEVELS:
        errors[prefix + "customer_level"] = N_("Choose one of the offered values.")
    numbers: dict[str, Decimal] = {}
    for name in ("amount", "percent", "min_area"):
        value = _decimal(values.get(name))
        if value is None or (name != "percent" and value < 0):
            errors[prefix + name] = N_("Enter a number, 0 or more.") if name != "percent" else \
                N_("Enter a per cent between -100 and 100.")
            value = Decimal(0)
        elif value != cents(value):
            errors[prefix + name] = N_("Enter at most two decimals.")
        numbers[name] = value
    percent = numbers["percent"]
    if not Decimal(-100) <= percent <= HUNDRED:
        errors[prefix + "percent"] = N_("Enter a per cent between -100 and 100.")
    until = _date(values.get("until"))
    if until == "bad":
        errors[prefix + "until"] = N_("Enter a date as YYYY-MM-DD.")
        until = None
    zone_raw = values.get("zone_id")
    zone_id: int | None = None
    if zone_raw not in (None, ""):
        try:
            zone_id = int(str(zone_raw))
        except ValueError:
            zone_id = -1
        if zone_id not in {i for i, _ in zone_choices(db, edition)}:
            errors[prefix + "zone_id"] = N_("Choose a zone of the edition's venue.")
    if kind == "base":
        if not construction:
            errors[prefix + "construction"] = N_("A base price is for a construction: shell scheme or "
                                                 "raw space.")
        if numbers["amount"] <= 0:
            errors.setdefault(prefix + "amount", N_("A base price per m² is above 0."))
    elif kind == "surcharge":
        if not booth_type:
            errors[prefix + "booth_type"] = N_("A surcharge is for a booth type.")
        if not percent:
            errors.setdefault(prefix + "percent", N_("Enter the per cent."))
    elif kind == "zone":
        if zone_id is None:
            errors.setdefault(prefix + "zone_id", N_("Choose a zone of the edition's venue."))
        if not percent and not numbers["amount"]:
            errors.setdefault(prefix + "percent", N_("Enter a per cent or an amount per m²."))
    elif kind in ("early_bird", "member"):
        if not Decimal(0) < percent <= HUNDRED:
            errors.setdefault(prefix + "percent", N_("A discount is a per cent above 0 and at most 100."))
        if kind == "early_bird" and until is None:
            errors.setdefault(prefix + "until", N_("An early-bird discount needs its last day."))
        if kind == "member" and not level:
            errors[prefix + "customer_level"] = N_("Choose the customer level.")
    elif kind == "minimum" and numbers["min_area"] <= 0:
        errors.setdefault(prefix + "min_area", N_("Enter the minimum area, above 0."))
    try:
        sequence = int(str(values.get("sequence") or "10"))
    except ValueError:
        sequence = -1
    if not 0 <= sequence <= 10000:
        errors[prefix + "sequence"] = N_("Enter a whole number from 0 to 10000.")
    if errors:
        raise ValidationError(errors)
    clean.update(construction=construction, booth_type=booth_type, customer_level=level, zone_id=zone_id,
                 until=until, sequence=sequence, **numbers)
    return clean


def save_rules(db: Session, actor: Actor, edition_id: int,
               rows: Iterable[Mapping[str, Any]]) -> list[PriceRule]:
    """Replace the edition's rules with ``rows`` (the prices page, a small
    form set): a row with an ``id`` of an existing rule updates it, one
    without makes a rule, a rule left out is deleted; an empty row is skipped.
    Needs create, update and delete on pricing rules for the rows that need
    them; errors name the row (``rule_<n>_<field>``); nothing is written
    unless every row is good. Booth prices are refreshed."""
    edition = edition_for(db, actor, edition_id, "read")
    current = {r.id: r for r in rules_for(db, actor, edition_id)}
    errors: dict[str, str] = {}
    kept: list[tuple[PriceRule | None, dict[str, Any]]] = []
    given = [r for r in rows if str(r.get("kind") or "").strip()]
    if len(given) > MAX_RULES:
        raise ValidationError({"rules": N_("An edition has at most 100 pricing rules.")})
    for n, row in enumerate(given, start=1):
        rule_id = str(row.get("id") or "")
        rule = current.get(int(rule_id)) if rule_id.isdigit() else None
        if rule_id and rule is None:
            errors[f"rule_{n}_kind"] = N_("This rule was deleted meanwhile. Reload the page.")
            continue
        try:
            kept.append((rule, check_rule(db, edition, row, prefix=f"rule_{n}_")))
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    kept_ids = {rule.id for rule, _ in kept if rule is not None}
    if any(rule is None for rule, _ in kept):
        actor.require("exhibitions.price_rule.create")
    if any(rule is not None and _changed(rule, values) for rule, values in kept):
        actor.require("exhibitions.price_rule.update")
    if set(current) - kept_ids:
        actor.require("exhibitions.price_rule.delete")
    for old_id, old in current.items():
        if old_id not in kept_ids:
            get_for(db, actor, PriceRule, old_id, "delete")
            db.delete(old)
    out: list[PriceRule] = []
    for rule, values in kept:
        if rule is None:
            rule = PriceRule(org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id, **values)
            db.add(rule)
        elif _changed(rule, values):
            get_for(db, actor, PriceRule, rule.id, "update")
            for key, value in values.items():
                setattr(rule, key, value)
        out.append(rule)
    db.flush()
    refresh_prices(db, edition.id)
    return out


def _changed(rule: PriceRule, values: Mapping[str, Any]) -> bool:
    return any(getattr(rule, k) != v for k, v in values.items())

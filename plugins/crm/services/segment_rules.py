"""Segment rules: the fields and operators a rule may use (an allowlist,
design rule 7), their checking (each refused rule named by its row) and
their compilation to one SQL expression over ``crm_customer``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from core import N_, ValidationError, utcnow
from plugins.crm import kernel
from plugins.crm.models import Customer, CustomerTag, Opportunity, Tag
from plugins.crm.models.choices import INDUSTRIES, LEVELS, SOURCES, VALUE_GRADES

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_RULES = 20
MATCHES = {"all": N_("all of the rules"), "any": N_("any of the rules")}

OPS: dict[str, str] = {
    "eq": N_("is"), "ne": N_("is not"), "contains": N_("contains"), "empty": N_("is nobody (in a pool)"),
    "has": N_("has"), "has_not": N_("does not have"), "gt": N_("more than"), "lt": N_("fewer than"),
    "gte": N_("at least"), "within_days": N_("within the last (days)"), "after": N_("on or after"),
    "before": N_("before"),
}


@dataclass(frozen=True)
class FieldSpec:
    """A field rules may test: its label, the kind of value it takes and the
    operators allowed on it."""

    label: str
    kind: str  # choice, text, user, tag, days, amount, period
    ops: tuple[str, ...]
    choices: Mapping[str, str] = field(default_factory=dict)


FIELDS: dict[str, FieldSpec] = {
    "industry": FieldSpec(N_("Industry"), "choice", ("eq", "ne"), INDUSTRIES),
    "province": FieldSpec(N_("Province"), "text", ("eq", "ne", "contains")),
    "city": FieldSpec(N_("City"), "text", ("eq", "ne", "contains")),
    "level": FieldSpec(N_("Level"), "choice", ("eq", "ne"), LEVELS),
    "value_grade": FieldSpec(N_("Value grade"), "choice", ("eq", "ne"), VALUE_GRADES),
    "source": FieldSpec(N_("Source"), "choice", ("eq", "ne"), SOURCES),
    "owner": FieldSpec(N_("Owner"), "user", ("eq", "ne", "empty")),
    "tag": FieldSpec(N_("Tag"), "tag", ("has", "has_not")),
    "days_since_followup": FieldSpec(N_("Days since the last follow-up"), "days", ("gt", "lt")),
    "won_amount": FieldSpec(N_("Won amount in the last months"), "amount", ("gte",)),
    "created": FieldSpec(N_("Created"), "period", ("within_days", "after", "before")),
}

#: the customer column a plain field tests
_COLUMNS = {"industry": Customer.industry, "province": Customer.province, "city": Customer.city,
            "level": Customer.level, "value_grade": Customer.value_grade, "source": Customer.source}


# ------------------------------------------------------------------ rules


def rules_from_form(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The builder's rows as raw rules: ``rule_field[]``, ``rule_op[]``,
    ``rule_value[]`` and ``rule_months[]`` (the months of a won amount),
    one entry per row. ``form`` is a request's form or query."""
    def column(name: str) -> list[str]:
        getlist = getattr(form, "getlist", None)
        raw = getlist(name) if getlist is not None else form.get(name, [])
        return [str(v) for v in (raw if isinstance(raw, list) else [raw])]

    fields, ops, values, months = (column(f"rule_{n}[]") for n in ("field", "op", "value", "months"))
    rules = []
    for i, name in enumerate(fields):
        value: Any = values[i] if i < len(values) else ""
        if FIELDS.get(name) is not None and FIELDS[name].kind == "amount":
            value = {"amount": value, "months": months[i] if i < len(months) else ""}
        rules.append({"field": name, "op": ops[i] if i < len(ops) else "", "value": value})
    return rules


def clean_rules(db: Session, org_id: int, raw: Any) -> list[dict[str, Any]]:
    """Rules checked against :data:`FIELDS` and converted (ids as ints,
    amounts as decimal strings); ``ValidationError`` names each bad row as
    ``rules.<n>`` (1 for the first)."""
    if not isinstance(raw, list):
        raise ValidationError({"rules": N_("The rules must be a list.")})
    if len(raw) > MAX_RULES:
        raise ValidationError({"rules": N_("A segment has at most 20 rules.")})
    errors: dict[str, str] = {}
    clean: list[dict[str, Any]] = []
    for row, rule in enumerate(raw, start=1):
        try:
            clean.append(_clean_rule(db, org_id, rule))
        except ValueError as exc:
            errors[f"rules.{row}"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return clean


def _clean_rule(db: Session, org_id: int, rule: Any) -> dict[str, Any]:
    if not isinstance(rule, Mapping):
        raise ValueError(N_("This rule is not a field, an operator and a value."))
    spec = FIELDS.get(str(rule.get("field", "")))
    if spec is None:
        raise ValueError(N_("Choose one of the offered fields."))
    op = str(rule.get("op", ""))
    if op not in spec.ops:
        raise ValueError(N_("This operator cannot be used with this field."))
    return {"field": rule["field"], "op": op, "value": _clean_value(db, org_id, spec, op, rule.get("value"))}


def _clean_value(db: Session, org_id: int, spec: FieldSpec, op: str, value: Any) -> Any:
    text = "" if value is None or isinstance(value, Mapping) else str(value).strip()
    if spec.kind == "choice":
        if text not in spec.choices:
            raise ValueError(N_("Choose one of the offered values."))
        return text
    if spec.kind == "text":
        if not text or len(text) > 40:
            raise ValueError(N_("Enter a value of at most 40 characters."))
        return text
    if spec.kind == "user":
        if op == "empty":
            return None
        if _int(text) not in {uid for uid, _ in kernel.org_users(db, org_id)}:
            raise ValueError(N_("Choose one of the offered people."))
        return _int(text)
    if spec.kind == "tag":
        tag_id = _int(text)
        if tag_id is None or db.scalar(select(Tag.id).where(Tag.id == tag_id, Tag.org_id == org_id)) is None:
            raise ValueError(N_("Choose one of the offered tags."))
        return tag_id
    if spec.kind == "days" or (spec.kind == "period" and op == "within_days"):
        days = _int(text)
        if days is None or not 0 <= days <= 36_500:
            raise ValueError(N_("Enter a whole number of days."))
        return days
    if spec.kind == "period":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(N_("Enter a date.")) from None
    return _clean_amount(value)


def _clean_amount(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(N_("Enter an amount and a number of months."))
    try:
        amount = Decimal(str(value.get("amount", "")).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(N_("Enter an amount and a number of months.")) from None
    months = _int(str(value.get("months", "")).strip())
    if not amount.is_finite() or amount < 0 or months is None or not 1 <= months <= 120:
        raise ValueError(N_("Enter an amount and a number of months."))
    return {"amount": str(amount.quantize(Decimal("0.01"))), "months": months}


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


# ------------------------------------------------------------------ the predicate


def predicate(rules: Sequence[Mapping[str, Any]], match: str, *, at: datetime | None = None
              ) -> ColumnElement[bool]:
    """The customers the (clean) rules select, as one SQL expression over
    ``crm_customer``; no rule selects everyone."""
    when = at or utcnow()
    clauses = [_clause(rule, when) for rule in rules]
    if not clauses:
        return true()
    return or_(*clauses) if match == "any" else and_(*clauses)


def _clause(rule: Mapping[str, Any], when: datetime) -> ColumnElement[bool]:
    name, op, value = rule["field"], rule["op"], rule["value"]
    if name in _COLUMNS:
        col = _COLUMNS[name]
        if op == "contains":
            return col.contains(str(value), autoescape=True)
        return col == str(value) if op == "eq" else col != str(value)
    if name == "owner":
        if op == "empty":
            return Customer.owner_id.is_(None)
        return Customer.owner_id == value if op == "eq" else or_(Customer.owner_id != value,
                                                                 Customer.owner_id.is_(None))
    if name == "tag":
        tagged = Customer.id.in_(select(CustomerTag.customer_id).where(CustomerTag.tag_id == value))
        return tagged if op == "has" else not_(tagged)
    if name == "days_since_followup":
        cutoff = when - timedelta(days=int(value))
        if op == "gt":  # never followed up counts as long ago
            return or_(Customer.last_followup_at.is_(None), Customer.last_followup_at < cutoff)
        return Customer.last_followup_at > cutoff
    if name == "won_amount":
        return _won_at_least(Decimal(value["amount"]), int(value["months"]), when)
    if name == "created":
        if op == "within_days":
            return Customer.created_at >= when - timedelta(days=int(value))
        midnight = datetime.combine(date.fromisoformat(value), datetime.min.time(), LOCAL_TZ)
        return Customer.created_at >= midnight if op == "after" else Customer.created_at < midnight
    return false()  # unreachable for clean rules


def _won_at_least(amount: Decimal, months: int, when: datetime) -> ColumnElement[bool]:
    if amount <= 0:
        return true()
    since = datetime.combine(months_before(when.astimezone(LOCAL_TZ).date(), months), datetime.min.time(),
                             LOCAL_TZ)
    won = (select(Opportunity.customer_id)
           .where(Opportunity.state == "won", Opportunity.closed_at >= since, Opportunity.deleted_at.is_(None))
           .group_by(Opportunity.customer_id).having(func.sum(Opportunity.amount) >= amount))
    return Customer.id.in_(won)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day if shorter)."""
    month = day.year * 12 + day.month - 1 - months
    year, month = divmod(month, 12)
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month + 1, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def in_org(org_id: int, rules: Sequence[Mapping[str, Any]], match: str, *, at: datetime | None = None
           ) -> ColumnElement[bool]:
    """The customers of ``org_id`` (not in the recycle bin) the rules select."""
    return and_(Customer.org_id == org_id, Customer.deleted_at.is_(None), predicate(rules, match, at=at))


def describe(rule: Mapping[str, Any], gettext: Any, names: Mapping[int, str],
             tags: Mapping[int, str]) -> str:
    """A rule as a sentence in the reader's language ("行业 是 制造业")."""
    spec = FIELDS[rule["field"]]
    value: Any = rule.get("value")
    if spec.kind == "choice":
        shown = gettext(spec.choices.get(str(value), str(value)))
    elif spec.kind == "user":
        shown = "" if value is None else names.get(int(value), f"#{value}")
    elif spec.kind == "tag":
        shown = tags.get(int(value), f"#{value}")
    elif spec.kind == "amount":
        amount = "¥{:,.0f}".format(Decimal(value["amount"]))
        shown = gettext("{amount} in {months} months", amount=amount, months=value["months"])
    else:
        shown = str(value)
    return " ".join(p for p in (gettext(spec.label), gettext(OPS[rule["op"]]), shown) if p)

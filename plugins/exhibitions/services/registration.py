"""Visitor pre-registration (观众预登记): the public form of an edition, its
own questions, the buyer qualification rule, groups, and the e-ticket.

The public address is ``/exhibitions/register/<edition token>`` (the same
signed token as the exhibitors' application form, so nobody walks the
editions by counting ids). It guards as that form does: a honeypot field
(``website``) answered as a success with nothing stored, at most
:data:`RATE_LIMIT` submissions per edition and sender address an hour (the
address kept only as a keyed hash), each bad field named (``member_<n>_<field>``
for a group's members, ``question_<id>`` for the edition's questions) and
nothing written then.

One submission registers a person or a group: the leader and up to
:data:`MAX_MEMBERS` members, each a visitor row with a ticket code of their
own (``leader_id`` ties the members to the leader). A person already
registered for the edition (same mobile or same e-mail) is not registered
twice: their existing ticket is the answer — mailed again to the address
they gave then (at most once an hour), never shown on the page, which
would hand anybody's ticket to whoever types their mobile number. The
leader is ``qualified`` by
the edition's rule (:func:`qualifies`).

Each new ticket goes by e-mail (:func:`queue_ticket_mail`, the job
``exhibitions.ticket_mail`` after the commit), in the visitor's language,
with the code, its QR image and the link to the e-ticket page
``/exhibitions/ticket/<ticket token>`` (a random token, not the code).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

import segno
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import N_, Actor, JobContext, ValidationError, enqueue, get_for, utcnow
from plugins.crm.models.choices import INDUSTRIES
from plugins.crm.services.leads import EMAIL_RE, normal_mobile
from plugins.exhibitions.models import Edition, Visitor, VisitorQuestion, VisitorSetup
from plugins.exhibitions.models.choices import BUDGETS, PURCHASING_ROLES, TICKET_LANGUAGES, VISITOR_KINDS
from plugins.exhibitions.services.applications import HONEYPOT, address_hash
from plugins.exhibitions.services.visitors import new_code

#: submissions per edition and sender address per hour
RATE_LIMIT = 10
#: members one leader may register in one submission
MAX_MEMBERS = 30
#: the kinds a visitor may choose on the public form (VIP guests and media are invited by staff)
PUBLIC_KINDS = ("visitor", "buyer")
TASK = "exhibitions.ticket_mail"
PERSON = {"name": 100, "company": 200, "title": 100, "mobile": 40, "email": 200, "country": 60}
MOBILE_RE = re.compile(r"^\+?\d{6,20}$")


class RateLimited(Exception):
    """The sender reached the edition's registrations for this hour (429)."""


class Closed(Exception):
    """The edition takes no registrations (closed, or its registration is switched off)."""


# ------------------------------------------------------------------ the edition's settings


def setup_of(db: Session, edition: Edition) -> VisitorSetup:
    """The edition's visitor settings; the defaults (not stored) when it has none."""
    found = db.scalar(select(VisitorSetup).where(VisitorSetup.edition_id == edition.id))
    if found is not None:
        return found
    return VisitorSetup(org_id=edition.org_id, edition_id=edition.id, registration_open=True, qualify_roles=[],
                        qualify_budget="", qualify_interests=[], badges_per=2, per_area_m2=9, badge_minimum=2,
                        badge_deadline=None, extra_badge_service_id=None)


def _listed(raw: Any) -> list[str]:
    if raw is None or raw == "":
        return []
    return [raw] if isinstance(raw, str) else [str(v) for v in raw]


def save_setup(db: Session, actor: Actor, edition_id: Any, values: Mapping[str, Any]) -> VisitorSetup:
    """Change the edition's visitor settings (made at the first save). Each
    bad field named; the badge service must be one the edition sells."""
    from plugins.exhibitions.models import ExhibitorService
    from plugins.exhibitions.services.service_orders import _date, _decimal

    edition = get_for(db, actor, Edition, edition_id)
    found = db.scalar(select(VisitorSetup).where(VisitorSetup.edition_id == edition.id))
    actor.require("exhibitions.visitor_setup.update" if found else "exhibitions.visitor_setup.create")
    errors: dict[str, str] = {}
    roles = [r for r in dict.fromkeys(_listed(values.get("qualify_roles"))) if r]
    if any(r not in PURCHASING_ROLES for r in roles):
        errors["qualify_roles"] = N_("Choose among the offered values.")
    interests = [i for i in dict.fromkeys(_listed(values.get("qualify_interests"))) if i]
    if any(i not in INDUSTRIES for i in interests):
        errors["qualify_interests"] = N_("Choose among the offered values.")
    budget = str(values.get("qualify_budget") or "")
    if budget and budget not in BUDGETS:
        errors["qualify_budget"] = N_("Choose among the offered values.")
    numbers: dict[str, Any] = {}
    for name, low in (("badges_per", 0), ("badge_minimum", 0)):
        raw = str(values.get(name) or "0").strip()
        if not raw.isdigit() or int(raw) < low or int(raw) > 1000:
            errors[name] = N_("Enter a whole number from 0 to 1,000.")
        else:
            numbers[name] = int(raw)
    area = _decimal(values.get("per_area_m2") or "")
    if area is None or area <= 0 or area > 100000:
        errors["per_area_m2"] = N_("Give the area in m², a number above 0.")
    raw_deadline = values.get("badge_deadline")
    deadline = _date(raw_deadline)
    if raw_deadline and deadline is None:
        errors["badge_deadline"] = N_("Enter a date (YYYY-MM-DD).")
    service_raw = str(values.get("extra_badge_service_id") or "")
    service_id = int(service_raw) if service_raw.isdigit() else None
    if service_raw and (service_id is None or db.scalar(select(ExhibitorService.id).where(
            ExhibitorService.id == service_id, ExhibitorService.edition_id == edition.id)) is None):
        errors["extra_badge_service_id"] = N_("Choose a service this edition sells.")
    if errors:
        raise ValidationError(errors)
    setup = found or VisitorSetup(org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id)
    setup.registration_open = str(values.get("registration_open") or "") in ("1", "on", "true")
    setup.qualify_roles, setup.qualify_interests, setup.qualify_budget = roles, interests, budget
    setup.badges_per, setup.badge_minimum = numbers["badges_per"], numbers["badge_minimum"]
    assert area is not None
    setup.per_area_m2, setup.badge_deadline, setup.extra_badge_service_id = area, deadline, service_id
    if found is None:
        db.add(setup)
    db.flush()
    return setup


def questions_of(db: Session, edition_id: int) -> list[VisitorQuestion]:
    return list(db.scalars(select(VisitorQuestion).where(VisitorQuestion.edition_id == edition_id)
                           .order_by(VisitorQuestion.sequence, VisitorQuestion.id)))


def check_question(values: Mapping[str, Any]) -> None:
    """A question has its text, and a choice at least two options."""
    errors: dict[str, str] = {}
    if not str(values.get("text") or "").strip():
        errors["text"] = N_("Give the question.")
    kind = str(values.get("kind") or "text")
    lines = [ln for ln in str(values.get("options") or "").splitlines() if ln.partition("|")[0].strip()]
    if kind in ("single", "multiple") and len(lines) < 2:
        errors["options"] = N_("Give at least two options, one a line (中文 | English).")
    if errors:
        raise ValidationError(errors)


def create_question(db: Session, actor: Actor, values: Mapping[str, Any]) -> VisitorQuestion:
    actor.require("exhibitions.visitor_question.create")
    edition = get_for(db, actor, Edition, values.get("edition_id"), "update")
    check_question(values)
    question = VisitorQuestion(org_id=edition.org_id, owner_id=actor.user_id,
                               **{k: v for k, v in values.items() if k != "edition_id"}, edition_id=edition.id)
    db.add(question)
    db.flush()
    return question


def update_question(db: Session, actor: Actor, question: VisitorQuestion, values: Mapping[str, Any]) -> None:
    question = get_for(db, actor, VisitorQuestion, question.id, "update")
    merged = {k: getattr(question, k) for k in ("text", "kind", "options")} | dict(values)
    check_question(merged)
    for key, value in values.items():
        if key != "edition_id":
            setattr(question, key, value)


# ------------------------------------------------------------------ the public form


def qualifies(setup: VisitorSetup, role: str, budget: str, interests: Sequence[str]) -> bool:
    """Whether a registering buyer is qualified by the edition's rule (see
    :class:`VisitorSetup`); an edition with no rule qualifies nobody."""
    if not setup.qualify_roles and not setup.qualify_budget and not setup.qualify_interests:
        return False
    if setup.qualify_roles and role not in setup.qualify_roles:
        return False
    order = list(BUDGETS)
    minimum = setup.qualify_budget
    if minimum and (budget not in order or order.index(budget) < order.index(minimum)):
        return False
    return not setup.qualify_interests or bool(set(interests) & set(setup.qualify_interests))


def clean_answers(questions: Sequence[VisitorQuestion], data: Mapping[str, Any]) -> tuple[dict[str, Any],
                                                                                          dict[str, str]]:
    """The answers to the edition's questions (``question_<id>``; a multiple
    choice a list) by question id, and the errors naming each bad one."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in questions:
        key = f"question_{q.id}"
        raw = data.get(key)
        options = [zh for zh, _en in q.choices()]
        if q.kind == "multiple":
            picked = [v for v in dict.fromkeys(_listed(raw)) if v]
            if any(v not in options for v in picked):
                errors[key] = N_("Choose among the offered values.")
            value: Any = picked
        else:
            value = (raw if isinstance(raw, str) else "").strip()[:1000]
            if q.kind == "single" and value and value not in options:
                errors[key] = N_("Choose among the offered values.")
            if q.kind == "yesno" and value not in ("", "yes", "no"):
                errors[key] = N_("Choose among the offered values.")
        if q.required and not value and key not in errors:
            errors[key] = N_("Answer this question.")
        if value:
            answers[str(q.id)] = value
    return answers, errors


def _mobile(raw: str) -> str:
    """A mobile number without spaces and dashes (a Chinese one as 11 digits); ValueError when it is none."""
    compact = re.sub(r"[\s\-()（）]", "", raw)
    try:
        return normal_mobile(compact)
    except ValueError:
        if compact.startswith("+86") or not MOBILE_RE.match(compact):
            raise
        return compact


def clean_person(data: Mapping[str, Any], prefix: str = "") -> tuple[dict[str, str], dict[str, str]]:
    """One person's name, company, title, mobile, e-mail and country, and
    the errors (``<prefix><field>``): a name, and a mobile or an e-mail."""
    person: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, limit in PERSON.items():
        raw = data.get(name)
        person[name] = raw.strip() if isinstance(raw, str) else ""
        if len(person[name]) > limit:
            errors[prefix + name] = N_("This is too long.")
    if not person["name"]:
        errors[prefix + "name"] = N_("Give the visitor's name.")
    if person["mobile"]:
        try:
            person["mobile"] = _mobile(person["mobile"])
        except ValueError:
            errors[prefix + "mobile"] = N_("Give a mobile number of 11 digits, such as 13812345678.")
    person["email"] = person["email"].lower()
    if person["email"] and not EMAIL_RE.match(person["email"]):
        errors[prefix + "email"] = N_("Give an e-mail address such as name@example.com.")
    if not person["mobile"] and not person["email"] and prefix + "mobile" not in errors:
        errors[prefix + "mobile"] = N_("Give a mobile number or an e-mail address to send the ticket to.")
    return person, errors


def members_of(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The group's member rows of a form (``member_<n>_<field>``, n from 1), rows left empty dropped."""
    rows: dict[int, dict[str, Any]] = {}
    for key, value in data.items():
        m = re.fullmatch(r"member_(\d{1,3})_([a-z]+)", key)
        if m and m.group(2) in PERSON:
            rows.setdefault(int(m.group(1)), {})[m.group(2)] = value
    return [{"n": n, **row} for n, row in sorted(rows.items())
            if any(str(v or "").strip() for v in row.values())]


@dataclass
class Registered:
    """What a submission did: the leader's ticket and the members', and
    which of them were there already (``existing``)."""

    leader: Visitor | None
    members: list[Visitor] = field(default_factory=list)
    existing: set[int] = field(default_factory=set)


def _existing(db: Session, edition: Edition, mobile: str, email: str) -> Visitor | None:
    same = [c for c in ((Visitor.mobile == mobile) if mobile else None,
                        (func.lower(Visitor.email) == email) if email else None) if c is not None]
    return db.scalar(select(Visitor).where(Visitor.edition_id == edition.id, or_(*same))
                     .order_by(Visitor.id).limit(1))


def _new_visitor(db: Session, edition: Edition, **values: Any) -> Visitor:
    code = new_code()
    while db.scalar(select(Visitor.id).where(Visitor.code == code)) is not None:  # 31^10 codes: rare
        code = new_code()
    visitor = Visitor(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id, code=code,
                      ticket_token=secrets.token_urlsafe(24), **values)
    db.add(visitor)
    db.flush()
    return visitor


def is_open(db: Session, edition: Edition) -> bool:
    return edition.state in ("planning", "selling", "running") and setup_of(db, edition).registration_open


def submit(db: Session, edition: Edition, data: Mapping[str, Any], *, address: str, secret_key: str,
           send: bool = True) -> Registered:
    """A submission of the public form (see the module's text). Raises
    :class:`Closed`, :class:`RateLimited`, or ValidationError naming each
    bad field; a bot's submission (the honeypot) returns an empty answer."""
    if not is_open(db, edition):
        raise Closed()
    if str(data.get(HONEYPOT) or "").strip():
        return Registered(None)
    mark = address_hash(secret_key, address)
    recent = db.scalar(select(func.count(func.distinct(func.coalesce(Visitor.leader_id, Visitor.id))))
                       .where(Visitor.edition_id == edition.id, Visitor.ip_hash == mark,
                              Visitor.created_at >= utcnow() - timedelta(hours=1))) or 0
    if recent >= RATE_LIMIT:
        raise RateLimited()
    leader, errors = clean_person(data)
    kind = str(data.get("kind") or "visitor")
    if kind not in PUBLIC_KINDS:
        errors["kind"] = N_("Choose the kind of visitor.")
    locale = str(data.get("locale") or "zh_CN")
    locale = locale if locale in TICKET_LANGUAGES else "zh_CN"
    role, budget = str(data.get("purchasing_role") or ""), str(data.get("budget") or "")
    if role and role not in PURCHASING_ROLES:
        errors["purchasing_role"] = N_("Choose among the offered values.")
    if budget and budget not in BUDGETS:
        errors["budget"] = N_("Choose among the offered values.")
    interests = [i for i in dict.fromkeys(_listed(data.get("interests"))) if i]
    if any(i not in INDUSTRIES for i in interests):
        errors["interests"] = N_("Choose among the offered values.")
    answers, wrong = clean_answers(questions_of(db, edition.id), data)
    errors |= wrong
    delegation = str(data.get("delegation") or "").strip()[:200]
    rows = members_of(data)
    if len(rows) > MAX_MEMBERS:
        errors["members"] = N_("A group registers at most 30 members at once.")
    members: list[tuple[int, dict[str, str]]] = []
    seen = {v for v in (leader["mobile"], leader["email"]) if v}
    for row in rows[:MAX_MEMBERS]:
        n = row["n"]
        person, wrong = clean_person({**row, "company": row.get("company") or leader["company"]},
                                     f"member_{n}_")
        errors |= wrong
        for key in ("mobile", "email"):
            if not person[key]:
                continue
            if person[key] in seen and f"member_{n}_{key}" not in errors:
                errors[f"member_{n}_{key}"] = N_("Someone else in this registration gives the same.")
            seen.add(person[key])
        members.append((n, person))
    if errors:
        raise ValidationError(errors)
    # one registration of the edition at a time (PostgreSQL: the edition's row locked; SQLite writes one at a
    # time anyway), so that two submissions of one person at once make one visitor, not two
    db.execute(select(Edition.id).where(Edition.id == edition.id).with_for_update())
    if members and not delegation:
        delegation = leader["company"]
    done = Registered(None)
    head = _existing(db, edition, leader["mobile"], leader["email"])
    if head is not None:
        done.existing.add(head.id)
    else:
        qualified = kind == "buyer" and qualifies(setup_of(db, edition), role, budget, interests)
        head = _new_visitor(db, edition, **leader, kind=kind, locale=locale, purchasing_role=role,
                            budget=budget, interests=interests, answers=answers,
                            delegation=delegation if members else "", qualified=qualified, ip_hash=mark)
    done.leader = head
    for _n, person in members:
        member = _existing(db, edition, person["mobile"], person["email"])
        if member is not None:
            done.existing.add(member.id)
        else:
            member = _new_visitor(db, edition, **person, kind=kind, locale=locale, delegation=delegation,
                                  leader_id=head.id, ip_hash=mark)
        done.members.append(member)
    if send:
        for visitor in [head, *done.members]:
            queue_ticket_mail(db, visitor)
    return done


def ticket_of(db: Session, token: str) -> Visitor | None:
    """The visitor of an e-ticket address (None: 404)."""
    if not token or len(token) > 64:
        return None
    return db.scalar(select(Visitor).where(Visitor.ticket_token == token))


def ensure_token(visitor: Visitor) -> str:
    """The visitor's ticket token (one drawn for a visitor registered by staff before it had one)."""
    if not visitor.ticket_token:
        visitor.ticket_token = secrets.token_urlsafe(24)
    return visitor.ticket_token


def qr_png(code: str, scale: int = 8) -> bytes:
    import io

    out = io.BytesIO()
    segno.make(code, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


# ------------------------------------------------------------------ the e-ticket by e-mail


def queue_ticket_mail(db: Session, visitor: Visitor) -> bool:
    """Queue the visitor's ticket mail (sent after the commit; once an hour
    at most: the job's key); False when they gave no e-mail address or the
    organisation has no e-mail switched on."""
    from plugins.activity.channels import EmailChannel

    if not visitor.email or not EmailChannel().enabled_for(db, visitor.org_id):
        return False
    ensure_token(visitor)
    stamp = utcnow().strftime("%Y%m%d%H")
    enqueue(db, TASK, {"visitor_id": visitor.id}, key=f"{TASK}:{visitor.id}:{stamp}", org_id=visitor.org_id)
    return True


def ticket_message(kernel: Any, visitor: Visitor, edition: Edition, config: Mapping[str, Any],
                   ref: str) -> EmailMessage:
    """The ticket mail in the visitor's language: text and HTML with the QR inline."""
    t = kernel.catalogs.translator(kernel.catalogs.negotiate([visitor.locale]))
    base = str(kernel.settings.extra.get("base_url", "")).rstrip("/")
    url = f"{base}/exhibitions/ticket/{visitor.ticket_token}"
    show = edition.name_en if t.locale == "en" and edition.name_en else edition.name
    qr_id = make_msgid(domain="ticket.suanpan")
    context = {"_": t.gettext, "t": t, "visitor": visitor, "edition": edition, "show": show, "url": url,
               "kinds": VISITOR_KINDS, "qr_cid": qr_id[1:-1]}
    sender = str(config.get("from_address") or "")
    message = EmailMessage()
    message["Subject"] = t.gettext("Your ticket to {show}: {code}", show=show, code=visitor.code)
    message["From"] = formataddr((str(config.get("from_name") or ""), sender))
    message["To"] = visitor.email
    message["Message-ID"] = make_msgid(idstring=ref.replace(":", "-"),
                                       domain=sender.rpartition("@")[2] or "suanpan.localdomain")
    message.set_content(kernel.jinja.get_template("exhibitions/_registration_mail_text.html").render(context))
    message.add_alternative(kernel.jinja.get_template("exhibitions/_registration_mail.html").render(context),
                            subtype="html")
    html_part = message.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(qr_png(visitor.code), "image", "png", cid=qr_id, filename=f"{visitor.code}.png")
    return message


def send_ticket(ctx: JobContext) -> None:
    """The job: mail one visitor's ticket through the organisation's SMTP server."""
    from plugins.activity.channels import org_config, send_mail

    config = org_config(ctx, ctx.org_id or 0, "email")
    with ctx.kernel.db.session(write=False) as db:  # no write lock held while the SMTP server talks
        visitor = db.get(Visitor, int(ctx.payload["visitor_id"]))
        if visitor is None or not visitor.email:
            return
        edition = db.get(Edition, visitor.edition_id)
        assert edition is not None
        message = ticket_message(ctx.kernel, visitor, edition, config, ctx.idempotency_key)
        code, address = visitor.code, visitor.email
    send_mail(config, message)
    ctx.log(f"ticket {code} mailed to {address}")

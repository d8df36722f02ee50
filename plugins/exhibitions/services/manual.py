"""The exhibitor manual (展商手册): an edition's forms and deadlines, where
each exhibitor is with each form, and the reminders.

An exhibitor of an edition is a customer holding a reserved or sold booth
in it. Each (exhibitor, form) is ``done`` when a submission is recorded
(:func:`record`) — except three forms another part is the source of
truth of, never recorded here (:data:`FOLLOWED`): the special-decoration
drawings form is done when the exhibitor's projects are all past their
draft, and applies only to exhibitors holding raw space; the staff badge
names form when the exhibitor has named badges (the badges part), and the
company profile form when its directory profile is saved (the portal). Not done, it is ``overdue``
after its deadline and ``due`` until then. :func:`cells` computes this in
SQL, and :func:`board` counts it in SQL (one query for the grid, one for
the counts, whatever the number of exhibitors).

The daily job ``exhibitions.manual_reminders`` (:func:`remind`) writes to
the exhibitor's main contact about each mandatory form not done: once when
its deadline is within ``remind_days``, once more when it is overdue; by
e-mail, and by SMS too when the organisation has switched SMS on (the
activity plugin's outbox sends both after the transaction commits). Each
reminder sent is a row whose unique (form, exhibitor, kind, channel) keeps
it from ever going twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for, scope, utcnow
from plugins.crm.models import Contact, Customer
from plugins.exhibitions.models import (
    Booth,
    DecorationProject,
    DecorationRound,
    Edition,
    ExhibitorBadge,
    ExhibitorProfile,
    ManualForm,
    ManualReminder,
    ManualSubmission,
)
from plugins.exhibitions.models.choices import MANUAL_FORM_KINDS
from plugins.sales.services.documents import today

BOOKED = ("reserved", "sold")
FORM_FIELDS = ("code", "name", "name_en", "kind", "mandatory", "deadline", "remind_days", "sequence")

#: the forms whose "done" follows another part, with what to do instead of recording them
FOLLOWED = {
    "drawings": N_("The drawings form is done when the special-decoration drawings are submitted."),
    "badges": N_("The badge names form is done when the exhibitor's staff badges are named."),
    "profile": N_("The company profile form is done when the exhibitor's directory profile is saved."),
}


# ------------------------------------------------------------------ forms


def _check_form(values: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not str(values.get("code") or "").strip():
        errors["code"] = N_("Give the form a code.")
    if not str(values.get("name") or "").strip():
        errors["name"] = N_("Give the form a name.")
    if values.get("kind") not in MANUAL_FORM_KINDS:
        errors["kind"] = N_("Choose a kind of form.")
    if not isinstance(values.get("deadline"), date):
        errors["deadline"] = N_("Give the form's deadline.")
    days = values.get("remind_days")
    if days is not None and not 0 <= int(days) <= 90:
        errors["remind_days"] = N_("Remind 0 to 90 days before the deadline.")
    if errors:
        raise ValidationError(errors)


def create_form(db: Session, actor: Actor, values: Mapping[str, Any]) -> ManualForm:
    """A form of an edition the actor may update; codes are unique in the edition."""
    actor.require("exhibitions.manual_form.create")
    edition = get_for(db, actor, Edition, values.get("edition_id"), "update")
    clean = {k: values[k] for k in FORM_FIELDS if k in values}
    _check_form(clean)
    clean["code"] = str(clean["code"]).strip()
    if db.scalar(select(ManualForm.id).where(ManualForm.edition_id == edition.id,
                                             ManualForm.code == clean["code"])):
        raise ValidationError({"code": N_("The edition has a form with this code already.")})
    form = ManualForm(org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id, **clean)
    db.add(form)
    db.flush()
    return form


def update_form(db: Session, actor: Actor, form: ManualForm, values: Mapping[str, Any]) -> None:
    form = get_for(db, actor, ManualForm, form.id, "update")
    merged = {**{k: getattr(form, k) for k in FORM_FIELDS},
              **{k: values[k] for k in FORM_FIELDS if k in values}}
    _check_form(merged)
    if merged["code"] != form.code and db.scalar(select(ManualForm.id).where(
            ManualForm.edition_id == form.edition_id, ManualForm.code == merged["code"])):
        raise ValidationError({"code": N_("The edition has a form with this code already.")})
    for key, value in merged.items():
        setattr(form, key, value)


# ------------------------------------------------------------------ where each exhibitor is


def cells(edition_id: int, actor: Actor | None, on: date) -> Any:
    """A select of the edition's (exhibitor, form) cells: ``customer_id``,
    ``form_id``, ``status`` (due, overdue, done) and ``done_on``; within the
    actor's scope (everything for the job, ``actor`` None)."""
    exhibitors = (select(Booth.customer_id.label("customer_id"))
                  .where(Booth.edition_id == edition_id, Booth.customer_id.is_not(None),
                         Booth.status.in_(BOOKED)).distinct().subquery())
    raw = exists().where(Booth.edition_id == edition_id, Booth.customer_id == exhibitors.c.customer_id,
                         Booth.construction == "raw", Booth.status.in_(BOOKED))
    projects = and_(DecorationProject.edition_id == edition_id,
                    DecorationProject.customer_id == exhibitors.c.customer_id)
    drawings_in = and_(exists().where(projects),
                       ~exists().where(projects, DecorationProject.state == "draft"))
    drawings_on = (select(func.min(DecorationRound.submitted_at))
                   .join(DecorationProject, DecorationProject.id == DecorationRound.project_id)
                   .where(projects).scalar_subquery())
    is_drawings = ManualForm.kind == "drawings"
    # the staff badge names and the directory profile are done where the exhibitor gave them
    badges_of = and_(ExhibitorBadge.edition_id == edition_id,
                     ExhibitorBadge.customer_id == exhibitors.c.customer_id)
    profile_of = and_(ExhibitorProfile.edition_id == edition_id,
                      ExhibitorProfile.customer_id == exhibitors.c.customer_id)
    is_badges, is_profile = ManualForm.kind == "badges", ManualForm.kind == "profile"
    done = case((is_drawings, drawings_in), (is_badges, exists().where(badges_of)),
                (is_profile, exists().where(profile_of)), else_=ManualSubmission.id.is_not(None))
    badges_on = select(func.min(ExhibitorBadge.created_at)).where(badges_of).scalar_subquery()
    profile_on = select(func.min(ExhibitorProfile.created_at)).where(profile_of).scalar_subquery()
    status = case((done, literal("done")), (ManualForm.deadline < on, literal("overdue")), else_=literal("due"))
    stmt = (select(exhibitors.c.customer_id, ManualForm.id.label("form_id"), status.label("status"),
                   case((is_drawings, func.date(drawings_on)), (is_badges, func.date(badges_on)),
                        (is_profile, func.date(profile_on)), else_=ManualSubmission.done_on).label("done_on"))
            .select_from(exhibitors)
            .join(ManualForm, ManualForm.edition_id == edition_id)
            .outerjoin(ManualSubmission, and_(ManualSubmission.form_id == ManualForm.id,
                                              ManualSubmission.customer_id == exhibitors.c.customer_id))
            .where(or_(~is_drawings, raw)))
    if actor is not None:
        readable = select(Customer.id).where(scope(actor, Customer, "read"))
        stmt = stmt.where(scope(actor, ManualForm, "read"), exhibitors.c.customer_id.in_(readable))
    return stmt


@dataclass(frozen=True)
class Board:
    """An edition's status board: the forms, the exhibitors (id, name), each
    cell's status and date, and the counts per form and per exhibitor."""

    forms: list[ManualForm]
    exhibitors: list[tuple[int, str]]
    grid: dict[tuple[int, int], tuple[str, date | None]]
    per_form: dict[int, dict[str, int]]
    per_exhibitor: dict[int, dict[str, int]]
    totals: dict[str, int]


def board(db: Session, actor: Actor, edition_id: int, *, overdue_only: bool = False,
          customer_id: int | None = None) -> Board:
    """The board of an edition the actor may read: with ``overdue_only``,
    the exhibitors with a form overdue; with ``customer_id``, one exhibitor."""
    edition = get_for(db, actor, Edition, edition_id)
    grid_q = cells(edition.id, actor, today()).subquery()
    keep = select(grid_q.c.customer_id)
    if overdue_only:
        keep = keep.where(grid_q.c.status == "overdue")
    if customer_id is not None:
        keep = keep.where(grid_q.c.customer_id == customer_id)
    rows = db.execute(select(grid_q, Customer.name).join(Customer, Customer.id == grid_q.c.customer_id)
                      .where(grid_q.c.customer_id.in_(keep))
                      .order_by(Customer.name, grid_q.c.customer_id)).all()
    counted = db.execute(select(grid_q.c.form_id, grid_q.c.customer_id, grid_q.c.status, func.count())
                         .where(grid_q.c.customer_id.in_(keep))
                         .group_by(grid_q.c.form_id, grid_q.c.customer_id, grid_q.c.status)).all()
    zero = {"due": 0, "overdue": 0, "done": 0}
    per_form: dict[int, dict[str, int]] = {}
    per_exhibitor: dict[int, dict[str, int]] = {}
    totals = dict(zero)
    for form_id, cust, status, n in counted:
        per_form.setdefault(form_id, dict(zero))[status] += n
        per_exhibitor.setdefault(cust, dict(zero))[status] += n
        totals[status] += n
    forms = list(db.scalars(select(ManualForm).where(ManualForm.edition_id == edition.id,
                                                     scope(actor, ManualForm, "read"))
                            .order_by(ManualForm.sequence, ManualForm.deadline, ManualForm.code)))
    people = list(dict.fromkeys((r.customer_id, r.name) for r in rows))
    grid = {(r.customer_id, r.form_id): (r.status, _as_date(r.done_on)) for r in rows}
    return Board(forms, people, grid, per_form, per_exhibitor, totals)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def record(db: Session, actor: Actor, form_id: Any, customer_id: Any, data: Mapping[str, Any] | None = None,
           *, note: str = "", on: date | None = None) -> ManualSubmission:
    """Record an exhibitor's form as done (or change what it holds): the
    exhibitor must hold a booth in the form's edition. The drawings form
    follows the special-decoration projects and is refused here."""
    actor.require("exhibitions.manual_submission.create")
    form = get_for(db, actor, ManualForm, form_id)
    if form.kind in FOLLOWED:
        raise Conflict(FOLLOWED[form.kind])
    ident = int(customer_id) if str(customer_id or "").isdigit() else None
    if ident is None or not db.scalar(select(Booth.id).where(
            Booth.edition_id == form.edition_id, Booth.customer_id == ident, Booth.status.in_(BOOKED),
            Booth.customer_id.in_(select(Customer.id).where(scope(actor, Customer, "read")))).limit(1)):
        raise ValidationError({"customer_id": N_("Choose an exhibitor of the edition.")})
    clean = {str(k)[:40]: str(v)[:2000] for k, v in (data or {}).items()}
    made = db.scalar(select(ManualSubmission).where(ManualSubmission.form_id == form.id,
                                                    ManualSubmission.customer_id == ident))
    if made is None:
        made = ManualSubmission(org_id=form.org_id, owner_id=actor.user_id, form_id=form.id, customer_id=ident,
                                done_on=on or today(), recorded_by=actor.user_id, data=clean, note=note)
        db.add(made)
    else:
        made.data, made.note, made.recorded_by = clean, note, actor.user_id
    db.flush()
    return made


# ------------------------------------------------------------------ reminders


@dataclass(frozen=True)
class Due:
    """A reminder to send: the form, the exhibitor, ``before`` or ``overdue``."""

    form: ManualForm
    customer_id: int
    kind: str


def due_reminders(db: Session, on: date) -> list[Due]:
    """The reminders of every edition's mandatory forms not done on ``on``:
    ``before`` within a form's reminder window, ``overdue`` after it (each
    kind not sent yet by e-mail), of the editions not over yet."""
    forms = {f.id: f for f in db.scalars(
        select(ManualForm).join(Edition, Edition.id == ManualForm.edition_id)
        .where(ManualForm.mandatory.is_(True), ManualForm.deadline <= on + timedelta(days=90),
               Edition.state != "closed", or_(Edition.closes_on.is_(None), Edition.closes_on >= on)))}
    out: list[Due] = []
    for edition_id in sorted({f.edition_id for f in forms.values()}):
        grid = cells(edition_id, None, on).subquery()
        sent = {tuple(row) for row in db.execute(
            select(ManualReminder.form_id, ManualReminder.customer_id, ManualReminder.kind)
            .join(ManualForm, ManualForm.id == ManualReminder.form_id)
            .where(ManualForm.edition_id == edition_id, ManualReminder.channel == "email"))}
        for cust, form_id, status in db.execute(
                select(grid.c.customer_id, grid.c.form_id, grid.c.status).where(grid.c.status != "done")
                .order_by(grid.c.form_id, grid.c.customer_id)):
            form = forms.get(form_id)
            if form is None:
                continue
            kind = "overdue" if status == "overdue" else (
                "before" if on >= form.deadline - timedelta(days=form.remind_days) else "")
            if kind and (form_id, cust, kind) not in sent:
                out.append(Due(form, cust, kind))
    return out


def address_of(db: Session, customer_id: int) -> tuple[str, str]:
    """The e-mail and the mobile of the exhibitor's main contact (the
    customer's own e-mail when the contact has none)."""
    contact = db.scalar(select(Contact).where(Contact.customer_id == customer_id, Contact.deleted_at.is_(None))
                        .order_by(Contact.is_main.desc(), Contact.id).limit(1))
    customer = db.get(Customer, customer_id)
    email = (contact.email if contact is not None else "") or (customer.email if customer is not None else "")
    return email.strip(), (contact.mobile if contact is not None else "").strip()


def message_of(edition: Edition, form: ManualForm, kind: str, name: str) -> tuple[str, str, str]:
    """The subject, the e-mail's text and the SMS of a reminder, Chinese first, English second."""
    when = form.deadline.isoformat()
    english = form.name_en or form.name
    if kind == "overdue":
        subject = f"【{edition.name}】展商手册表格“{form.name}”已逾期 / Overdue: {english}"
        zh = f"{name}：您好！展商手册表格“{form.name}”已于 {when} 截止，贵司尚未提交，请尽快补交。"
        en = f"Dear {name}, the exhibitor manual's form “{english}” was due on {when} and is still missing. " \
             "Please send it as soon as possible."
    else:
        subject = f"【{edition.name}】展商手册表格“{form.name}”将于 {when} 截止 / Due {when}: {english}"
        zh = f"{name}：您好！展商手册表格“{form.name}”将于 {when} 截止，请在截止日期前提交。"
        en = f"Dear {name}, the exhibitor manual's form “{english}” is due on {when}. Please send it in time."
    return subject, f"{zh}\n\n{en}\n\n{edition.name} / {edition.name_en or edition.name}", zh


def remind(db: Session, on: date | None = None) -> int:
    """Queue the reminders due on ``on`` (today); the number of e-mails queued."""
    from plugins.activity.api import queue_message

    day = on or today()
    sent = 0
    for item in due_reminders(db, day):
        edition = db.get(Edition, item.form.edition_id)
        customer = db.get(Customer, item.customer_id)
        assert edition is not None and customer is not None
        email, mobile = address_of(db, item.customer_id)
        subject, text, short = message_of(edition, item.form, item.kind, customer.name)
        for channel, address, body in (("email", email, text), ("sms", mobile, short)):
            if not address:
                continue
            try:
                with db.begin_nested():
                    db.add(ManualReminder(form_id=item.form.id, customer_id=item.customer_id, kind=item.kind,
                                          channel=channel, address=address[:200], sent_at=utcnow()))
                    db.flush()
                    queue_message(db, org_id=edition.org_id, channel=channel, address=address,
                                  subject=subject, text=body,
                                  ref=f"exhibitions.manual_form:{item.form.id}:{item.customer_id}:{item.kind}")
            except (IntegrityError, ValidationError):
                continue  # sent already by another run, or the channel is off for the organisation
            sent += channel == "email"
    return sent


def manual_reminders(ctx: Any) -> None:
    """The daily job ``exhibitions.manual_reminders``."""
    queued = remind(ctx.session)
    if queued:
        ctx.log(f"{queued} manual form reminders queued")

"""What the exhibitor portal's pages read and write, each narrowed by
:func:`plugins.exhibitions.services.portal.portal_scope` to the account's
exhibitor: its editions and booths, its booth on the floor plan (no other
exhibitor named), its service orders (placed through the services part's own
rules), its contracts and what is due and paid on them, their PDFs, and its
profile and products for the exhibitor directory."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, NotFound, ValidationError
from plugins.exhibitions.models import (
    Booth,
    Edition,
    ExhibitorProduct,
    ExhibitorProfile,
    FloorPlan,
    PortalAccount,
    ServiceOrder,
)
from plugins.exhibitions.services import plan_view, service_orders
from plugins.exhibitions.services.portal import own, portal_actor, portal_scope
from plugins.sales.models import Contract, Instalment

#: a logo: these image types, at most this many bytes
LOGO_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
LOGO_MAX = 512 * 1024
MAX_PRODUCTS = 50
#: contracts shown to the exhibitor: once they are past the organiser's drafts
SHOWN_STATES = ("pending", "approved", "signed", "executing", "completed", "terminated")


# ------------------------------------------------------------------ home


def editions_of(db: Session, account: PortalAccount) -> list[Edition]:
    """The editions the exhibitor takes part in: a booth, an order or a profile in them."""
    booths = portal_scope(select(Booth.edition_id), Booth, account)
    orders = portal_scope(select(ServiceOrder.edition_id), ServiceOrder, account)
    profiles = portal_scope(select(ExhibitorProfile.edition_id), ExhibitorProfile, account)
    return list(db.scalars(select(Edition).where(
        Edition.org_id == account.org_id,
        or_(Edition.id.in_(booths), Edition.id.in_(orders), Edition.id.in_(profiles)))
        .order_by(Edition.opens_on.desc(), Edition.id.desc())))


def edition_of(db: Session, account: PortalAccount, edition_id: Any) -> Edition:
    """One of :func:`editions_of`, else NotFound."""
    for edition in editions_of(db, account):
        if str(edition.id) == str(edition_id):
            return edition
    raise NotFound()


def booths_of(db: Session, account: PortalAccount, edition_id: int | None = None) -> list[Booth]:
    stmt = portal_scope(select(Booth), Booth, account).where(Booth.status.in_(("reserved", "sold")))
    if edition_id is not None:
        stmt = stmt.where(Booth.edition_id == edition_id)
    return list(db.scalars(stmt.order_by(Booth.edition_id, Booth.number)))


def due_of(db: Session, account: PortalAccount) -> list[tuple[Instalment, Contract]]:
    """The open instalments of the exhibitor's contracts, the earliest due first."""
    stmt = portal_scope(select(Instalment, Contract), Instalment, account).join(
        Contract, Contract.id == Instalment.contract_id).where(
        Instalment.state != "paid", Instalment.amount > Instalment.received, Contract.deleted_at.is_(None))
    return [(i, c) for i, c in db.execute(stmt.order_by(Instalment.due_on, Instalment.id).limit(100))]


# ------------------------------------------------------------------ the booth on the plan


@dataclass
class BoothPlan:
    plan: FloorPlan
    svg: str
    mine: list[dict[str, Any]]


def booth_plans(db: Session, account: PortalAccount, edition: Edition, t: Any) -> list[BoothPlan]:
    """Each plan of the edition holding one of the exhibitor's booths, drawn
    with :mod:`plan_view` for a reader who may read no exhibitor: every
    booth is drawn, only the exhibitor's own carry its name."""
    mine = {b.id: b for b in booths_of(db, account, edition.id)}
    plans = db.scalars(select(FloorPlan).where(FloorPlan.id.in_({b.plan_id for b in mine.values()}))
                       .order_by(FloorPlan.id))
    nobody = Actor(user_id=0, username="", display_name="", locale=t.locale, org_id=account.org_id,
                   department_id=None)
    name = account_name(db, account)
    out = []
    for plan in plans:
        rows = db.execute(select(*plan_view.COLUMNS).where(Booth.plan_id == plan.id)
                          .order_by(Booth.number)).all()
        booths = plan_view.plan_view_of(db, nobody, rows, t)
        for b in booths:
            b.update(price="", held_until=None, unpaid=False)
            if b["id"] in mine:
                b["exhibitor"] = name
            else:
                b["status"] = "available" if b["status"] == "available" else "other"
        out.append(BoothPlan(plan, plan_view.plan_svg(plan, booths, svg_id=f"exh-portal-plan-{plan.id}"),
                             [b for b in booths if b["id"] in mine]))
    return out


def account_name(db: Session, account: PortalAccount) -> str:
    from plugins.crm.models import Customer

    customer = db.get(Customer, account.customer_id)
    return (customer.short_name or customer.name) if customer is not None else ""


# ------------------------------------------------------------------ service orders


def orders_of(db: Session, account: PortalAccount) -> list[ServiceOrder]:
    return list(db.scalars(portal_scope(select(ServiceOrder), ServiceOrder, account)
                           .order_by(ServiceOrder.created_at.desc(), ServiceOrder.id.desc()).limit(200)))


def catalogue(db: Session, account: PortalAccount, edition: Edition) -> list[Any]:
    return service_orders.catalogue(db, portal_actor(db, account), edition.id)


def place_order(db: Session, account: PortalAccount, edition: Edition,
                values: Mapping[str, Any]) -> ServiceOrder:
    """The exhibitor's order, made and confirmed at once through the services
    part's rules (channel ``portal``): its limited services are booked and its
    sales order goes to the organiser's approval. A service fully booked on a
    day is a Conflict and nothing is written (the caller's savepoint)."""
    actor = portal_actor(db, account)
    order = service_orders.create_order(db, actor, {**values, "edition_id": edition.id,
                                                    "customer_id": account.customer_id}, channel="portal")
    return service_orders.confirm(db, actor, order.id)


# ------------------------------------------------------------------ contracts, payments, documents


def contracts_of(db: Session, account: PortalAccount) -> list[Contract]:
    """The exhibitor's contracts and sales orders past the organiser's drafts."""
    return list(db.scalars(portal_scope(select(Contract), Contract, account).where(
        Contract.deleted_at.is_(None), Contract.state.in_(SHOWN_STATES))
        .order_by(Contract.created_at.desc(), Contract.id.desc()).limit(200)))


def instalments_of(db: Session, account: PortalAccount) -> dict[int, list[Instalment]]:
    out: dict[int, list[Instalment]] = {}
    for row in db.scalars(portal_scope(select(Instalment), Instalment, account)
                          .order_by(Instalment.due_on, Instalment.sequence)):
        out.setdefault(row.contract_id, []).append(row)
    return out


def contract_of(db: Session, account: PortalAccount, contract_id: Any) -> Contract:
    contract: Contract = own(db, Contract, contract_id, account)
    if contract.deleted_at is not None or contract.state not in SHOWN_STATES:
        raise NotFound()
    return contract


def contract_pdf(db: Session, account: PortalAccount, kernel: Any, contract_id: Any) -> tuple[bytes, str]:
    """The PDF of one of the exhibitor's contracts (the printing plugin's
    ``sales.contract`` document) in the account's language, and its file name."""
    contract = contract_of(db, account, contract_id)
    if "sales.contract" not in kernel.registry.prints:
        raise NotFound()
    from plugins.printing import prints
    from plugins.printing.engine import printer_for

    decl = prints.decl_for(kernel.registry, "sales.contract")
    reader = portal_actor(db, account)
    rendered, name = prints.print_record(db, reader, printer_for(kernel), decl, contract.id,
                                         account.locale if account.locale in ("zh_CN", "en") else "zh_CN")
    return rendered.pdf, name


# ------------------------------------------------------------------ the directory profile


def profile_of(db: Session, account: PortalAccount, edition: Edition) -> ExhibitorProfile | None:
    return db.scalars(portal_scope(select(ExhibitorProfile), ExhibitorProfile, account)
                      .where(ExhibitorProfile.edition_id == edition.id)).first()


def products_of(db: Session, account: PortalAccount, edition: Edition) -> list[ExhibitorProduct]:
    return list(db.scalars(portal_scope(select(ExhibitorProduct), ExhibitorProduct, account)
                           .where(ExhibitorProduct.edition_id == edition.id)
                           .order_by(ExhibitorProduct.sequence, ExhibitorProduct.id)))


PROFILE_LIMITS = {"company_name": 200, "company_name_en": 200, "intro": 4000, "intro_en": 4000, "website": 200}


def check_logo(content_type: str, data: bytes) -> str:
    """The logo's type when it is a PNG or JPEG of at most 512 KB (by its
    bytes, not only by what the browser says), else a ValidationError on ``logo``."""
    if len(data) > LOGO_MAX:
        raise ValidationError({"logo": N_("The logo is larger than 512 KB.")})
    magic = LOGO_TYPES.get(content_type)
    if magic is None or not data.startswith(magic):
        raise ValidationError({"logo": N_("The logo must be a PNG or JPEG image.")})
    return content_type


def save_profile(db: Session, account: PortalAccount, edition: Edition, values: Mapping[str, Any], *,
                 logo: tuple[str, bytes] | None = None) -> ExhibitorProfile:
    """The exhibitor's profile in the edition, made or changed; a website is
    an http(s) address; every field checked before anything is written."""
    errors: dict[str, str] = {}
    clean = {k: str(values.get(k) or "").strip() for k in PROFILE_LIMITS}
    for key, limit in PROFILE_LIMITS.items():
        if len(clean[key]) > limit:
            errors[key] = N_("This is too long.")
    if not clean["company_name"]:
        errors["company_name"] = N_("Give the company's name.")
    if clean["website"] and not clean["website"].lower().startswith(("http://", "https://")):
        errors["website"] = N_("A website starts with http:// or https://.")
    logo_type = ""
    if logo is not None:
        try:
            logo_type = check_logo(*logo)
        except ValidationError as bad:
            errors.update(bad.errors)
    if errors:
        raise ValidationError(errors)
    profile = profile_of(db, account, edition)
    if profile is None:
        profile = ExhibitorProfile(org_id=account.org_id, edition_id=edition.id,
                                   customer_id=account.customer_id)
        db.add(profile)
    for key, value in clean.items():
        setattr(profile, key, value)
    if logo is not None:
        profile.logo_type, profile.logo = logo_type, base64.b64encode(logo[1]).decode()
    db.flush()
    return profile


def logo_of(db: Session, account: PortalAccount, profile_id: Any) -> tuple[str, bytes]:
    profile: ExhibitorProfile = own(db, ExhibitorProfile, profile_id, account)
    if not profile.logo:
        raise NotFound()
    return profile.logo_type, base64.b64decode(profile.logo)


def add_product(db: Session, account: PortalAccount, edition: Edition,
                values: Mapping[str, Any]) -> ExhibitorProduct:
    name = str(values.get("name") or "").strip()
    errors: dict[str, str] = {}
    if not name or len(name) > 200:
        errors["name"] = N_("Give the product's name.")
    if len(str(values.get("name_en") or "")) > 200:
        errors["name_en"] = N_("This is too long.")
    if len(str(values.get("description") or "")) > 4000:
        errors["description"] = N_("This is too long.")
    if errors:
        raise ValidationError(errors)
    if len(products_of(db, account, edition)) >= MAX_PRODUCTS:
        raise Conflict(N_("At most 50 products in one edition."))
    product = ExhibitorProduct(org_id=account.org_id, edition_id=edition.id, customer_id=account.customer_id,
                               name=name, name_en=str(values.get("name_en") or "").strip(),
                               description=str(values.get("description") or "").strip(),
                               sequence=(len(products_of(db, account, edition)) + 1) * 10)
    db.add(product)
    db.flush()
    return product


def delete_product(db: Session, account: PortalAccount, product_id: Any) -> None:
    db.delete(own(db, ExhibitorProduct, product_id, account))
    db.flush()


def total_due(rows: list[tuple[Instalment, Contract]], on: date) -> tuple[Decimal, Decimal]:
    """What is open on the instalments, and of it what is overdue on ``on``."""
    open_ = sum((i.amount - i.received for i, _c in rows), Decimal(0))
    overdue = sum((i.amount - i.received for i, _c in rows if i.due_on < on), Decimal(0))
    return open_, overdue


# ------------------------------------------------------------------ the exhibitor manual

#: what the portal's stand-in actor may do to send a form of the manual
MANUAL_CODES = ("exhibitions.manual_form.read", "exhibitions.manual_submission.create", "crm.customer.read")


@dataclass(frozen=True)
class ManualRow:
    """A form of the manual as the exhibitor sees it: its status and day, and what it sent."""

    form: Any
    status: str
    done_on: date | None
    text: str


def manual_of(db: Session, account: PortalAccount, edition_id: int) -> list[ManualRow]:
    """The edition's forms that apply to the exhibitor (the manual part's
    cells: the drawings form only with raw space), with its status."""
    from plugins.exhibitions.models import ManualForm, ManualSubmission
    from plugins.exhibitions.services.manual import cells
    from plugins.sales.services.documents import today

    grid = cells(edition_id, None, today()).subquery()
    rows = db.execute(
        select(ManualForm, grid.c.status, grid.c.done_on, ManualSubmission.data)
        .join(grid, grid.c.form_id == ManualForm.id)
        .outerjoin(ManualSubmission, (ManualSubmission.form_id == ManualForm.id)
                   & (ManualSubmission.customer_id == account.customer_id))
        .where(grid.c.customer_id == account.customer_id, ManualForm.org_id == account.org_id)
        .order_by(ManualForm.sequence, ManualForm.deadline, ManualForm.code))
    return [ManualRow(form, status, done_on if isinstance(done_on, date) or done_on is None
                      else date.fromisoformat(str(done_on)[:10]), str((data or {}).get("text", "")))
            for form, status, done_on, data in rows]


def send_form(db: Session, account: PortalAccount, edition_id: int, form_id: Any, text: str) -> None:
    """The exhibitor's content of a form (the manual part's ``record``): a
    form of its edition that applies to it, with something written."""
    from plugins.exhibitions.services import manual

    if form_id is None or not any(str(r.form.id) == str(form_id) for r in manual_of(db, account, edition_id)):
        raise NotFound()
    body = (text or "").strip()
    if not body:
        raise ValidationError({"text": N_("Write what the form asks for.")})
    manual.record(db, portal_actor(db, account, MANUAL_CODES), form_id, account.customer_id, {"text": body},
                  note=f"展商门户 / portal: {account.name}")

"""The exhibitor portal's accounts, logins and the one rule of what a portal
page may read.

An exhibitor's staff log in with a :class:`PortalAccount`, not a kernel
user: staff create and invite the accounts of a customer
(:func:`create_account`, :func:`invite`), the invitation mails a one-time
set-password link (:func:`set_password`), and a login (:func:`login`)
starts a session of the portal's own (:data:`PORTAL_COOKIE`, a token whose
SHA-256 is kept in ``exhibitions_portal_session``). The kernel's password
hashes and login throttling are used as they are.

Everything a portal page reads goes through :func:`portal_scope`: the
rows of the account's customer in the account's organisation, in SQL, so
another exhibitor's record is not found (404).

Placing a service order needs the sales plugin's rules, which take a
kernel actor: :func:`portal_actor` is that actor, made explicitly and
narrowly for one account (the exhibitor's account manager as the owner,
only the permissions an order needs, in the account's organisation).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, NotFound, ValidationError, get_for, scope, utcnow
from plugins.crm.models import Customer
from plugins.exhibitions.models import Edition, PortalAccount, PortalSession
from plugins.exhibitions.models.choices import PORTAL_LOCALES
from plugins.exhibitions.services import booths as booth_services

#: a select of any columns (SQLAlchemy types one of several columns as a variadic generic)
S = TypeVar("S")

#: the portal's own session cookie (never the staff one)
PORTAL_COOKIE = "suanpan_portal"
SESSION_DAYS = 7
INVITE_DAYS = 7
MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: what the portal's actor may do: place an order and make its sales order, nothing else
PORTAL_GRANTS = ("exhibitions.edition.read", "exhibitions.service.read", "exhibitions.service_order.read",
                 "exhibitions.service_order.create", "exhibitions.service_order.update",
                 "exhibitions.service_order.confirm", "crm.customer.read", "catalog.product.read",
                 "sales.contract.read", "sales.contract.create", "sales.contract.update")


@dataclass(frozen=True)
class OrgGrant:
    """A grant in one organisation, as the kernel's ``scope`` reads one (its
    ``Grant`` is not part of ``core``'s public surface, so plugins do not
    import it)."""

    org_id: int
    scope: str = "org"
    department_id: int | None = None
    department_path: str | None = None


class LoginFailed(Exception):
    """Wrong e-mail or password, or a disabled account (the same answer for all)."""


class LoginThrottled(Exception):
    """Too many failures for this e-mail or address lately."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------ the scope


def portal_scope(stmt: S, model: Any, account: PortalAccount) -> S:
    """``stmt`` narrowed to the rows of ``model`` that belong to the
    account's exhibitor in the account's organisation: the one filter of
    every portal page."""
    narrowed: Any = cast(Any, stmt).where(model.customer_id == account.customer_id,
                                          model.org_id == account.org_id)
    return cast(S, narrowed)


def own(db: Session, model: Any, record_id: Any, account: PortalAccount) -> Any:
    """One row of ``model`` of the account's exhibitor, else NotFound."""
    try:
        key = int(record_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    row = db.scalars(portal_scope(select(model).where(model.id == key), model, account)).first()
    if row is None:
        raise NotFound()
    return row


def portal_actor(db: Session, account: PortalAccount, codes: tuple[str, ...] = PORTAL_GRANTS) -> Actor:
    """The kernel actor a portal order is made under: the exhibitor's account
    manager (else the owner of its latest edition's record) with only
    :data:`PORTAL_GRANTS`, in the account's organisation. Only the portal's
    order pages use it, after narrowing everything to the account's customer."""
    customer = db.get(Customer, account.customer_id)
    owner = customer.owner_id if customer is not None else None
    if owner is None:
        owner = db.scalar(select(Edition.owner_id).where(Edition.org_id == account.org_id,
                                                         Edition.owner_id.is_not(None))
                          .order_by(Edition.id.desc()).limit(1))
    grant: list[Any] = [OrgGrant(account.org_id)]
    return Actor(user_id=int(owner or 0), username=f"portal:{account.email}", display_name=account.name,
                 locale=account.locale, org_id=account.org_id, department_id=None,
                 grants={code: grant for code in codes}, org_ids=frozenset({account.org_id}))


# ------------------------------------------------------------------ accounts (staff)


def _clean(values: Mapping[str, Any]) -> dict[str, str]:
    email = str(values.get("email") or "").strip().lower()
    name = str(values.get("name") or "").strip()
    locale = str(values.get("locale") or "zh_CN")
    errors: dict[str, str] = {}
    if not _EMAIL.match(email) or len(email) > 200:
        errors["email"] = N_("Enter a valid e-mail address.")
    if not name or len(name) > 100:
        errors["name"] = N_("Give the person's name.")
    if locale not in PORTAL_LOCALES:
        errors["locale"] = N_("Choose one of the offered languages.")
    if errors:
        raise ValidationError(errors)
    mobile = str(values.get("mobile") or "").strip()[:40]
    return {"email": email, "name": name, "locale": locale, "mobile": mobile}


def create_account(db: Session, actor: Actor, values: Mapping[str, Any]) -> PortalAccount:
    """A portal account for a customer the actor may read; the login e-mail
    is unique in the installation. It cannot log in until invited."""
    actor.require("exhibitions.portal_account.create")
    raw = str(values.get("customer_id") or "")
    customer_id = booth_services.exhibitor_id(db, actor, int(raw) if raw.isdigit() else None)
    clean = _clean(values)
    if db.scalar(select(PortalAccount.id).where(PortalAccount.email == clean["email"])) is not None:
        raise ValidationError({"email": N_("Another portal account logs in with this e-mail.")})
    customer = db.get(Customer, customer_id)
    assert customer is not None
    account = PortalAccount(org_id=customer.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                            customer_id=customer_id, **clean)
    db.add(account)
    db.flush()
    return account


def accounts(db: Session, actor: Actor, *, customer_id: int | None = None) -> list[tuple[PortalAccount, str]]:
    """The portal accounts the actor may read, with their customer's name."""
    stmt = (select(PortalAccount, Customer.name).join(Customer, Customer.id == PortalAccount.customer_id)
            .where(scope(actor, PortalAccount, "read")).order_by(Customer.name, PortalAccount.name))
    if customer_id is not None:
        stmt = stmt.where(PortalAccount.customer_id == customer_id)
    return [(a, n) for a, n in db.execute(stmt.limit(500))]


def invite(db: Session, actor: Actor, account_id: Any, *, link_base: str, sender: Any) -> str:
    """Give the account a new one-time set-password link (valid
    :data:`INVITE_DAYS` days; an older one stops working) and mail it with
    ``sender`` (``queue_message`` of the activity plugin) in the account's
    language. Returns the link."""
    account = get_for(db, actor, PortalAccount, account_id, "update")
    if not account.active:
        raise Conflict(N_("The account is disabled: enable it before inviting."))
    token = secrets.token_urlsafe(32)
    account.invite_hash = _digest(token)
    account.invite_expires_at = utcnow() + timedelta(days=INVITE_DAYS)
    account.invited_at = utcnow()
    link = f"{link_base.rstrip('/')}/{token}"
    sender(account, link)
    db.flush()
    return link


def set_active(db: Session, actor: Actor, account_id: Any, active: bool) -> PortalAccount:
    """Enable or disable an account; disabling ends its sessions at once."""
    account = get_for(db, actor, PortalAccount, account_id, "update")
    account.active = active
    if not active:
        account.invite_hash, account.invite_expires_at = "", None
        db.execute(delete(PortalSession).where(PortalSession.account_id == account.id))
    db.flush()
    return account


# ------------------------------------------------------------------ the exhibitor's side


def invited(db: Session, token: str) -> PortalAccount | None:
    """The active account whose unexpired invitation ``token`` is, or None."""
    if not token:
        return None
    account = db.scalar(select(PortalAccount).where(PortalAccount.invite_hash == _digest(token)))
    if account is None or not account.active or account.invite_expires_at is None \
            or account.invite_expires_at <= utcnow():
        return None
    return account


def set_password(db: Session, passwords: Any, token: str, password: str, repeated: str) -> PortalAccount:
    """Set the password through an invitation link, once: the link stops
    working and every session of the account ends."""
    account = invited(db, token)
    if account is None:
        raise NotFound()
    if len(password) < MIN_PASSWORD:
        raise ValidationError({"password": N_("Use at least 10 characters.")})
    if password.lower() == account.email:
        raise ValidationError({"password": N_("The password must differ from the username.")})
    if password != repeated:
        raise ValidationError({"repeated": N_("The two passwords differ.")})
    account.password_hash = passwords.hash(password)
    account.invite_hash, account.invite_expires_at = "", None
    db.execute(delete(PortalSession).where(PortalSession.account_id == account.id))
    db.flush()
    return account


def login(db: Session, passwords: Any, throttle: Any, *, email: str, password: str, ip: str) -> str:
    """Check a portal login the way the kernel checks a staff one (the
    throttle first, a hash for unknown accounts too) and start a session;
    the token for the cookie. Failures are counted in ``db`` (commit them)."""
    email = email.strip().lower()
    keys = [f"portal:{email}", f"ip:{ip}"]
    if throttle.locked(db, keys):
        raise LoginThrottled()
    account = db.scalar(select(PortalAccount).where(PortalAccount.email == email))
    ok = passwords.verify(account.password_hash if account else None, password)
    if not ok or account is None or not account.active:
        throttle.fail(db, keys)
        raise LoginFailed()
    throttle.succeed(db, keys[0])
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(PortalSession(id=_digest(token), account_id=account.id, created_at=now,
                         expires_at=now + timedelta(days=SESSION_DAYS)))
    account.last_login_at = now
    db.flush()
    return token


def session_account(db: Session, token: str | None) -> PortalAccount | None:
    """The active account of a live portal session, or None."""
    if not token:
        return None
    account = db.scalar(select(PortalAccount).join(PortalSession, PortalSession.account_id == PortalAccount.id)
                        .where(PortalSession.id == _digest(token), PortalSession.expires_at > utcnow()))
    return account if account is not None and account.active else None


def set_locale(db: Session, account: PortalAccount, locale: str) -> None:
    """The account's language, chosen by the exhibitor in the portal."""
    if locale not in PORTAL_LOCALES:
        raise ValidationError({"locale": N_("Choose one of the offered languages.")})
    account.locale = locale
    db.flush()


def logout(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(PortalSession).where(PortalSession.id == _digest(token)))

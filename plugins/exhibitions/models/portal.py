"""The exhibitor portal (part 2 of the plugin): accounts of an exhibitor's
staff (not kernel users: they log in at the portal only and see only their
own company's records), their sessions, the company's profile and products
for the exhibitor directory, and the leads its staff collect by scanning
visitors' badges."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    OrgScopedMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)
from plugins.exhibitions.models.choices import LEAD_RATINGS, PORTAL_LOCALES


class PortalAccount(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A login of an exhibitor's staff member to the portal (展商账号), tied
    to the exhibitor's CRM customer. ``password_hash`` is the kernel's
    argon2id; empty until the invitation's link is used. ``invite_hash`` is
    the SHA-256 of the one-time set-password token mailed in the
    invitation, valid until ``invite_expires_at``."""

    __tablename__ = "exhibitions_portal_account"
    __label__ = N_("Portal account")
    __audit_exclude__ = frozenset({"password_hash", "invite_hash"})

    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    email: Mapped[str] = mapped_column(String(200), unique=True, info={"label": N_("Login e-mail")})
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    mobile: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Mobile"), "mask": "phone"})
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN",
                                        info={"label": N_("Language"), "choices": PORTAL_LOCALES})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})
    password_hash: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Password hash")})
    invite_hash: Mapped[str] = mapped_column(String(64), default="", index=True,
                                             info={"label": N_("Invitation token hash")})
    invite_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(),
                                                               info={"label": N_("Invitation valid until")})
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Invited at")})
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Last login")})


class PortalSession(Base):
    """A portal login: the cookie holds a token, the table its SHA-256 (as
    the kernel's own sessions). Disabling the account ends them all."""

    __tablename__ = "exhibitions_portal_session"
    __label__ = N_("Portal session")

    #: the SHA-256 of the cookie's token (the default only stands in for rows no login made)
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=lambda: secrets.token_hex(32))
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_portal_account.id",
                                                              ondelete="CASCADE"), index=True,
                                            info={"label": N_("Portal account")})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={"label": N_("Created at")})
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True, info={"label": N_("Expires at")})


class ExhibitorProfile(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """What an exhibitor says of itself in an edition's exhibitor directory
    (会刊资料), in Chinese and English, with its logo (an image kept in the
    row: at most 512 KB)."""

    __tablename__ = "exhibitions_exhibitor_profile"
    __label__ = N_("Exhibitor profile")
    __table_args__ = (UniqueConstraint("edition_id", "customer_id", name="uq_exhibitions_profile_customer"),)
    __audit_exclude__ = frozenset({"logo"})

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    company_name: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Company name")})
    company_name_en: Mapped[str] = mapped_column(String(200), default="",
                                                 info={"label": N_("English company name")})
    intro: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Introduction")})
    intro_en: Mapped[str] = mapped_column(Text, default="", info={"label": N_("English introduction")})
    website: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Website")})
    logo_type: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Logo type")})
    logo: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Logo")})


class ExhibitorProduct(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A product an exhibitor shows in an edition (展品), for the directory."""

    __tablename__ = "exhibitions_exhibitor_product"
    __label__ = N_("Exhibitor product")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Description")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})


class Lead(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A visitor an exhibitor's staff scanned at its booth (展商留资): once
    per exhibitor and visitor, rated and noted by them."""

    __tablename__ = "exhibitions_lead"
    __label__ = N_("Lead")
    __table_args__ = (UniqueConstraint("customer_id", "visitor_id", name="uq_exhibitions_lead_visitor"),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    visitor_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_visitor.id", ondelete="CASCADE"),
                                            index=True, info={"label": N_("Visitor")})
    scanned_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("exhibitions_portal_account.id", ondelete="SET NULL"),
        info={"label": N_("Scanned by")})
    rating: Mapped[str] = mapped_column(String(10), default="", info={"label": N_("Rating"),
                                                                       "choices": LEAD_RATINGS})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Note")})
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={"label": N_("Scanned at")})

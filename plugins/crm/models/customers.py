"""Customers (companies or persons), their contacts and tags."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    ExtraMixin,
    IdMixin,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)
from plugins.crm.models.choices import (
    DECISION_ROLES,
    GENDERS,
    INDUSTRIES,
    KINDS,
    LEVELS,
    SIZES,
    SOURCES,
    VALUE_GRADES,
)


class Customer(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin,
               AuditedMixin,
               Base):
    """A customer. Owned by one salesperson (``owner_id``), or by nobody while
    it sits in a public pool (``pool_id``)."""

    __tablename__ = "crm_customer"
    __label__ = N_("Customer")
    #: kept by the CRM itself (the letter, the pool's clocks, the nightly value
    #: score): the ownership log and the value history say how they moved
    __audit_exclude__ = frozenset({"initial", "owned_since", "last_followup_at", "last_won_at",
                                   "return_warned_on", "value_score", "value_grade"})
    __table_args__ = (
        # the letter index's page, in the list's id order, straight from the index on both databases
        Index("ix_crm_customer_org_initial_id", "org_id", "initial", "id"),
        Index("ix_crm_customer_pool_owner", "pool_id", "owner_id"),
        # a company's subsidiaries by name. Partial: most customers have no
        # parent, and an index of them all let SQLite's statistics say that
        # one parent has every customer, so it read all 1,000,000 in name
        # order instead (3.2 s for the 360 view's company tree)
        Index("ix_crm_customer_parent_name", "parent_id", "name",
              sqlite_where=text("parent_id IS NOT NULL"), postgresql_where=text("parent_id IS NOT NULL")),
    )

    kind: Mapped[str] = mapped_column(String(10), default="company",
                                      info={"label": N_("Customer type"), "choices": KINDS})
    name: Mapped[str] = mapped_column(String(200), index=True, info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    short_name: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Short name")})
    #: 统一社会信用代码, 18 characters with a check character
    uscc: Mapped[str] = mapped_column(String(18), default="", index=True,
                                      info={"label": N_("Unified Social Credit Code"), "mask": "id"})
    industry: Mapped[str] = mapped_column(String(30), default="", info={"label": N_("Industry"),
                                                                         "choices": INDUSTRIES})
    size: Mapped[str] = mapped_column(String(10), default="", info={"label": N_("Company size"),
                                                                     "choices": SIZES})
    province: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Province")})
    city: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("City")})
    district: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("District")})
    address: Mapped[str] = mapped_column(String(300), default="", info={"label": N_("Address")})
    phone: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Phone"), "mask": "phone"})
    email: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("E-mail"), "mask": "email"})
    website: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Website")})
    source: Mapped[str] = mapped_column(String(20), default="", info={"label": N_("Source"),
                                                                      "choices": SOURCES})
    level: Mapped[str] = mapped_column(String(10), default="normal", info={"label": N_("Level"),
                                                                            "choices": LEVELS})
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_customer.id"),
                                                  info={"label": N_("Parent company")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})
    #: the capital letter of the name's pinyin (北京 -> B), or "#"; kept by the service
    initial: Mapped[str] = mapped_column(String(1), default="#", info={"label": N_("Initial")})
    #: the pool the customer sits in while nobody owns it
    pool_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_pool.id"),
                                                info={"label": N_("Public pool")})
    #: when the present owner got it (claim, assignment, creation): protection counts from here
    owned_since: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"label": N_("Owned since")})
    last_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True,
                                                              info={"label": N_("Last follow-up")})
    last_won_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"label": N_("Last won deal")})
    #: the owner was warned of the automatic return for this date (no second warning)
    return_warned_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Warned of return for")})
    value_score: Mapped[int | None] = mapped_column(Integer, info={"label": N_("Value score")})
    value_grade: Mapped[str] = mapped_column(String(1), default="", info={"label": N_("Value grade"),
                                                                           "choices": VALUE_GRADES})


class Tag(IdMixin, TimestampMixin, Base):
    """A tag of an organisation's customers (shared by its users)."""

    __tablename__ = "crm_tag"
    __label__ = N_("Tag")
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40), info={"label": N_("Name")})
    color: Mapped[str] = mapped_column(String(20), default="blue", info={"label": N_("Colour")})


class CustomerTag(Base):
    __tablename__ = "crm_customer_tag"
    __label__ = N_("Customer tag")

    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id", ondelete="CASCADE"),
                                             primary_key=True, info={"label": N_("Customer")})
    tag_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_tag.id", ondelete="CASCADE"), primary_key=True,
                                        index=True, info={"label": N_("Tag")})


class Contact(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin,
              AuditedMixin,
              Base):
    """A person at a customer. Owner and department follow the customer's
    (moved with it on claim, assignment and transfer), so whoever may read
    the customer may read its contacts."""

    __tablename__ = "crm_contact"
    __label__ = N_("Contact")

    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Customer")})
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    gender: Mapped[str] = mapped_column(String(10), default="", info={"label": N_("Gender"),
                                                                      "choices": GENDERS})
    position: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Position")})
    dept: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Department at the customer")})
    mobile: Mapped[str] = mapped_column(String(40), default="", index=True,
                                        info={"label": N_("Mobile"), "mask": "phone"})
    phone: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Phone"), "mask": "phone"})
    email: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("E-mail"), "mask": "email"})
    wechat: Mapped[str] = mapped_column(String(60), default="", info={"label": N_("WeChat ID")})
    birthday: Mapped[date | None] = mapped_column(Date, info={"label": N_("Birthday")})
    is_main: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Main contact")})
    reports_to_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_contact.id"),
                                                      info={"label": N_("Reports to")})
    decision_role: Mapped[str] = mapped_column(String(20), default="", info={"label": N_("Role in decisions"),
                                                                              "choices": DECISION_ROLES})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})

"""The sales process: pipelines and stages, opportunities, competitors and
follow-up records (联系记录)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    ExtraMixin,
    IdMixin,
    Money,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    utcnow,
)
from plugins.crm.models.choices import (
    FOLLOWUP_KINDS,
    FOLLOWUP_RESULTS,
    LOST_REASONS,
    OPPORTUNITY_STATES,
    STAGE_KINDS,
    THREAT_LEVELS,
)


class Pipeline(IdMixin, TimestampMixin, AuditedMixin, Base):
    """A sales process of an organisation (standard sale, project sale, key account)."""

    __tablename__ = "crm_pipeline"
    __label__ = N_("Pipeline")

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("English name")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Default pipeline")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class Stage(IdMixin, TimestampMixin, AuditedMixin, Base):
    """A stage of a pipeline, with the probability of winning from it."""

    __tablename__ = "crm_stage"
    __label__ = N_("Stage")

    pipeline_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_pipeline.id", ondelete="CASCADE"),
                                             index=True, info={"label": N_("Pipeline")})
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("English name")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})
    probability: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Probability (%)")})
    kind: Mapped[str] = mapped_column(String(10), default="open", info={"label": N_("Kind"),
                                                                        "choices": STAGE_KINDS})


class Competitor(IdMixin, TimestampMixin, SoftDeleteMixin, AuditedMixin, Base):
    """A competitor, shared by an organisation's salespeople."""

    __tablename__ = "crm_competitor"
    __label__ = N_("Competitor")

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    website: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Website")})
    profile: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Profile")})
    strengths: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Strengths")})
    weaknesses: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Weaknesses")})
    prices: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Prices")})
    threat_level: Mapped[str] = mapped_column(String(10), default="medium",
                                              info={"label": N_("Threat level"), "choices": THREAT_LEVELS})


class Opportunity(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin,
                  AuditedMixin, Base):
    """A deal in a pipeline. ``state`` follows the stage's kind: an open
    stage keeps it open, a won or lost stage closes it."""

    __tablename__ = "crm_opportunity"
    __label__ = N_("Opportunity")
    __table_args__ = (Index("ix_crm_opportunity_pipeline_stage", "pipeline_id", "stage_id"),)

    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Customer")})
    contact_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_contact.id"),
                                                   info={"label": N_("Contact")})
    pipeline_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_pipeline.id"),
                                             info={"label": N_("Pipeline")})
    stage_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_stage.id"), info={"label": N_("Stage")})
    state: Mapped[str] = mapped_column(String(10), default="open",
                                       info={"label": N_("State"), "choices": OPPORTUNITY_STATES})
    amount: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Amount")})
    currency: Mapped[str] = mapped_column(String(3), default="CNY", info={"label": N_("Currency")})
    probability: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Probability (%)")})
    expected_close_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Expected close date")})
    source: Mapped[str] = mapped_column(String(20), default="", info={"label": N_("Source")})
    lead_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_lead.id"),
                                                info={"label": N_("Lead")})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Description")})
    #: when it entered its present stage (days per stage on the funnel)
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                       info={"label": N_("In stage since")})
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"label": N_("Closed at")})
    lost_reason: Mapped[str] = mapped_column(String(20), default="",
                                             info={"label": N_("Lost reason"), "choices": LOST_REASONS})
    lost_note: Mapped[str] = mapped_column(String(500), default="", info={"label": N_("Lost note")})
    lost_to_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_competitor.id"),
                                                   info={"label": N_("Lost to")})


class OpportunityCompetitor(Base):
    """Competitors met on an opportunity."""

    __tablename__ = "crm_opportunity_competitor"
    __label__ = N_("Competitor on an opportunity")

    opportunity_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_opportunity.id", ondelete="CASCADE"),
                                                primary_key=True, info={"label": N_("Opportunity")})
    competitor_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_competitor.id", ondelete="CASCADE"),
                                               primary_key=True, index=True, info={"label": N_("Competitor")})


class OpportunityProduct(IdMixin, Base):
    """A product or service of interest on an opportunity. ``product_id``
    points at the catalog's product once the catalog plugin exists; until
    then (and for anything not in it) ``name`` says what it is."""

    __tablename__ = "crm_opportunity_product"
    __label__ = N_("Product of interest")

    opportunity_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_opportunity.id", ondelete="CASCADE"),
                                                index=True, info={"label": N_("Opportunity")})
    product_id: Mapped[int | None] = mapped_column(BigId, info={"label": N_("Catalog product")})
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Product")})
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 3), default=Decimal("1"),
                                              info={"label": N_("Quantity")})
    amount: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Amount")})


class StageLog(IdMixin, Base):
    """An opportunity moved from one stage to another (the funnel's
    conversion and days per stage come from here)."""

    __tablename__ = "crm_stage_log"
    __label__ = N_("Stage change")
    __table_args__ = (Index("ix_crm_stage_log_opportunity_at", "opportunity_id", "at"),)

    opportunity_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_opportunity.id", ondelete="CASCADE"),
                                                info={"label": N_("Opportunity")})
    from_stage_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_stage.id", ondelete="SET NULL"),
                                                      info={"label": N_("From stage")})
    to_stage_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_stage.id", ondelete="CASCADE"),
                                             index=True, info={"label": N_("To stage")})
    #: whole days spent in ``from_stage_id`` (None for the first stage)
    days_in_from: Mapped[int | None] = mapped_column(Integer, info={"label": N_("Days in the stage")})
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"), info={"label": N_("By")})
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info={"label": N_("When")})


class FollowUp(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin,
               AuditedMixin,
               Base):
    """A follow-up record (联系记录): a call, visit, e-mail, WeChat message
    or meeting with a customer. Owner and department follow the customer's;
    ``author_id`` is who wrote it. Read-only once older than the
    organisation's lock period."""

    __tablename__ = "crm_followup"
    __label__ = N_("Follow-up")
    __table_args__ = (Index("ix_crm_followup_customer_at", "customer_id", "happened_at"),)

    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"),
                                             info={"label": N_("Customer")})
    contact_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_contact.id"),
                                                   info={"label": N_("Contact")})
    opportunity_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_opportunity.id"),
                                                       info={"label": N_("Opportunity")})
    kind: Mapped[str] = mapped_column(String(10), default="call",
                                      info={"label": N_("Kind"), "choices": FOLLOWUP_KINDS})
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info={"label": N_("When")})
    content: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Content")})
    result: Mapped[str] = mapped_column(String(20), default="",
                                        info={"label": N_("Result"), "choices": FOLLOWUP_RESULTS})
    next_contact_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Next contact on")})
    #: the effort and money spent (the cost of serving in the value score)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Duration (minutes)")})
    cost: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Expenses")})
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"),
                                                  info={"label": N_("Author")})

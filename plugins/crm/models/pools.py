"""Public pools (公海), their protection rules, the CRM settings of an
organisation and the ownership log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import N_, Base, BigId, IdMixin, TimestampMixin, UTCDateTime, utcnow
from plugins.crm.models.choices import LEVELS, OWNERSHIP_ACTIONS


class Pool(IdMixin, TimestampMixin, Base):
    """A public pool of an organisation: customers nobody owns, visible to
    the roles in ``crm_pool_role`` (every role holding ``crm.pool.claim``
    when none are listed)."""

    __tablename__ = "crm_pool"
    __label__ = N_("Public pool")

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Description")})
    #: a salesperson may own at most this many customers of the organisation (0: no cap)
    holding_cap: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Holding cap per person")})
    #: claims per person per day from this pool (0: no cap)
    daily_claim_cap: Mapped[int] = mapped_column(Integer, default=0,
                                                 info={"label": N_("Claims per person per day")})
    #: days before someone may claim again a customer they released or lost to the pool
    cooling_days: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Cooling period (days)")})
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Default pool")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class PoolRole(Base):
    """The roles that may see and claim from a pool."""

    __tablename__ = "crm_pool_role"
    __label__ = N_("Pool role")

    pool_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_pool.id", ondelete="CASCADE"),
                                         primary_key=True, info={"label": N_("Public pool")})
    role_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_role.id", ondelete="CASCADE"),
                                         primary_key=True, info={"label": N_("Role")})


class PoolRule(IdMixin, TimestampMixin, Base):
    """Protection of the customers of a level (every level when empty) that
    fall back to ``pool_id``: without a follow-up for ``no_followup_days``, or
    without a won deal for ``no_won_days`` (0: not checked), a customer goes
    back to the pool; its owner is warned ``warn_days`` before."""

    __tablename__ = "crm_pool_rule"
    __label__ = N_("Protection rule")

    pool_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_pool.id", ondelete="CASCADE"), index=True,
                                         info={"label": N_("Public pool")})
    level: Mapped[str] = mapped_column(String(10), default="", info={"label": N_("Level"), "choices": LEVELS})
    no_followup_days: Mapped[int] = mapped_column(Integer, default=0,
                                                  info={"label": N_("Days without a follow-up")})
    no_won_days: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Days without a won deal")})
    warn_days: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Warn days before")})


class Settings(IdMixin, TimestampMixin, Base):
    """The CRM settings of an organisation."""

    __tablename__ = "crm_settings"
    __label__ = N_("CRM settings")

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), unique=True)
    #: follow-up records older than this many days are read-only (0: never locked)
    followup_lock_days: Mapped[int] = mapped_column(Integer, default=30,
                                                    info={"label": N_("Lock follow-ups after (days)")})
    #: the pool customers go to when released, recalled or returned without a rule's own pool
    default_pool_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_pool.id", ondelete="SET NULL"),
                                                        info={"label": N_("Default pool")})
    #: weights and thresholds of the value score (see plugins/crm/value.py)
    value_model: Mapped[dict[str, Any]] = mapped_column(default=dict, info={"label": N_("Value model")})


class OwnershipLog(IdMixin, Base):
    """One change of a customer's owner: who, what, why."""

    __tablename__ = "crm_ownership_log"
    __label__ = N_("Ownership change")
    __table_args__ = (
        Index("ix_crm_ownership_log_customer_at", "customer_id", "at"),
        Index("ix_crm_ownership_log_to_action_at", "to_user_id", "action", "at"),
        Index("ix_crm_ownership_log_from_action_at", "from_user_id", "action", "at"),
    )

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id", ondelete="CASCADE"),
                                             info={"label": N_("Customer")})
    action: Mapped[str] = mapped_column(String(20), info={"label": N_("Action"), "choices": OWNERSHIP_ACTIONS})
    from_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"),
                                                     info={"label": N_("From")})
    to_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"), info={"label": N_("To")})
    pool_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_pool.id", ondelete="SET NULL"),
                                                info={"label": N_("Public pool")})
    #: who did it (None: the scheduled job)
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"), info={"label": N_("By")})
    reason: Mapped[str] = mapped_column(String(500), default="", info={"label": N_("Reason")})
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info={"label": N_("When")})

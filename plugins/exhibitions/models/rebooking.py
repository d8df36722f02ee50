"""Rebooking (part 2 of the plugin): during or right after an edition, each
of its exhibitors is offered a booth in the next edition of the series, in
a priority window, with a deposit. Accepting reserves the booth and makes
the booth contract (services/rebooking.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    Money,
    OrgScopedMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)
from plugins.exhibitions.models.choices import OFFER_STATES


class RebookingOffer(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """An offer to an exhibitor of ``edition_id`` (who had ``from_booth_id``)
    of ``booth_id`` in ``next_edition_id``: the same number when the next
    plan has it, else a booth staff choose; open from ``valid_from`` to
    ``valid_until``; ``deposit``: the edition's deposit share of the booth's
    price. Accepted, it names the booth contract it made (``contract_id``)."""

    __tablename__ = "exhibitions_rebooking_offer"
    __label__ = N_("Rebooking offer")
    __table_args__ = (UniqueConstraint("next_edition_id", "from_booth_id",
                                       name="uq_exhibitions_rebooking_offer_booth"),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    next_edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                                 info={"label": N_("Next edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    from_booth_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_booth.id"),
                                               info={"label": N_("Booth this edition")})
    booth_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_booth.id"), index=True,
                                                 info={"label": N_("Booth offered")})
    valid_from: Mapped[date] = mapped_column(Date, info={"label": N_("Priority from")})
    valid_until: Mapped[date] = mapped_column(Date, index=True, info={"label": N_("Priority until")})
    deposit: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Deposit")})
    state: Mapped[str] = mapped_column(String(20), default="open", index=True,
                                       info={"label": N_("State"), "choices": OFFER_STATES})
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Decided at")})
    contract_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_contract.id"),
                                                    info={"label": N_("Booth contract")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})

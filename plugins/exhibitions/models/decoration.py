"""Special decoration (特装): the builders an organiser admits, an
exhibitor's project of building its own stand on raw space, the rounds of
drawings submitted and reviewed (报图, 审图), the edition's rules (the
drawings' late fee, the clean-up deposit's rate and cap) and the deposit's
movements (received, refunded, forfeited).

A project's state moves only through
:mod:`plugins.exhibitions.services.decoration`, which refuses an illegal
move with a Conflict naming the state."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
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
from plugins.exhibitions.models.choices import DECORATION_STATES, DEPOSIT_MOVES, REVIEW_VERDICTS
from plugins.exhibitions.models.venues import Area

#: a stand's height in metres (up to 99.99)
Height = Numeric(5, 2)


class Builder(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A stand builder (搭建商) the organiser admits. One blacklisted, or
    whose qualification has expired, cannot be given a project."""

    __tablename__ = "exhibitions_builder"
    __label__ = N_("Stand builder")

    name: Mapped[str] = mapped_column(String(200), index=True, info={"label": N_("Company name")})
    licence_no: Mapped[str] = mapped_column(String(60), default="", info={"label": N_("Licence number")})
    contact: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Contact person")})
    phone: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Phone")})
    qualified_until: Mapped[date | None] = mapped_column(Date, info={"label": N_("Qualification valid until")})
    blacklisted: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Blacklisted")})
    blacklist_reason: Mapped[str] = mapped_column(Text, default="",
                                                  info={"label": N_("Reason for the blacklist")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})


class DecorationRule(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """An edition's rules of special decoration: when the drawings are due
    (unless the exhibitor manual's drawings form sets the deadline), the fee
    of a late submission, and the clean-up deposit: ``deposit_rate`` a m²,
    never more than ``deposit_cap``."""

    __tablename__ = "exhibitions_decoration_rule"
    __label__ = N_("Special-decoration rules")
    __table_args__ = (UniqueConstraint("edition_id", name="uq_exhibitions_decoration_rule_edition"),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id", ondelete="CASCADE"),
                                            info={"label": N_("Edition")})
    drawings_due_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Drawings due on")})
    late_fee: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Late submission fee")})
    deposit_rate: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Deposit per m²")})
    deposit_cap: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Deposit cap")})


class DecorationProject(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """An exhibitor's special-decoration project on a raw-space booth of an
    edition, built by a builder: its drawings' rounds, the permit
    (施工证), the management fee (a service order) and the deposit."""

    __tablename__ = "exhibitions_decoration_project"
    __label__ = N_("Special-decoration project")
    __table_args__ = (UniqueConstraint("booth_id", name="uq_exhibitions_decoration_project_booth"),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    booth_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_booth.id"),
                                          info={"label": N_("Booth")})
    builder_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_builder.id"), index=True,
                                            info={"label": N_("Stand builder")})
    number: Mapped[str] = mapped_column(String(40), default="", index=True,
                                        info={"label": N_("Project number")})
    state: Mapped[str] = mapped_column(String(30), default="draft", index=True,
                                       info={"label": N_("State"), "choices": DECORATION_STATES})
    height: Mapped[Decimal] = mapped_column(Height, default=Decimal("0"), info={"label": N_("Height (m)")})
    two_storey: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Two storeys")})
    area: Mapped[Decimal] = mapped_column(Area, default=Decimal("0"), info={"label": N_("Area (m²)")})
    late: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Drawings late")})
    late_fee: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Late submission fee")})
    fee_order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_service_order.id"),
                                                     info={"label": N_("Management fee order")})
    deposit_due: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Deposit due")})
    permit_number: Mapped[str] = mapped_column(String(40), default="", index=True,
                                               info={"label": N_("Permit number")})
    permit_token: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Permit check code")})
    permit_issued_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Permit issued on")})
    inspected_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Inspected on")})
    inspection_passed: Mapped[bool | None] = mapped_column(Boolean, info={"label": N_("Inspection passed")})
    inspection_note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Inspection findings")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})

    @property
    def permit_code(self) -> str:
        """What the permit's QR code holds: its number and check code."""
        return f"{self.permit_number}.{self.permit_token}" if self.permit_number else ""


class DecorationRound(IdMixin, OrgScopedMixin, TimestampMixin, AuditedMixin, Base):
    """One submission of drawings (its files are attachments of the round)
    and its review: the reviewer's verdict and comments."""

    __tablename__ = "exhibitions_decoration_round"
    __label__ = N_("Drawings submission")
    __table_args__ = (UniqueConstraint("project_id", "number", name="uq_exhibitions_decoration_round_number"),)

    project_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_decoration_project.id",
                                                              ondelete="CASCADE"),
                                            info={"label": N_("Special-decoration project")})
    number: Mapped[int] = mapped_column(Integer, info={"label": N_("Round")})
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Submitted at")})
    late: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Late")})
    verdict: Mapped[str] = mapped_column(String(20), default="", info={"label": N_("Verdict"),
                                                                       "choices": REVIEW_VERDICTS})
    reviewer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"),
                                                    info={"label": N_("Reviewer")})
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Reviewed at")})
    comment: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Review comments")})


class DecorationDeposit(IdMixin, OrgScopedMixin, TimestampMixin, AuditedMixin, Base):
    """A movement of a project's clean-up deposit (施工押金): received,
    refunded, or forfeited with a reason. What is refunded and forfeited
    never exceeds what was received."""

    __tablename__ = "exhibitions_decoration_deposit"
    __label__ = N_("Clean-up deposit movement")

    project_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_decoration_project.id",
                                                              ondelete="CASCADE"), index=True,
                                            info={"label": N_("Special-decoration project")})
    kind: Mapped[str] = mapped_column(String(20), info={"label": N_("Movement"), "choices": DEPOSIT_MOVES})
    amount: Mapped[Money] = mapped_column(info={"label": N_("Amount")})
    moved_on: Mapped[date] = mapped_column(Date, info={"label": N_("Date")})
    reason: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Reason")})

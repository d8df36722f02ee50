"""Visitor pre-registration of an edition (part 2 of the plugin): the
edition's settings of it (:class:`VisitorSetup`: whether the public form is
open, the buyer qualification rule, the exhibitor staff badge rule), the
form's own questions (:class:`VisitorQuestion`) and the gates with the hall
each one lets into (:class:`VisitorGate`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    OrgScopedMixin,
    TimestampMixin,
    VersionedMixin,
)
from plugins.exhibitions.models.choices import BUDGETS, QUESTION_KINDS
from plugins.exhibitions.models.venues import Area


class VisitorSetup(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """An edition's settings of visitors and badges (one row an edition).

    Buyer qualification: a registering visitor is ``qualified`` when their
    purchasing role is among ``qualify_roles``, their budget is at least
    ``qualify_budget`` (empty: any) and, when ``qualify_interests`` names
    any, they share one of them. Staff badges: ``badges_per`` badges for
    each ``per_area_m2`` m² of booked booth area (rounded down), at least
    ``badge_minimum``; more are ``extra`` and charged through the service
    ``extra_badge_service_id``; names are entered until ``badge_deadline``."""

    __tablename__ = "exhibitions_visitor_setup"
    __label__ = N_("Visitor settings")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id", ondelete="CASCADE"),
                                            unique=True, info={"label": N_("Edition")})
    registration_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(),
                                                    info={"label": N_("Registration open")})
    qualify_roles: Mapped[list[str]] = mapped_column(JSON, default=list, info={"label": N_("Purchasing roles")})
    qualify_budget: Mapped[str] = mapped_column(String(20), default="", info={
        "label": N_("Budget at least"), "choices": BUDGETS})
    qualify_interests: Mapped[list[str]] = mapped_column(JSON, default=list, info={"label": N_("Interests")})
    badges_per: Mapped[int] = mapped_column(Integer, default=2, info={"label": N_("Badges per area")})
    per_area_m2: Mapped[Decimal] = mapped_column(Area, default=Decimal("9"), info={"label": N_("Area (m²)")})
    badge_minimum: Mapped[int] = mapped_column(Integer, default=2, info={"label": N_("Badges at least")})
    badge_deadline: Mapped[date | None] = mapped_column(Date, info={"label": N_("Badge names due")})
    extra_badge_service_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("exhibitions_service.id", ondelete="SET NULL"),
        info={"label": N_("Extra badge service")})


class VisitorQuestion(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A question of an edition's pre-registration form, in Chinese and
    English; ``options`` (one a line, ``中文 | English``) for a choice."""

    __tablename__ = "exhibitions_visitor_question"
    __label__ = N_("Registration question")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id", ondelete="CASCADE"),
                                            index=True, info={"label": N_("Edition")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})
    text: Mapped[str] = mapped_column(String(300), info={"label": N_("Question")})
    text_en: Mapped[str] = mapped_column(String(300), default="", info={"label": N_("Question in English")})
    kind: Mapped[str] = mapped_column(String(20), default="text",
                                      info={"label": N_("Kind of answer"), "choices": QUESTION_KINDS})
    required: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Required")})
    options: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Options")})

    def choices(self) -> list[tuple[str, str]]:
        """The options as (Chinese, English) pairs; the Chinese text is what an answer stores."""
        pairs = []
        for line in self.options.splitlines():
            zh, _, en = line.partition("|")
            if zh.strip():
                pairs.append((zh.strip(), en.strip() or zh.strip()))
        return pairs

    def label(self, locale: str) -> str:
        return self.text_en if locale == "en" and self.text_en else self.text

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "required": self.required}


class VisitorGate(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A gate of an edition (its name as the gate page sends it) and the
    hall it lets into: admissions are counted per hall by it."""

    __tablename__ = "exhibitions_visitor_gate"
    __label__ = N_("Gate")
    __table_args__ = (UniqueConstraint("edition_id", "name", name="uq_exhibitions_visitor_gate_name"),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id", ondelete="CASCADE"),
                                            index=True, info={"label": N_("Edition")})
    name: Mapped[str] = mapped_column(String(40), info={"label": N_("Gate")})
    space_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_space.id"), index=True,
                                          info={"label": N_("Hall")})

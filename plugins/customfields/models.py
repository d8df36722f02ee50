"""The customfields plugin's one model: a field definition of another model.

Values do not live here: they are in each record's ``extra`` JSON under the
field's ``name`` (the kernel's :class:`core.ExtraMixin`). Removing a field
(``deleted_at``) hides it everywhere and keeps those values; restoring it
shows them again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import N_, AuditedMixin, Base, IdMixin, SoftDeleteMixin, TimestampMixin, VersionedMixin


class Field(IdMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, AuditedMixin, Base):
    __tablename__ = "customfields_field"
    __label__ = N_("Custom field")
    __table_args__ = (UniqueConstraint("model", "name"),)

    model: Mapped[str] = mapped_column(String(120), index=True, info={"label": N_("Model")})
    #: ``x_<slug>``: the key in ``extra`` and in field rules; never changes
    name: Mapped[str] = mapped_column(String(60), info={"label": N_("Field name")})
    kind: Mapped[str] = mapped_column(String(20), default="text", info={"label": N_("Kind")})
    label_zh: Mapped[str] = mapped_column(String(200), info={"label": N_("Chinese label")})
    label_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English label")})
    required: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Required")})
    unique: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Unique")})
    #: stored as ``extra`` stores a value of this kind
    default: Mapped[Any] = mapped_column(JSON, nullable=True, info={"label": N_("Default value")})
    #: ``[{"value": ..., "zh_CN": ..., "en": ...}, ...]`` for choice and multi
    choices: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list, info={"label": N_("Choices")})
    #: the model key a link points to (``core.user`` for user fields)
    ref: Mapped[str | None] = mapped_column(String(120), info={"label": N_("Links to")})
    order: Mapped[int] = mapped_column(Integer, default=100, info={"label": N_("Order")})


MODELS: list[type[Base]] = [Field]

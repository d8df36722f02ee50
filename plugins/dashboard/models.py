"""The dashboard's tables: saved reports (shared with roles or the whole
organisation, e-mailed on a schedule) and workbench layouts (a user's own,
or a role's default in an organisation) with their widgets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)

#: who may open a saved report besides its author (and readers within the scope of
#: ``dashboard.report.read``)
SHARING = {"private": N_("Only me"), "roles": N_("Roles I choose"), "org": N_("Everyone in the organisation")}
#: how a report is drawn
CHARTS = {"table": N_("Table only"), "bar": N_("Bar chart"), "line": N_("Line chart"),
          "pie": N_("Pie chart"), "funnel": N_("Funnel")}
FREQUENCIES = {"daily": N_("Every day"), "weekly": N_("Every week"), "monthly": N_("Every month")}
RECIPIENTS = {"me": N_("Only me"), "shared": N_("Me and everyone it is shared with")}


class Report(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, AuditedMixin, Base):
    """A saved report: a dataset and how to group, measure, filter and draw it.

    It always runs with its *reader's* permissions: sharing opens the
    definition, never the author's rows.
    """

    __tablename__ = "dashboard_report"
    __label__ = N_("Saved report")
    __shareable__ = False  # shared with roles or the organisation, by its own rule

    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    dataset: Mapped[str] = mapped_column(String(120), info={"label": N_("Dataset")})
    #: rows, columns, measures and filters (plugins.dashboard.specs.ReportSpec)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Definition")})
    chart: Mapped[str] = mapped_column(String(20), default="table",
                                       info={"label": N_("Chart"), "choices": CHARTS})
    sharing: Mapped[str] = mapped_column(String(20), default="private",
                                         info={"label": N_("Visible to"), "choices": SHARING})


class ReportRole(IdMixin, Base):
    """A role a saved report is shared with (in the report's organisation)."""

    __tablename__ = "dashboard_report_role"
    __label__ = N_("Report shared with a role")
    __table_args__ = (UniqueConstraint("report_id", "role_id"),)

    report_id: Mapped[int] = mapped_column(BigId, ForeignKey("dashboard_report.id", ondelete="CASCADE"),
                                           index=True, info={"label": N_("Saved report")})
    role_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_role.id", ondelete="CASCADE"),
                                         info={"label": N_("Role")})


class Schedule(IdMixin, TimestampMixin, Base):
    """When a saved report is e-mailed, and to whom (one schedule per report)."""

    __tablename__ = "dashboard_schedule"
    __label__ = N_("Report e-mail schedule")

    report_id: Mapped[int] = mapped_column(BigId, ForeignKey("dashboard_report.id", ondelete="CASCADE"),
                                           unique=True, info={"label": N_("Saved report")})
    frequency: Mapped[str] = mapped_column(String(10), default="weekly",
                                           info={"label": N_("Frequency"), "choices": FREQUENCIES})
    #: 0 = Monday (weekly), or the day of the month, 1-28 (monthly)
    day: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Sending day")})
    hour: Mapped[int] = mapped_column(Integer, default=8, info={"label": N_("Hour (China time)")})
    recipients: Mapped[str] = mapped_column(String(10), default="me",
                                            info={"label": N_("Send to"), "choices": RECIPIENTS})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True, info={"label": N_("Next e-mail")})
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Last sent")})


class Layout(IdMixin, TimestampMixin, Base):
    """A workbench: a user's own (``user_id``), or the default of a role in an
    organisation (``role_id`` and ``org_id``) for its members without one."""

    __tablename__ = "dashboard_layout"
    __label__ = N_("Workbench layout")
    __table_args__ = (UniqueConstraint("user_id"), UniqueConstraint("role_id", "org_id"))

    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id", ondelete="CASCADE"),
                                                info={"label": N_("User")})
    role_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_role.id", ondelete="CASCADE"),
                                                info={"label": N_("Role")})
    org_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"),
                                               info={"label": N_("Organisation")})


class Placement(IdMixin, Base):
    """One widget on a layout: where, how wide, and its settings (the saved
    report a chart shows, a key figure's measure)."""

    __tablename__ = "dashboard_placement"
    __label__ = N_("Widget on a workbench")

    layout_id: Mapped[int] = mapped_column(BigId, ForeignKey("dashboard_layout.id", ondelete="CASCADE"),
                                           index=True, info={"label": N_("Workbench layout")})
    widget: Mapped[str] = mapped_column(String(120), info={"label": N_("Widget")})
    position: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Place in order")})
    size: Mapped[str] = mapped_column(String(2), default="md", info={"label": N_("Width")})
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Settings")})


MODELS = (Report, ReportRole, Schedule, Layout, Placement)

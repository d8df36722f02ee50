"""Saved reports by e-mail on a schedule: daily, weekly or monthly at an
hour of China's time, to the author or to everyone the report is shared with.

The hourly job ``dashboard.send_reports`` queues one ``dashboard.send_report``
job per schedule that is due (keyed by the schedule and its time, so it is
sent once however often the hour is looked at) and moves the schedule on.
That job computes the report for each recipient **with that recipient's
permissions** and tells them through ``core.notify`` (the activity plugin's
inbox and e-mail), the table in the message and a link to the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Forbidden, JobContext, Notification, ValidationError, enqueue, notify, utcnow
from plugins.dashboard import kernel
from plugins.dashboard.models import FREQUENCIES, RECIPIENTS, Report, ReportRole, Schedule
from plugins.dashboard.services import reports, tables

JOB = "dashboard.send_reports"
TASK = "dashboard.send_report"
#: rows an e-mail carries; the link opens the rest
MAIL_ROWS = 50
#: schedules keep China's time, as the kernel's dates and cron do
CHINA = ZoneInfo("Asia/Shanghai")


def next_time(schedule: Schedule, after: datetime) -> datetime:
    """The first time after ``after`` the schedule fires (UTC)."""
    zone = CHINA
    local = after.astimezone(zone)
    day = local.date()
    for _ in range(400):  # a month and a half is enough; a year is plenty
        if _fires_on(schedule, day):
            moment = datetime.combine(day, time(schedule.hour), zone)
            if moment > local:
                return moment.astimezone(after.tzinfo)
        day += timedelta(days=1)
    raise ValueError("schedule never fires")  # pragma: no cover - days 1-28 always come


def _fires_on(schedule: Schedule, day: date) -> bool:
    if schedule.frequency == "weekly":
        return day.weekday() == schedule.day
    if schedule.frequency == "monthly":
        return day.day == schedule.day
    return True


def clean(values: Mapping[str, str]) -> dict[str, Any]:
    """A schedule's fields from a form, or ``ValidationError`` naming each bad one."""
    errors: dict[str, str] = {}
    frequency = values.get("frequency", "")
    if frequency not in FREQUENCIES:
        errors["frequency"] = N_("Choose how often to send it.")
    recipients = values.get("recipients", "me")
    if recipients not in RECIPIENTS:
        errors["recipients"] = N_("Choose who receives it.")
    hour = _int(values.get("hour", ""), 0, 23)
    if hour is None:
        errors["hour"] = N_("An hour from 0 to 23.")
    day = _int(values.get("day", "") or "0", 0, 6) if frequency == "weekly" else (
        _int(values.get("day", ""), 1, 28) if frequency == "monthly" else 0)
    if day is None:
        errors["day"] = (N_("Choose a day of the week.") if frequency == "weekly"
                         else N_("A day of the month from 1 to 28."))
    if errors:
        raise ValidationError(errors)
    return {"frequency": frequency, "recipients": recipients, "hour": hour, "day": day}


def _int(raw: str, low: int, high: int) -> int | None:
    text = raw.strip()
    if not text.lstrip("-").isdigit() or not low <= int(text) <= high:
        return None
    return int(text)


def schedule_of(session: Session, report: Report) -> Schedule | None:
    return session.scalar(select(Schedule).where(Schedule.report_id == report.id))


def set_schedule(session: Session, actor: Actor, report: Report, values: Mapping[str, str]) -> Schedule:
    """Create or change the report's schedule: its author, with ``dashboard.schedule.create``."""
    _allowed(actor, report)
    fields = clean(values)
    schedule = schedule_of(session, report) or Schedule(report_id=report.id)
    for key, value in fields.items():
        setattr(schedule, key, value)
    schedule.active = True
    schedule.next_run_at = next_time(schedule, utcnow())
    session.add(schedule)
    session.flush()
    return schedule


def stop(session: Session, actor: Actor, report: Report) -> None:
    _allowed(actor, report)
    schedule = schedule_of(session, report)
    if schedule is not None:
        session.delete(schedule)


def _allowed(actor: Actor, report: Report) -> None:
    actor.require("dashboard.schedule.create")
    if report.owner_id != actor.user_id:
        raise Forbidden("dashboard.schedule.create")


# ------------------------------------------------------------------ the jobs


def send_due(ctx: JobContext) -> None:
    """The hourly job: queue the e-mail of every schedule that is due."""
    now = utcnow()
    due = ctx.session.scalars(
        select(Schedule).join(Report, Report.id == Schedule.report_id)
        .where(Schedule.active.is_(True), Schedule.next_run_at <= now, Report.deleted_at.is_(None))
        .order_by(Schedule.next_run_at).limit(500).with_for_update(of=Schedule)).all()
    for schedule in due:
        fire = schedule.next_run_at
        enqueue(ctx.session, TASK, {"schedule_id": schedule.id, "at": fire.isoformat()},
                key=f"{TASK}:{schedule.id}:{fire.isoformat()}")
        schedule.next_run_at = next_time(schedule, now)
    ctx.log(f"{len(due)} report e-mails queued")


def send(ctx: JobContext) -> None:
    """One schedule's e-mail: each recipient gets the report as *they* may see it."""
    db = ctx.session
    schedule = db.get(Schedule, int(ctx.payload["schedule_id"]))
    report = db.get(Report, schedule.report_id) if schedule is not None else None
    if schedule is None or report is None or report.deleted_at is not None:
        ctx.log("schedule or report gone: nothing to send")
        return
    sent = 0
    for user_id in recipients(db, report, schedule):
        reader = ctx.actor_of(user_id)
        if reader is None or not reader.can("dashboard.report.read"):
            continue
        if not db.scalar(select(Report.id).where(Report.id == report.id, reports.readable(reader))):
            continue  # no longer shared with them
        notify(db, message(ctx.kernel, db, reader, report))
        sent += 1
    schedule.last_sent_at = utcnow()
    ctx.log(f"report {report.id} sent to {sent} people")


def recipients(session: Session, report: Report, schedule: Schedule) -> list[int]:
    """The author, and with ``shared`` everyone the report is shared with."""
    people = [report.owner_id] if report.owner_id is not None else []
    if schedule.recipients == "shared" and report.sharing == "org":
        people += kernel.org_members(session, report.org_id)
    elif schedule.recipients == "shared" and report.sharing == "roles":
        roles = session.scalars(select(ReportRole.role_id).where(ReportRole.report_id == report.id))
        people += kernel.role_members(session, roles, report.org_id)
    return list(dict.fromkeys(people))


def message(app: Any, session: Session, reader: Actor, report: Report) -> Notification:
    """The report computed as ``reader``, as a notification in their language
    (``app``: the kernel, for its catalogs and registry)."""
    t = app.catalogs.translator(app.catalogs.negotiate([reader.locale]))
    spec = reports.spec_of(report)
    computed = tables.compute(session, reader, app.registry, spec)
    fmt = tables.Formatter(t.gettext, t.date)
    table = tables.table_of(computed, fmt, lambda keys: None)
    head = [*table.head, *(f"{band} {col}" if band else col for band, col in _columns(table))]
    rows = [tuple(head)] + [(*line.labels, *(c.text for c in line.cells)) for line in table.lines[:MAIL_ROWS]]
    more = max(len(table.lines) - MAIL_ROWS, 0)
    return Notification(
        user_ids=(reader.user_id,), subject=N_("Report: {report}"),
        body=N_("{report}, as of {date}, with your permissions. {more}"),
        params={"report": report.name, "date": t.datetime(utcnow(), "short"),
                "more": t.gettext("{n} more rows in Suanpan.", n=more) if more else ""},
        link=f"/dashboard/reports/{report.id}", category="system", record=("dashboard.report", report.id),
        table=tuple(tuple(str(c) for c in row) for row in rows))


def _columns(table: tables.Table) -> list[tuple[str, str]]:
    """Each measure column with the pivot band above it (if any)."""
    if not table.bands:
        return [("", c) for c in table.columns]
    out, i = [], 0
    for band, span in table.bands:
        out += [(band, c) for c in table.columns[i:i + span]]
        i += span
    return out

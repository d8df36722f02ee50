"""Notifications: the inbox, the deliveries through channels, and the job
that sends them.

``on_notification`` (see hooks.py) calls :func:`receive` inside the sender's
transaction: one inbox row per active recipient, and for every channel the
recipient gets a :class:`Delivery` row and a job ``activity.deliver``, both
rolled back with the sender's change. The job (:func:`deliver`) sends once:
a delivery already ``sent`` is never sent again.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import escape
from sqlalchemy import func, select, update

from core import N_, NotFound, Notification, enqueue, utcnow
from plugins.activity.channels import (
    BUILT_IN,
    Channel,
    Rendered,
    build_message,
    gateway_for,
    org_config,
    send_mail,
)
from plugins.activity.kernel import Person, people
from plugins.activity.models import Delivery, InboxItem, Preference

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import JobContext

#: what a notification is about, with labels (the kernel's ``core.notify.CATEGORIES``;
#: a test keeps the two in step)
CATEGORY_LABELS: dict[str, str] = {
    "approval": N_("Approval requests"), "reminder": N_("Reminders"), "task": N_("Tasks"),
    "mention": N_("Mentions"), "system": N_("System messages"),
}
CATEGORIES = tuple(CATEGORY_LABELS)
TASK = "activity.deliver"
#: the inbox page shows this many notifications (unread ones first)
INBOX_LIMIT = 100
QUEUED, SENT, FAILED = "queued", "sent", "failed"
#: where a notification's table (``Notification.table``) is kept among its parameters
TABLE = "_table"


def channels(hook: Any) -> dict[str, Channel]:
    """Every channel, by key: the built-in ones and those of other plugins
    (``activity_notification_channels``)."""
    found: dict[str, Channel] = {c.key: c for c in BUILT_IN}  # no plugin replaces these
    groups = hook.activity_notification_channels() if hook is not None else []
    for group in groups:
        for channel in group or ():
            found.setdefault(channel.key, channel)
    return found


# ------------------------------------------------------------------ receiving


def receive(session: Session, notification: Notification, outgoing: Iterable[Channel]) -> list[InboxItem]:
    """Store ``notification`` in its recipients' inboxes and queue it on the
    channels each recipient gets; the inbox rows."""
    found = people(session, notification.user_ids)
    recipients = [p for uid in notification.user_ids if (p := found.get(uid)) is not None and p.active]
    model, record_id = notification.record or (None, None)
    items = [InboxItem(user_id=p.id, category=notification.category, subject=notification.subject,
                       body=notification.body, params=_params(notification), link=notification.link,
                       record_model=model, record_id=record_id, urgent=notification.urgent,
                       actor_id=notification.actor_id) for p in recipients]
    session.add_all(items)
    session.flush()
    prefs = _preferences(session, [p.id for p in recipients])
    switched_on: dict[tuple[int, str], bool] = {}
    for item, person in zip(items, recipients, strict=True):
        for channel in outgoing:
            if channel.urgent_only and not notification.urgent:
                continue
            if not prefs.get((person.id, channel.key, notification.category), True):
                continue
            address = channel.address_of(person)
            if not address:
                continue
            on = switched_on.setdefault((person.org_id, channel.key),
                                        channel.enabled_for(session, person.org_id))
            if on:
                _queue(session, item, channel.key, address, person.org_id)
    return items


def _params(notification: Notification) -> dict[str, Any]:
    """The message's parameters as stored, with its table (if any) under ``_table``."""
    params = dict(notification.params)
    if notification.table:
        params[TABLE] = [list(row) for row in notification.table]
    return params


def _queue(session: Session, item: InboxItem, channel: str, address: str, org_id: int) -> None:
    delivery = Delivery(notification_id=item.id, channel=channel, address=address, status=QUEUED)
    session.add(delivery)
    session.flush()
    enqueue(session, TASK, {"delivery_id": delivery.id}, key=f"{TASK}:{delivery.id}", org_id=org_id)


def _preferences(session: Session, user_ids: Sequence[int]) -> dict[tuple[int, str, str], bool]:
    if not user_ids:
        return {}
    rows = session.execute(select(Preference.user_id, Preference.channel, Preference.category,
                                  Preference.enabled).where(Preference.user_id.in_(user_ids)))
    return {(u, ch, cat): on for u, ch, cat, on in rows}


# ------------------------------------------------------------------ the inbox


def unread_count(session: Session, user_id: int) -> int:
    """The user's unread notifications (an index range)."""
    return int(session.scalar(select(func.count()).select_from(InboxItem).where(
        InboxItem.user_id == user_id, InboxItem.read_at.is_(None))) or 0)


def inbox(session: Session, user_id: int, limit: int = INBOX_LIMIT) -> list[InboxItem]:
    """The user's notifications: unread ones first, newest first."""
    stmt = (select(InboxItem).where(InboxItem.user_id == user_id)
            .order_by(InboxItem.read_at.is_not(None), InboxItem.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def get_item(session: Session, user_id: int, item_id: int) -> InboxItem:
    """One of the user's own notifications; anyone else's is not found."""
    item = session.get(InboxItem, item_id)
    if item is None or item.user_id != user_id:
        raise NotFound()
    return item


def mark_read(session: Session, user_id: int, item_id: int) -> InboxItem:
    item = get_item(session, user_id, item_id)
    if item.read_at is None:
        item.read_at = utcnow()
    return item


def mark_all_read(session: Session, user_id: int) -> int:
    """Mark all the user's notifications read; how many were unread."""
    result = session.execute(update(InboxItem).where(
        InboxItem.user_id == user_id, InboxItem.read_at.is_(None)).values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


# ------------------------------------------------------------------ preferences


def preferences(session: Session, user_id: int) -> dict[tuple[str, str], bool]:
    """The user's choices (channel, category) -> on; missing pairs are on."""
    return {(ch, cat): on for (_, ch, cat), on in _preferences(session, [user_id]).items()}


def save_preferences(session: Session, user_id: int, pairs: Iterable[tuple[str, str]],
                     chosen: set[tuple[str, str]]) -> None:
    """Set every (channel, category) of ``pairs``: on when in ``chosen``."""
    stored = {(p.channel, p.category): p for p in session.scalars(
        select(Preference).where(Preference.user_id == user_id))}
    for channel, category in pairs:
        row = stored.get((channel, category))
        if row is None:
            session.add(Preference(user_id=user_id, channel=channel, category=category,
                                   enabled=(channel, category) in chosen))
        else:
            row.enabled = (channel, category) in chosen


# ------------------------------------------------------------------ sending


def render(kernel: Any, item: InboxItem, user: Person) -> Rendered:
    """The notification in the recipient's language, with a link to the suite
    (the setting ``base_url`` before the notification's path)."""
    t = kernel.catalogs.translator(kernel.catalogs.negotiate([user.locale]))
    params = dict(item.params or {})
    subject = t.gettext(item.subject, **params)
    body = t.gettext(item.body, **params) if item.body else ""
    base = str(kernel.settings.extra.get("base_url", "")).rstrip("/")
    url = f"{base}{item.link}" if base and item.link else ""
    table = [[str(cell) for cell in row] for row in params.get(TABLE) or ()]
    context = {"_": t.gettext, "t": t, "subject": subject, "body": body, "url": url, "user": user,
               "item": item, "table": table, "table_text": text_table(table)}
    text = kernel.jinja.get_template("activity/mail/_notification_text.html").render(context)
    html = kernel.jinja.get_template("activity/mail/_notification.html").render(context)
    short = " ".join(part for part in (t.gettext("[Suanpan] {subject}", subject=subject), url) if part)
    return Rendered(subject=subject, text=text, html=html, short=short, url=url)


def deliver(ctx: JobContext) -> None:
    """The job ``activity.deliver``: send one delivery, once.

    Reads and sends outside any write transaction (SQLite has one writer);
    a failure is recorded on the delivery in a transaction of its own and
    raised again, so the kernel retries the job and then parks it.
    """
    delivery_id = int(ctx.payload["delivery_id"])
    with ctx.kernel.db.session(write=False) as db:
        delivery = db.get(Delivery, delivery_id)
        if delivery is None or delivery.status == SENT:
            ctx.log(f"delivery {delivery_id} already sent or gone: nothing to do")
            return
        if delivery.notification_id is None:
            db.expunge(delivery)
            _deliver_outside(ctx, delivery)
            return
        item = db.get(InboxItem, delivery.notification_id)
        user = people(db, [item.user_id]).get(item.user_id) if item is not None else None
        db.expunge_all()
    if item is None or user is None:
        return
    channel = channels(ctx.kernel.pm.hook).get(delivery.channel)
    try:
        if channel is None:
            raise RuntimeError(f"unknown channel {delivery.channel!r}: its plugin is off")
        channel.send(ctx, delivery, user, render(ctx.kernel, item, user))
    except Exception as exc:
        with ctx.kernel.db.session() as db:
            db.execute(update(Delivery).where(Delivery.id == delivery_id).values(
                status=FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]))
        raise
    ctx.session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
        status=SENT, error="", sent_at=utcnow()))


def _deliver_outside(ctx: JobContext, delivery: Delivery) -> None:
    """Send a message to an outside address (``outbound.queue_message``) and
    tell its sender through ``activity_delivery_finished``, success or not."""
    hook = ctx.kernel.pm.hook
    try:
        _send_outside(ctx, delivery)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        with ctx.kernel.db.session() as db:
            db.execute(update(Delivery).where(Delivery.id == delivery.id).values(status=FAILED, error=error))
            hook.activity_delivery_finished(session=db, delivery_id=delivery.id, ref=delivery.ref, sent=False,
                                            error=error)
        raise
    ctx.session.execute(update(Delivery).where(Delivery.id == delivery.id).values(
        status=SENT, error="", sent_at=utcnow()))
    hook.activity_delivery_finished(session=ctx.session, delivery_id=delivery.id, ref=delivery.ref, sent=True,
                                    error="")


def _send_outside(ctx: JobContext, delivery: Delivery) -> None:
    if delivery.org_id is None:
        raise RuntimeError("a message to an outside address needs its organisation")
    config = org_config(ctx, delivery.org_id, delivery.channel)
    if delivery.channel == "email":
        html = "<p>" + str(escape(delivery.body)).replace("\n", "<br>\n") + "</p>"
        rendered = Rendered(subject=delivery.subject, text=delivery.body, html=html, short=delivery.body,
                            url="")
        send_mail(config, build_message(config, delivery.address, rendered, ctx.idempotency_key))
        ctx.log(f"mail to {delivery.address} sent through {config.get('host')}")
    elif delivery.channel == "sms":
        message_id = gateway_for(config, ctx.idempotency_key).send(delivery.address, delivery.body)
        ctx.log(f"SMS to {delivery.address} accepted as {message_id or '(no id)'}")
    else:
        raise RuntimeError(f"no outside channel {delivery.channel!r}")


def text_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as aligned plain text (Chinese characters count double), the
    header underlined; numbers (the cells after the first) flush right."""
    if not rows:
        return ""
    widths = [max(_width(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]

    def line(row: Sequence[str]) -> str:
        cells = [(cell.ljust if i == 0 else cell.rjust)(widths[i] - _width(cell) + len(cell))
                 for i, cell in enumerate(row)]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)

"""Outgoing webhooks: subscriptions per event, queued in the transaction of
the change (the job outbox: a rolled-back change sends nothing), delivered
by a job that signs the body, logs the answer and raises on a failure so the
kernel retries it with back-off and parks it after the last attempt."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import secrets
import socket
import ssl
from typing import Any
from urllib.parse import SplitResult, unquote

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, JobContext, NotFound, ValidationError, enqueue, get_for, utcnow
from plugins.api import values, webhook_targets
from plugins.api.models import Delivery, Webhook

TASK = "api.deliver"
EVENTS = ("created", "updated", "deleted", "transitioned")
TIMEOUT = 10
EXCERPT = 2000


def sign(secret: str, body: bytes) -> str:
    """The ``X-Suanpan-Signature`` header: ``sha256=<hex HMAC-SHA256 of the body>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ settings


def _clean(db: Session, values_: dict[str, Any]) -> dict[str, Any]:
    url = str(values_.get("url") or "").strip()
    errors: dict[str, str] = {}
    try:
        webhook_targets.check_url(url)
    except ValueError as exc:
        errors["url"] = str(exc)
    models = db.info.get("registry")
    known = set(models.models) if models is not None else set()
    events = str(values_.get("events") or "").split()
    bad = [e for e in events if e.rpartition(".")[2] not in EVENTS or e.rpartition(".")[0] not in known]
    if bad or not events:
        errors["events"] = N_("One event a line: a model key and created, updated, deleted or transitioned.")
    if errors:
        raise ValidationError(errors)
    return {**values_, "url": url, "events": "\n".join(dict.fromkeys(events))}


def create_webhook(db: Session, actor: Actor, values_: dict[str, Any]) -> Webhook:
    cleaned = _clean(db, values_)
    cleaned["secret"] = cleaned.get("secret") or secrets.token_urlsafe(24)
    hook = Webhook(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                   **cleaned)
    db.add(hook)
    return hook


def update_webhook(db: Session, actor: Actor, hook: Webhook, values_: dict[str, Any]) -> None:
    cleaned = _clean(db, values_)
    if not cleaned.get("secret"):
        cleaned.pop("secret", None)  # left empty: keep the current one
    for key, value in cleaned.items():
        setattr(hook, key, value)


# ------------------------------------------------------------------ events


_PENDING = "api.webhook_events"


def record_event(session: Session, record: Any, action: str, **extra: Any) -> None:
    """Note the event for the commit. Record events fire while the session
    flushes, where nothing may be flushed: the deliveries are queued just
    before the commit (:func:`_queue_pending`), in the same transaction."""
    key = getattr(record, "__model_key__", "")
    org_id = getattr(record, "org_id", None)
    if not key or key.startswith("api.") or org_id is None or not hasattr(record, "id"):
        return
    event = f"{key}.{action}"
    payload = {"event": event, "model": key, "id": record.id, "org_id": org_id,
               "at": utcnow().isoformat(), "record": _record(session, key, record), **extra}
    session.info.setdefault(_PENDING, []).append(payload)


def install() -> None:
    """Listen on every ORM session for the commit (idempotent; the app
    factory calls it through ``register_tasks``, never at import)."""
    if not sa_event.contains(Session, "before_commit", _queue_pending):
        sa_event.listen(Session, "before_commit", _queue_pending)
        sa_event.listen(Session, "after_rollback", _forget)


def _queue_pending(session: Session) -> None:
    pending: list[dict[str, Any]] = session.info.pop(_PENDING, None) or []
    hooks: dict[int, list[Webhook]] = {}
    for payload in pending:
        org_id = payload["org_id"]
        if org_id not in hooks:
            hooks[org_id] = list(session.scalars(
                select(Webhook).where(Webhook.org_id == org_id, Webhook.active)))
        for hook in hooks[org_id]:
            if hook.wants(payload["event"]):
                queue(session, hook, payload["event"], payload)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def queue(session: Session, hook: Webhook, event: str, payload: dict[str, Any],
          replay_of: int | None = None) -> Delivery:
    delivery = Delivery(webhook_id=hook.id, org_id=hook.org_id, event=event, payload=payload,
                        status="queued", attempts=0, created_at=utcnow(), replay_of_id=replay_of)
    session.add(delivery)
    session.flush()
    enqueue(session, TASK, {"delivery": delivery.id}, key=f"{TASK}:{delivery.id}", org_id=hook.org_id)
    return delivery


def _record(session: Session, key: str, record: Any) -> dict[str, Any]:
    """The record's fields as the API shows them (the page's declared fields)."""
    registry = session.info.get("registry")
    found = registry.cruds.get(key) if registry is not None else None
    if found is None:
        return {"id": record.id}
    return values.dump(session, found[1], record, None)


def replay(session: Session, actor: Actor, delivery_id: int) -> Delivery:
    """Send a logged delivery again, as a new delivery of the same payload."""
    old = get_for(session, actor, Delivery, delivery_id)
    if old.webhook_id is None:
        raise NotFound()
    hook = get_for(session, actor, Webhook, old.webhook_id, "update")
    return queue(session, hook, old.event, dict(old.payload), replay_of=old.id)


# ------------------------------------------------------------------ the task


def deliver(ctx: JobContext) -> None:
    """POST one delivery; log the answer (in a transaction of its own, so a
    failure is logged too) and raise on anything but 2xx: the kernel retries.
    The host is resolved and checked right before sending
    (:mod:`plugins.api.webhook_targets`); a refused one is logged as failed."""
    db = ctx.kernel.db
    with db.session(write=False) as s:
        delivery = s.get(Delivery, ctx.payload.get("delivery"))
        hook = s.get(Webhook, delivery.webhook_id) if delivery and delivery.webhook_id else None
        if delivery is None or hook is None or not hook.active:
            ctx.log("nothing to deliver: the delivery or its webhook is gone or inactive")
            return
        url, secret, event, payload = hook.url, hook.secret, delivery.event, delivery.payload
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json", "User-Agent": "Suanpan-Webhooks/1",
        "X-Suanpan-Event": event, "X-Suanpan-Delivery": str(ctx.payload["delivery"]),
        "X-Suanpan-Signature": sign(secret, body), "Idempotency-Key": ctx.idempotency_key}
    code, excerpt = _send(url, body, headers)
    with db.session() as s:
        row = s.get(Delivery, ctx.payload["delivery"])
        if row is not None:
            row.attempts += 1
            row.last_attempt_at = utcnow()
            row.response_code = code
            row.response_excerpt = excerpt[:EXCERPT]
            row.status = "delivered" if code is not None and 200 <= code < 300 else "failed"
    ctx.log(f"POST {url}: {code if code is not None else excerpt[:200]}")
    if code is None or not 200 <= code < 300:
        raise RuntimeError(f"webhook answered {code}: {excerpt[:200]}")


def _send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST ``body`` to ``url``: the status and the start of the answer, or
    None and why nothing was answered. The host's addresses are checked,
    then connected to, so the request goes where the check looked; no proxy,
    no redirect followed (a 3xx is a failure like any answer but 2xx)."""
    connection: http.client.HTTPConnection | None = None
    try:
        parts, host, port = webhook_targets.split(url)
        addresses = webhook_targets.resolve(host, port)
        connection = _connection(parts.scheme, host, port, addresses)
        connection.request("POST", _target(parts), body=body, headers={**headers, **_credentials(parts)})
        response = connection.getresponse()
        return int(response.status), response.read(EXCERPT).decode("utf-8", "replace")
    except webhook_targets.Refused as exc:
        return None, exc.describe()
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, str(exc) or type(exc).__name__
    finally:
        if connection is not None:
            connection.close()


def _connection(scheme: str, host: str, port: int, addresses: list[str]) -> http.client.HTTPConnection:
    if scheme == "https":
        return _PinnedHTTPS(host, port, addresses)
    return _PinnedHTTP(host, port, addresses)


def _target(parts: SplitResult) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _credentials(parts: SplitResult) -> dict[str, str]:
    """``user:password@`` in the URL as HTTP basic authentication."""
    if parts.username is None:
        return {}
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def _open(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of the checked ``addresses`` that answers."""
    error: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to checked addresses, never resolving ``host`` again; the
    ``Host`` header is still the URL's."""

    def __init__(self, host: str, port: int, addresses: list[str]) -> None:
        super().__init__(host, port, timeout=TIMEOUT)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _open(self.addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """Like :class:`_PinnedHTTP`, with TLS verified against the URL's host name."""

    def __init__(self, host: str, port: int, addresses: list[str]) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=TIMEOUT, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        sock = _open(self.addresses, self.port, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise

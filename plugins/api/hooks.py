"""Everything the api plugin registers: read this file first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select

from core import N_, MenuItem, PermissionDecl, Routes, TaskDecl, hookimpl
from plugins.api import webhooks
from plugins.api.models import MODELS, Webhook
from plugins.api.permissions import PERMISSIONS
from plugins.api.routes import routes

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Base


@hookimpl
def register_models() -> list[type[Base]]:
    return list(MODELS)


@hookimpl
def register_permissions() -> list[PermissionDecl]:
    return PERMISSIONS


@hookimpl
def register_routes() -> Routes:
    return routes


@hookimpl
def register_menu_items() -> list[MenuItem]:
    return [MenuItem("webhooks", N_("Webhooks"), "api:webhook_list", "api.webhook.read",
                     icon="webhook", section=N_("Administration"), order=930),
            MenuItem("webhook-deliveries", N_("Webhook deliveries"), "api:delivery_list",
                     "api.delivery.read", icon="send", section=N_("Administration"), order=931)]


@hookimpl
def register_tasks() -> list[TaskDecl]:
    """One delivery of one event to one webhook: retried with back-off, parked after the last."""
    webhooks.install()  # queues the deliveries of record events at each commit
    return [TaskDecl(webhooks.TASK, webhooks.deliver, max_attempts=6, timeout_seconds=60)]


# Events: each queues deliveries in the transaction of the change (the outbox).


@hookimpl
def on_record_created(session: Session, actor: Actor | None, record: Any) -> None:
    webhooks.record_event(session, record, "created")


@hookimpl
def on_records_created(session: Session, actor: Actor | None, model: type[Base],
                       rows: Sequence[Mapping[str, Any]]) -> None:
    """Many records at once (an import): their events are built only when a
    webhook of their organisation listens for them, which is rare."""
    key = model.__model_key__
    orgs = {row.get("org_id") for row in rows} - {None}
    if key.startswith("api.") or not orgs:
        return
    listening = {hook.org_id for hook in session.scalars(
        select(Webhook).where(Webhook.org_id.in_(orgs), Webhook.active)) if hook.wants(f"{key}.created")}
    ids = [row["id"] for row in rows if row.get("org_id") in listening]
    ident = cast(Any, model).id  # every model with events has one
    for start in range(0, len(ids), 500):
        for record in session.scalars(select(model).where(ident.in_(ids[start:start + 500])).order_by(ident)):
            webhooks.record_event(session, record, "created")


@hookimpl
def on_record_updated(session: Session, actor: Actor | None, record: Any,
                      changes: dict[str, list[Any]]) -> None:
    webhooks.record_event(session, record, "updated", changed=sorted(changes))


@hookimpl
def on_record_deleted(session: Session, actor: Actor | None, record: Any, soft: bool) -> None:
    webhooks.record_event(session, record, "deleted", soft=soft)


@hookimpl
def on_record_transitioned(session: Session, actor: Actor, record: Any, transition: str,
                           from_state: str, to_state: str, comment: str) -> None:
    webhooks.record_event(session, record, "transitioned", transition=transition,
                          from_state=from_state, to_state=to_state)

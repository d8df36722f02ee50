"""Batch work on the customer list: the selected rows come as ``ids[]``
from the list's selection form; a confirmation page says how many
customers and which action, then the batch runs in one transaction."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import Ctx, ValidationError, scope
from plugins.crm import kernel
from plugins.crm.models import Customer, Sequence
from plugins.crm.routes.common import routes
from plugins.crm.services import batch
from plugins.crm.services import tags as tag_service
from plugins.dataio import exporter


def _int(ctx: Ctx, name: str) -> int | None:
    value = ctx.field(name).strip()
    return int(value) if value.isdigit() else None


def _ints(raw: Any) -> list[int]:
    values = raw if isinstance(raw, list) else [raw] if raw else []
    return [int(v) for v in values if str(v).isdigit()]


def _options(ctx: Ctx) -> dict[str, Any]:
    """What the confirmation page offers for each action."""
    pools: list[Any] = []
    with suppress(ImportError):  # the pool area's service, when merged
        pools = batch.other_service("pools").visible_pools(ctx.db, ctx.user)
    sequences: list[Any] = []
    if ctx.user.can("crm.sequence.read"):
        sequences = list(ctx.db.scalars(select(Sequence).where(scope(ctx.user, Sequence, "read"))
                                        .order_by(Sequence.name).limit(200)))
    hidden = ctx.user.readonly_fields(Customer)
    return {"users": kernel.org_users(ctx.db, ctx.user.org_id), "pools": pools, "sequences": sequences,
            "tags": tag_service.org_tags(ctx.db, ctx.user.org_id),
            "fields": {f: c for f, c in batch.FIELDS.items() if f not in hidden},
            "field_labels": batch.FIELD_LABELS, "labels": batch.ACTION_LABELS}


@routes.post("/customers/batch/confirm", name="customer_batch_confirm", permission="crm.customer.read")
def customer_batch_confirm(ctx: Ctx) -> Response:
    action = ctx.field("action")
    if action not in batch.ACTIONS:
        action = ""
    ids = batch.parse_ids(ctx.form.get("ids[]"))
    return ctx.render("crm/customer_batch_confirm.html", action=action, ids=ids, errors={}, **_options(ctx))


@routes.post("/customers/batch", name="customer_batch_run", permission="crm.customer.read")
def customer_batch_run(ctx: Ctx) -> Response:
    action, ids = ctx.field("action"), batch.parse_ids(ctx.form.get("ids[]"))
    if action not in batch.ACTIONS:
        return customer_batch_confirm(ctx)
    if action == "export":
        return _export(ctx, ids)
    try:
        _run(ctx, action, ids)
    except ValidationError as exc:  # nothing was written: the page again, saying why
        errors = {name: ctx._(message) for name, message in exc.errors.items()}
        return ctx.render("crm/customer_batch_confirm.html", status=422, action=action, ids=ids, errors=errors,
                          **_options(ctx))
    return ctx.redirect("customer_list", flash="deleted" if action == "delete" else "saved")


def _run(ctx: Ctx, action: str, ids: list[int]) -> None:
    db, actor, reason = ctx.db, ctx.user, ctx.field("reason").strip()[:500]
    if action == "assign":
        batch.assign(db, actor, ids, _int(ctx, "to_user_id") or 0, reason)
    elif action == "recall":
        batch.recall(db, actor, ids, _int(ctx, "pool_id"), reason)
    elif action == "tag":
        batch.tag(db, actor, ids, _ints(ctx.form.get("tag_ids[]")), ctx.field("new_tag"))
    elif action == "untag":
        batch.untag(db, actor, ids, _ints(ctx.form.get("tag_ids[]")))
    elif action == "set_field":
        batch.set_field(db, actor, ids, ctx.field("field"), ctx.field("value"))
    elif action == "sequence":
        batch.start_sequence(db, actor, ids, _int(ctx, "sequence_id") or 0)
    elif action == "delete":
        batch.delete(db, actor, ids)


def _export(ctx: Ctx, ids: list[int]) -> Response:
    """The selected customers as CSV: the columns the dataio export offers
    the reader (hidden fields left out), their labels in the reader's language."""
    crud = ctx.kernel.registry.cruds["crm.customer"][1]
    stmt = batch.export_query(ctx.db, ctx.user, ids)
    columns = exporter.columns_of(ctx.db, crud, ctx.user, ctx.t.locale)
    data = exporter.rows(ctx.db, ctx.user, stmt, columns, ctx._)
    body = exporter.to_csv(exporter.header(columns, ctx._), data)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="crm-customers.csv"'})

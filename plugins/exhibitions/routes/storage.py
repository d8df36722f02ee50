"""The storage part's pages (registered on plugins.exhibitions.routes.routes):
advance-warehouse receipts — the list, a form with the pieces
(``line_<n>_<field>``), and the receipt's page with its days, delivery to
the booth, the fee, returning, and the labels to print."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from core import (
    N_,
    Column,
    Conflict,
    Ctx,
    Filter,
    Form,
    FormField,
    ListView,
    StaleVersion,
    ValidationError,
    check_version,
    get_for,
)
from plugins.crm.models import Customer
from plugins.exhibitions.models import Booth, Edition, StorageReceipt
from plugins.exhibitions.models.choices import STORAGE_STATES
from plugins.exhibitions.routes import routes
from plugins.exhibitions.routes.services import exhibitor_choices
from plugins.exhibitions.routes.venues import Prefilled, _edition_choices
from plugins.exhibitions.services import storage as services
from plugins.exhibitions.services import venues as venue_services
from plugins.sales.services.documents import CHINA

BLANK_LINES = 3
LINE_FIELDS = ("description", "packages", "volume", "weight")


def parse_lines(form: Any) -> list[dict[str, Any]]:
    numbers = sorted({int(k.split("_")[1]) for k in form
                      if k.startswith("line_") and k.split("_")[1].isdigit()})
    return [{f: form.get(f"line_{n}_{f}", "") for f in LINE_FIELDS} for n in numbers]


def _form_context(ctx: Ctx, record: StorageReceipt | None) -> dict[str, Any]:
    if ctx.request.method == "POST":
        lines = parse_lines(ctx.form)
    elif record is not None:
        lines = [{"description": x.description, "packages": str(x.packages), "volume": str(x.volume),
                  "weight": str(x.weight)} for x in services.lines_of(ctx.db, record.id)]
    else:
        lines = []
    return {"lines": [*lines, *({f: "" for f in LINE_FIELDS} for _ in range(BLANK_LINES))]}


def _detail(ctx: Ctx, record: StorageReceipt) -> dict[str, Any]:
    return {"lines": services.lines_of(ctx.db, record.id), "days": services.storage_days(record),
            "volume": services.volume_of(ctx.db, record.id),
            "booths": services.exhibitor_booths(ctx.db, record),
            "states": STORAGE_STATES, "can_update": ctx.user.can("exhibitions.storage_receipt.update"),
            "can_print": ctx.user.can("exhibitions.storage_receipt.print")}


class ReceiptCrud(Prefilled):
    """The kit's pages of receipts, whose form also carries the pieces."""

    def create_(self, ctx: Ctx) -> Response:
        try:
            values, extra = self.form.bind_all(ctx, self.model, None)
            values["lines"] = parse_lines(ctx.form)
            record = self.form.saved(ctx, self.model, lambda: self.create(ctx.db, ctx.user, values), extra)
        except ValidationError as exc:
            return self._form(ctx, None, dict(ctx.form), venue_services.field_errors(exc.errors, exc, ctx._),
                              status=422)
        return ctx.redirect(f"{self.noun}_detail", id=record.id, flash="saved")

    def update_(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, StorageReceipt, ctx.params["id"], "update")
        try:
            check_version(record, ctx.form.get("version"))
        except StaleVersion:
            return self.stale(ctx, record)
        try:
            with ctx.db.begin_nested():
                self.update(ctx.db, ctx.user, record, {
                    "lines": parse_lines(ctx.form), "received_on": ctx.form.get("received_on", ""),
                    "location": ctx.form.get("location", ""), "note": ctx.form.get("note", "")})
        except Conflict as refused:
            ctx.flash_problem(str(refused), refused.params)
            return ctx.redirect(f"{self.noun}_detail", id=record.id)
        except ValidationError as exc:
            return self._form(ctx, record, dict(ctx.form), venue_services.field_errors(exc.errors, exc, ctx._),
                              status=422)
        return ctx.redirect(f"{self.noun}_detail", id=record.id, flash="saved")


receipts = ReceiptCrud(
    model=StorageReceipt, noun="storage_receipt", path="/storage", title=N_("Storage receipts"),
    title_attr="number",
    list_view=ListView(StorageReceipt, [
        Column("number", N_("Storage receipt number"), link=True),
        Column("customer_id", N_("Exhibitor"), kind="ref", ref=Customer),
        Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
        Column("state", N_("State"), kind="choice", choices=STORAGE_STATES),
        Column("received_on", N_("Received on"), kind="date"),
        Column("location", N_("Storage location")),
    ], search=("number", "location"), filters=[
        Filter("edition_id", N_("Edition"), _edition_choices),
        Filter("state", N_("State"), list(STORAGE_STATES.items())),
    ], default_sort="id"),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("customer_id", N_("Exhibitor"), "select", required=True,
                  choices=exhibitor_choices(StorageReceipt)),
        FormField("received_on", N_("Received on"), "date", required=True),
        FormField("location", N_("Storage location"), max_length=60),
        FormField("note", N_("Remarks"), "textarea", max_length=2000),
    ]),
    create=services.create_receipt, update=services.update_receipt,
    detail_fields=[Column("customer_id", N_("Exhibitor"), kind="ref", ref=Customer),
                   Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                   Column("state", N_("State"), kind="choice", choices=STORAGE_STATES),
                   Column("received_on", N_("Received on"), kind="date"),
                   Column("location", N_("Storage location")),
                   Column("booth_id", N_("Booth"), kind="ref", ref=Booth, ref_label="number"),
                   Column("delivered_at", N_("Delivered at"), kind="datetime"),
                   Column("returned_on", N_("Returned on"), kind="date"), Column("note", N_("Remarks"))],
    detail_template="exhibitions/storage_receipt_detail.html", detail_context=_detail,
    form_template="exhibitions/storage_receipt_edit.html", form_context=_form_context,
)
receipts.prefill = ("edition_id", "customer_id")


def _back(ctx: Ctx, action: Any) -> Response:
    receipt = get_for(ctx.db, ctx.user, StorageReceipt, ctx.params["id"])
    ctx.attempt(lambda: action(receipt.id))
    return ctx.redirect("storage_receipt_detail", id=receipt.id)


def _moment(raw: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise ValidationError({"delivered_at": N_("Give the date and time of the delivery.")}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


@routes.post("/storage/{id:int}/deliver", name="storage_receipt_deliver",
             permission="exhibitions.storage_receipt.update")
def storage_receipt_deliver(ctx: Ctx) -> Response:
    return _back(ctx, lambda rid: services.deliver(ctx.db, ctx.user, rid, ctx.form.get("booth_id"),
                                                   _moment(ctx.form.get("delivered_at"))))


@routes.post("/storage/{id:int}/charge", name="storage_receipt_charge",
             permission="exhibitions.storage_receipt.update")
def storage_receipt_charge(ctx: Ctx) -> Response:
    return _back(ctx, lambda rid: services.charge(ctx.db, ctx.user, rid))


@routes.post("/storage/{id:int}/return", name="storage_receipt_return",
             permission="exhibitions.storage_receipt.update")
def storage_receipt_return(ctx: Ctx) -> Response:
    return _back(ctx, lambda rid: services.give_back(ctx.db, ctx.user, rid))


receipts.register(routes)

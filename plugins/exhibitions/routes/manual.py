"""The exhibitor manual's pages (registered on plugins.exhibitions.routes.routes):
an edition's forms and deadlines (the kit's pages), and the status board
(exhibitors × forms, counted in SQL; overdue only; one exhibitor's view
where a form is recorded as done)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from core import N_, Column, Ctx, Filter, Form, FormField, ListView, get_for, shown_value
from plugins.exhibitions.models import Edition, ManualForm
from plugins.exhibitions.models.choices import MANUAL_FORM_KINDS, MANUAL_STATUSES
from plugins.exhibitions.routes import routes
from plugins.exhibitions.routes.venues import Prefilled, _edition_choices
from plugins.exhibitions.services import manual as services

_form_columns = [Column("kind", N_("Kind of form"), kind="choice", choices=MANUAL_FORM_KINDS),
                 Column("mandatory", N_("Mandatory"), kind="bool"),
                 Column("deadline", N_("Deadline"), kind="date"),
                 Column("remind_days", N_("Remind days before"), kind="number")]

forms = Prefilled(
    model=ManualForm, noun="manual_form", path="/manual-forms", title=N_("Exhibitor manual forms"),
    title_attr="name",
    list_view=ListView(ManualForm, [Column("code", N_("Code")), Column("name", N_("Name"), link=True),
                                    Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                                    *_form_columns],
                       search=("code", "name", "name_en"), filters=[
                           Filter("edition_id", N_("Edition"), _edition_choices),
                           Filter("kind", N_("Kind of form"), list(MANUAL_FORM_KINDS.items()))],
                       default_sort="deadline", default_desc=False),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("code", N_("Code"), required=True, max_length=20),
        FormField("name", N_("Name"), required=True, max_length=200),
        FormField("name_en", N_("English name"), max_length=200),
        FormField("kind", N_("Kind of form"), "select", required=True, choices=list(MANUAL_FORM_KINDS.items())),
        FormField("mandatory", N_("Mandatory"), "bool"),
        FormField("deadline", N_("Deadline"), "date", required=True),
        FormField("remind_days", N_("Remind days before"), "int"),
        FormField("sequence", N_("Order"), "int"),
    ]),
    create=services.create_form, update=services.update_form,
    detail_fields=[Column("code", N_("Code")), Column("name_en", N_("English name")),
                   Column("edition_id", N_("Edition"), kind="ref", ref=Edition), *_form_columns],
    detail_template="exhibitions/manual_form_detail.html",
)
forms.prefill = ("edition_id",)


def _board(ctx: Ctx, edition: Edition) -> dict[str, Any]:
    raw = str(ctx.query.get("customer_id", ""))
    customer_id = int(raw) if raw.isdigit() else None
    overdue = ctx.query.get("overdue") == "1"
    made = services.board(ctx.db, ctx.user, edition.id, overdue_only=overdue, customer_id=customer_id)
    english = ctx.t.locale.startswith("en")
    names = {f.id: (english and shown_value(ctx.user, ManualForm, "name_en", f.name_en)) or f.name
             for f in made.forms}
    return {"edition": edition, "board": made, "statuses": MANUAL_STATUSES, "kinds": MANUAL_FORM_KINDS,
            "names": names,
            "overdue": overdue, "customer_id": customer_id,
            "can_record": ctx.user.can("exhibitions.manual_submission.create")}


@routes.get("/editions/{id:int}/manual", name="manual_board", permission="exhibitions.manual_submission.read")
def manual_board(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    return ctx.render("exhibitions/manual_board.html", **_board(ctx, edition))


@routes.post("/editions/{id:int}/manual", name="manual_record",
             permission="exhibitions.manual_submission.create")
def manual_record(ctx: Ctx) -> Response:
    """An exhibitor's form recorded as done: its text, and a file (a certificate) if one is sent."""
    from plugins.activity.services.attachments import add_attachment
    from plugins.activity.storage import BlobStore

    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    customer = str(ctx.form.get("customer_id", ""))
    upload = ctx.form.get("file")

    made: list[Any] = []
    ctx.attempt(lambda: made.append(services.record(
        ctx.db, ctx.user, ctx.form.get("form_id"), customer, {"text": str(ctx.form.get("text", ""))},
        note=str(ctx.form.get("note", "")))))
    if made and isinstance(upload, UploadFile) and upload.filename:
        # not in a savepoint: an upload holds its blob's lock until the transaction ends
        add_attachment(ctx.db, ctx.user, BlobStore.from_settings(ctx.kernel.settings), made[0],
                       filename=upload.filename, stream=upload.file)
    back = ctx.url_for("manual_board", id=edition.id)
    back += f"?customer_id={customer}" if customer.isdigit() else ""
    return RedirectResponse(back, status_code=303)


forms.register(routes)

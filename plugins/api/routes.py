"""The api plugin's routes, mounted at ``/api``: the resources under
``/api/v1``, the OpenAPI document, and the webhook pages (``/api/webhooks``).

Resource routes are generic (``{mount}/{noun}``): the resources are known
only once every plugin's routes are built. Their declared permission is
``AUTHENTICATED``; each handler then requires the very code the page of that
model requires (``<model>.read``, ``.create``, ``.update``, ``.delete``)
before it touches a record, and an unknown resource is a 404.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from core import (
    AUTHENTICATED,
    N_,
    PUBLIC,
    Column,
    Crud,
    Ctx,
    Form,
    FormField,
    ListView,
    Routes,
    scope,
)
from plugins.api import openapi, resources, webhook_targets
from plugins.api import webhooks as services
from plugins.api.models import Delivery, Webhook

routes = Routes(prefix="/api")

V1 = "/v1/{mount}/{noun}"
ONE = V1 + "/{id:int}"

routes.route(V1, name="resource_list", permission=AUTHENTICATED)(resources.resource_list)
routes.route(V1, name="resource_create", permission=AUTHENTICATED, methods=("POST",))(
    resources.resource_create)
routes.route(ONE, name="resource_detail", permission=AUTHENTICATED)(resources.resource_detail)
routes.route(ONE, name="resource_update", permission=AUTHENTICATED, methods=("PATCH",))(
    resources.resource_update)
routes.route(ONE, name="resource_delete", permission=AUTHENTICATED, methods=("DELETE",))(
    resources.resource_delete)
routes.route(ONE + "/transitions/{transition}", name="resource_transition", permission=AUTHENTICATED,
             methods=("POST",))(resources.resource_transition)


@routes.get("/v1/openapi.json", name="openapi_document", permission=PUBLIC)
def openapi_document(ctx: Ctx) -> Response:
    """The OpenAPI document (public: it lists field names and types, no data)."""
    registry = ctx.kernel.registry
    manifest = ctx.kernel.pm.manifests.get("api")
    version = manifest.version if manifest is not None else "1"
    return JSONResponse(openapi.document(registry.cruds, registry.workflows, version))


# ------------------------------------------------------------------ webhooks (pages)


class WebhookForm(Form):
    """The kit's form, with the URL checked where webhooks may go
    (:func:`webhook_targets.check_url`, which the service applies too) so
    the page and the API name the field in the reader's language."""

    def clean(self, f: FormField, raw: object, ctx: Ctx) -> Any:
        value = super().clean(f, raw, ctx)
        if f.name == "url" and value:
            webhook_targets.check_url(str(value))
        return value


webhooks = Crud(
    model=Webhook, noun="webhook", path="/webhooks", title=N_("Webhooks"), title_attr="name",
    list_view=ListView(Webhook, [
        Column("name", N_("Name"), link=True),
        Column("url", N_("URL")),
        Column("active", N_("Active"), kind="bool"),
        Column("updated_at", N_("Updated"), kind="datetime"),
    ], search=("name", "url")),
    form=WebhookForm([
        FormField("name", N_("Name"), required=True),
        FormField("url", N_("URL"), required=True, max_length=500),
        FormField("events", N_("Events"), "textarea", required=True, max_length=5000,
                  help=N_("One a line, such as notes.note.created; the actions are created, "
                          "updated, deleted and transitioned.")),
        # write-only: never shown back on the page nor through the API (a "password" field)
        FormField("secret", N_("Secret"), "password", max_length=200,
                  help=N_("Signs every request (X-Suanpan-Signature). Left empty, one is made up.")),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=services.create_webhook, update=services.update_webhook,
    detail_fields=[Column("name", N_("Name")), Column("url", N_("URL")), Column("events", N_("Events")),
                   Column("active", N_("Active"), kind="bool")],
)
webhooks.register(routes)

STATUSES = {"queued": N_("Queued"), "delivered": N_("Delivered"), "failed": N_("Failed")}


@routes.get("/webhooks/deliveries", name="delivery_list", permission="api.delivery.read")
def delivery_list(ctx: Ctx) -> Response:
    """The delivery log of the organisations in scope, newest first."""
    stmt = (select(Delivery, Webhook.name).outerjoin(Webhook, Webhook.id == Delivery.webhook_id)
            .where(scope(ctx.user, Delivery, "read")).order_by(Delivery.id.desc()).limit(200))
    return ctx.render("api/delivery_list.html", rows=list(ctx.db.execute(stmt)), statuses=STATUSES,
                      can_replay=ctx.user.can("api.webhook.update"))


@routes.post("/webhooks/deliveries/{id:int}/replay", name="delivery_replay", permission="api.webhook.update")
def delivery_replay(ctx: Ctx) -> Response:
    services.replay(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("delivery_list", flash="saved")

"""The organisation's sales settings page (``sales.settings.update``)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from core import Ctx, ValidationError
from plugins.sales.models.choices import TARGET_BASES
from plugins.sales.routes.common import routes
from plugins.sales.services import settings as services

FIELDS = ("target_basis", "remind_days", "escalate_days")


@routes.get("/settings", name="settings_edit", permission="sales.settings.update")
def settings_edit(ctx: Ctx) -> Response:
    settings = services.settings_of(ctx.db, ctx.user.org_id)
    return _form(ctx, {f: getattr(settings, f) for f in FIELDS}, {})


@routes.post("/settings", name="settings_update", permission="sales.settings.update")
def settings_update(ctx: Ctx) -> Response:
    values = {f: ctx.field(f) for f in FIELDS}
    try:
        services.save_settings(ctx.db, ctx.user, values)
    except ValidationError as exc:
        return _form(ctx, values, exc.errors, status=422)
    return ctx.redirect("settings_edit", flash="saved")


def _form(ctx: Ctx, values: dict[str, Any], errors: dict[str, str], *, status: int = 200) -> Response:
    return ctx.render("sales/settings_edit.html", status=status, values=values, bases=TARGET_BASES,
                      errors={k: ctx._(v) for k, v in errors.items()})

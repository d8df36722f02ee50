"""Web forms: their administration (``crm.webform.update``) and the one
public address of the CRM, ``/crm/f/<key>``, in Chinese or English
(``?lang=``, else the browser's languages)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.responses import Response

from core import N_, PUBLIC, Ctx, NotFound, ValidationError, scope
from plugins.crm import kernel
from plugins.crm.models import Lead, WebForm
from plugins.crm.routes.common import routes
from plugins.crm.services import webforms as services

#: the administration form's fields: name -> (label, kind, max length)
FIELDS: dict[str, tuple[str, str, int]] = {
    "name": (N_("Name"), "text", 100), "title": (N_("Title shown on the form"), "text", 200),
    "thanks": (N_("Thank-you message"), "textarea", 500), "campaign": (N_("Campaign"), "text", 100),
    "assign_to_id": (N_("Assign leads to"), "user", 0), "rate_limit": (N_("Submissions per hour"), "int", 0),
    "active": (N_("Active"), "bool", 0),
}


@routes.get("/webforms", name="webform_list", permission="crm.webform.update")
def webform_list(ctx: Ctx) -> Response:
    forms = list(ctx.db.scalars(select(WebForm).where(scope(ctx.user, WebForm, "update"))
                                .order_by(WebForm.active.desc(), WebForm.name)))
    counts = dict(ctx.db.execute(select(Lead.webform_id, func.count()).where(
        Lead.webform_id.in_([f.id for f in forms])).group_by(Lead.webform_id)).all()) if forms else {}
    return ctx.render("crm/webform_list.html", forms=forms, counts=counts,
                      people=dict(kernel.org_users(ctx.db, ctx.user.org_id)))


@routes.get("/webforms/new", name="webform_new", permission="crm.webform.update")
def webform_new(ctx: Ctx) -> Response:
    return _edit_page(ctx, None, {"rate_limit": 5, "active": True}, {})


@routes.post("/webforms", name="webform_create", permission="crm.webform.update")
def webform_create(ctx: Ctx) -> Response:
    try:
        form = services.create_webform(ctx.db, ctx.user, _bind(ctx))
    except ValidationError as invalid:
        return _edit_page(ctx, None, dict(ctx.form), _translated(ctx, invalid.errors), status=422)
    return ctx.redirect("webform_edit", id=form.id, flash="saved")


@routes.get("/webforms/{id:int}", name="webform_edit", permission="crm.webform.update")
def webform_edit(ctx: Ctx) -> Response:
    form = _get(ctx)
    return _edit_page(ctx, form, {name: getattr(form, name) for name in FIELDS}, {})


@routes.post("/webforms/{id:int}", name="webform_update", permission="crm.webform.update")
def webform_update(ctx: Ctx) -> Response:
    form = _get(ctx)
    try:
        services.update_webform(ctx.db, ctx.user, form, _bind(ctx))
    except ValidationError as invalid:
        return _edit_page(ctx, form, dict(ctx.form), _translated(ctx, invalid.errors), status=422)
    return ctx.redirect("webform_edit", id=form.id, flash="saved")


def _get(ctx: Ctx) -> WebForm:
    form = ctx.db.scalar(select(WebForm).where(WebForm.id == ctx.params["id"],
                                               scope(ctx.user, WebForm, "update")))
    if form is None:
        raise NotFound()
    return form


def _bind(ctx: Ctx) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, (_label, kind, limit) in FIELDS.items():
        raw = ctx.field(name).strip()
        if kind == "bool":
            values[name] = raw in ("1", "on")
        elif kind in ("int", "user"):
            if raw and not raw.isdigit():
                errors[name] = N_("Give a whole number.")
            values[name] = int(raw) if raw.isdigit() else (None if kind == "user" else 0)
        else:
            if len(raw) > limit:
                errors[name] = N_("This is too long.")
            values[name] = raw
    if not values["name"]:
        errors["name"] = N_("Give the form a name.")
    if errors:
        raise ValidationError(errors)
    return values


def _translated(ctx: Ctx, errors: dict[str, str]) -> dict[str, str]:
    return {k: ctx._(v) for k, v in errors.items()}


def _edit_page(ctx: Ctx, form: WebForm | None, values: dict[str, Any], errors: dict[str, str], *,
               status: int = 200) -> Response:
    public = ""
    if form is not None:
        public = str(ctx.request.base_url).rstrip("/") + ctx.url_for("webform_public", key=form.key)
    return ctx.render("crm/webform_edit.html", status=status, form=form, values=values, errors=errors,
                      fields=FIELDS, people=kernel.org_users(ctx.db, ctx.user.org_id), public_url=public)


# ------------------------------------------------------------------ the public form


def _public_ctx(ctx: Ctx) -> WebForm:
    """The form of the address (404 when unknown or switched off), and the
    page's language: ``?lang=``, then the browser's."""
    form = services.public_form(ctx.db, ctx.params["key"])
    if form is None:
        raise NotFound()
    wanted = ctx.query.get("lang")
    accepted = [p.split(";")[0].strip() for p in ctx.request.headers.get("accept-language", "").split(",")]
    locale = ctx.kernel.catalogs.negotiate([wanted, *accepted])
    ctx.t = ctx.kernel.catalogs.translator(locale)
    return form


@routes.get("/f/{key}", name="webform_public", permission=PUBLIC)
def webform_public(ctx: Ctx) -> Response:
    form = _public_ctx(ctx)
    return _public(ctx, webform=form, values={}, errors={}, done=False,
                      limited=False)


@routes.post("/f/{key}", name="webform_submit", permission=PUBLIC)
def webform_submit(ctx: Ctx) -> Response:
    form = _public_ctx(ctx)
    address = ctx.request.client.host if ctx.request.client else ""
    values = {k: v for k, v in ctx.form.items() if k in services.PUBLIC_FIELDS and isinstance(v, str)}
    try:
        services.submit(ctx.db, form, ctx.form, address=address, secret_key=ctx.kernel.settings.secret_key)
    except services.RateLimited:
        return _public(ctx, status=429, webform=form, values=values, errors={},
                          done=False, limited=True)
    except ValidationError as invalid:
        return _public(ctx, status=422, webform=form, values=values,
                          errors=_translated(ctx, invalid.errors), done=False, limited=False)
    return _public(ctx, webform=form, values={}, errors={}, done=True, limited=False)


def _public(ctx: Ctx, *, status: int = 200, **context: Any) -> Response:
    """The public page, shown as to an anonymous visitor."""
    return ctx.render("crm/webform_public.html", status=status, actor=None, **context)

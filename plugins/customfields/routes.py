"""Custom field pages: models with custom fields -> a model's fields -> add,
edit, remove, restore. Mounted at ``/customfields``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from core import (
    EXTRA_KINDS,
    N_,
    Base,
    Ctx,
    NotFound,
    Routes,
    ValidationError,
    check_version,
    extra_form_field,
    get_for,
    has_extra,
)
from plugins.customfields import services
from plugins.customfields.models import Field

routes = Routes()

#: the definition form's fields, for error messages naming them
LABELS = {"kind": N_("Kind"), "label_zh": N_("Chinese label"), "label_en": N_("English label"),
          "default": N_("Default value"), "choices": N_("Choices"), "ref": N_("Links to"),
          "order": N_("Order")}
FORM_KEYS = ("kind", "label_zh", "label_en", "required", "unique", "default", "choices", "ref", "order")


def _models(ctx: Ctx) -> dict[str, type[Base]]:
    """Models that carry custom field values, by key."""
    return {k: m for k, m in ctx.kernel.registry.models.items() if has_extra(m)}


def _model(ctx: Ctx, key: str) -> type[Base]:
    model = _models(ctx).get(key)
    if model is None:
        raise NotFound()
    return model


@routes.get("/", name="model_list", permission="customfields.field.read")
def model_list(ctx: Ctx) -> Response:
    counts = services.count_by_model(ctx.db)
    rows = sorted(((key, model, counts.get(key, 0)) for key, model in _models(ctx).items()),
                  key=lambda r: r[0])
    return ctx.render("customfields/model_list.html", rows=rows)


@routes.get("/models/{model}", name="field_list", permission="customfields.field.read")
def field_list(ctx: Ctx) -> Response:
    key = ctx.params["model"]
    model = _model(ctx, key)
    rows = services.fields_of(ctx.db, ctx.user, key)
    active = [services.to_extra_field(r) for r in rows if r.deleted_at is None]
    preview = [extra_form_field(ctx, f) for f in active]  # the same input the kit's form builds
    crud = ctx.kernel.registry.cruds.get(key)
    form_url = ctx.url_for(f"{crud[0]}:{crud[1].noun}_new") if crud else None
    return ctx.render("customfields/field_list.html", key=key, model=model, rows=rows, preview=preview,
                      preview_choices={f.name: list(f.choices or ()) for f in preview if
                                       not callable(f.choices)},
                      kinds=EXTRA_KINDS, form_url=form_url)


@routes.get("/models/{model}/new", name="field_new", permission="customfields.field.create")
def field_new(ctx: Ctx) -> Response:
    key = ctx.params["model"]
    return _form(ctx, key, None, {"kind": "text", "order": "100"}, {})


@routes.post("/models/{model}", name="field_create", permission="customfields.field.create")
def field_create(ctx: Ctx) -> Response:
    key = ctx.params["model"]
    _model(ctx, key)
    try:
        services.create_field(ctx.db, ctx.user, key, _sent(ctx), ctx.kernel.registry.models)
    except ValidationError as exc:
        return _form(ctx, key, None, _sent(ctx), _translated(ctx, exc.errors), status=422)
    return ctx.redirect("field_list", model=key, flash="saved")


@routes.get("/fields/{id:int}/edit", name="field_edit", permission="customfields.field.update")
def field_edit(ctx: Ctx) -> Response:
    field = get_for(ctx.db, ctx.user, Field, ctx.params["id"], "update")
    values: dict[str, Any] = {k: getattr(field, k) for k in FORM_KEYS}
    values["choices"] = services.choices_text(field.choices)
    values["default"] = _default_text(field.default)
    values["version"] = field.version
    return _form(ctx, field.model, field, values, {})


@routes.post("/fields/{id:int}", name="field_update", permission="customfields.field.update")
def field_update(ctx: Ctx) -> Response:
    field = get_for(ctx.db, ctx.user, Field, ctx.params["id"], "update")
    check_version(field, ctx.form.get("version"))
    try:
        services.update_field(ctx.db, ctx.user, field.id, _sent(ctx), ctx.kernel.registry.models)
    except ValidationError as exc:
        errors = _translated(ctx, exc.errors, name=field.label_zh if ctx.t.locale == "zh_CN" else
                             (field.label_en or field.label_zh))
        return _form(ctx, field.model, field, _sent(ctx), errors, status=422)
    return ctx.redirect("field_list", model=field.model, flash="saved")


@routes.post("/fields/{id:int}/delete", name="field_delete", permission="customfields.field.delete")
def field_delete(ctx: Ctx) -> Response:
    field = services.remove_field(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("field_list", model=field.model, flash="deleted")


@routes.post("/fields/{id:int}/restore", name="field_restore", permission="customfields.field.update")
def field_restore(ctx: Ctx) -> Response:
    field = services.restore_field(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("field_list", model=field.model, flash="saved")


def _form(ctx: Ctx, key: str, field: Field | None, values: dict[str, Any], errors: dict[str, str],
          status: int = 200) -> Response:
    model = _model(ctx, key)
    targets = sorted((k, ctx._(m.__label__) or k) for k, m in ctx.kernel.registry.models.items()
                     if m.__label__)
    return ctx.render("customfields/field_edit.html", status=status, key=key, model=model, field=field,
                      values=values, errors=errors, kinds=EXTRA_KINDS, targets=targets)


def _sent(ctx: Ctx) -> dict[str, Any]:
    return {k: ctx.form.get(k) for k in FORM_KEYS} | {"version": ctx.form.get("version")}


def _translated(ctx: Ctx, errors: dict[str, str], name: str | None = None) -> dict[str, str]:
    """Messages with their field's label; the kind error names the custom field itself."""
    return {k: ctx._(msg, label=name if k == "kind" and name else ctx._(LABELS.get(k, k)))
            for k, msg in errors.items()}


def _default_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)



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
    FormField,
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
          "order": N_("Order"), "unique": N_("Unique")}
FORM_KEYS = ("kind", "label_zh", "label_en", "required", "unique", "default", "choices", "ref", "order")
#: the kit's input (``kit/macros.html``) the default takes, by kind
DEFAULT_INPUTS = {"text": "text", "number": "decimal", "money": "decimal", "date": "date",
                  "choice": "select", "multi": "multi", "bool": "bool"}


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
    kind = ctx.query.get("kind")
    return _form(ctx, key, None, {"kind": kind if kind in EXTRA_KINDS else "text", "order": "100"}, {})


@routes.get("/models/{model}/inputs", name="field_inputs", permission="customfields.field.read")
def field_inputs(ctx: Ctx) -> Response:
    """The inputs that depend on the kind, for the kind chosen (htmx, on a
    change of the kind or of the choices); what was typed is kept where it
    still fits."""
    key = ctx.params["model"]
    _model(ctx, key)
    sent: dict[str, Any] = {k: ctx.query.get(k) for k in FORM_KEYS}
    sent["default"] = _posted_default(sent.get("kind"), ctx.query.getlist("default[]"), sent.get("default"))
    try:
        choices = services.parse_choices(str(sent.get("choices") or ""))
        sent["default"] = services.convert_default(str(sent.get("kind")), choices, sent["default"])
    except ValueError:
        sent["default"] = None
    return ctx.render("customfields/_field_inputs.html", **_inputs(ctx, key, sent, {}))


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
    return ctx.render("customfields/field_edit.html", status=status, model=model, field=field,
                      **_inputs(ctx, key, values, errors))


def _inputs(ctx: Ctx, key: str, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """What ``customfields/_field_inputs.html`` needs: the targets of a link,
    and the default's input as the kit draws it for a field of this kind."""
    kind = str(values.get("kind") or "")
    targets = sorted((k, ctx._(m.__label__) or k) for k, m in ctx.kernel.registry.models.items()
                     if m.__label__)
    choices = services.parse_choices(str(values.get("choices") or "")) if kind in services.CHOICE_KINDS else []
    options = [(c["value"], c["zh_CN"] if ctx.t.locale == "zh_CN" else c["en"]) for c in choices]
    default = None
    if kind in DEFAULT_INPUTS:
        default = FormField("default", N_("Yes by default") if kind == "bool" else LABELS["default"],
                            DEFAULT_INPUTS[kind], max_length=1000,
                            help=N_("Filled in on new records; the list follows the choices.")
                            if kind in services.CHOICE_KINDS else N_("Filled in on new records."))
    return {"key": key, "values": values, "errors": errors, "kinds": EXTRA_KINDS, "targets": targets,
            "kind": kind, "default_input": default, "default_choices": {"default": options},
            "choice_kinds": services.CHOICE_KINDS, "unique_kinds": services.UNIQUE_KINDS}


def _sent(ctx: Ctx) -> dict[str, Any]:
    sent = {k: ctx.form.get(k) for k in FORM_KEYS} | {"version": ctx.form.get("version")}
    sent["default"] = _posted_default(sent.get("kind"), ctx.form.get("default[]"), sent.get("default"))
    return sent


def _posted_default(kind: object, several: object, one: object) -> object:
    """A multiple choice's default comes as ``default[]`` (the kit's
    multi-select); every other kind's as ``default``."""
    if kind == "multi" and several not in (None, []):
        return several if isinstance(several, list) else [several]
    return one


def _translated(ctx: Ctx, errors: dict[str, str], name: str | None = None) -> dict[str, str]:
    """Messages with their field's label; the kind error names the custom field itself."""
    return {k: ctx._(msg, label=name if k == "kind" and name else ctx._(LABELS.get(k, k)))
            for k, msg in errors.items()}

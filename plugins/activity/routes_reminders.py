"""The reminder rules of an organisation, on the plugin's ``routes``
(``/activity/reminders``): the kernel's kit with a form whose date-field
choices follow the chosen record type (htmx reloads them)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from core import N_, Column, Crud, Ctx, Form, FormField, ListView, Stale, ValidationError
from plugins.activity.models import RECIPIENTS, ReminderRule
from plugins.activity.routes import routes
from plugins.activity.services import reminders


def _model_choices(ctx: Ctx) -> list[tuple[str, str]]:
    models = ctx.kernel.registry.models
    return [(key, models[key].__label__) for key in reminders.date_fields(ctx.kernel.registry)]


def _chosen_model(ctx: Ctx) -> str:
    """The record type the form is about: posted, asked for, or the rule's own."""
    for source in (ctx.form, ctx.query):
        value = source.get("model")
        if isinstance(value, str) and value:
            return value
    rule = ctx.db.get(ReminderRule, ctx.params["id"]) if "id" in ctx.params else None
    return rule.model if rule is not None else ""


def _field_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return reminders.date_fields(ctx.kernel.registry).get(_chosen_model(ctx), [])


class RuleForm(Form):
    """The kit's form, then the rule's own checks (which need the request's
    models and the actor), with their messages translated."""

    def bind(self, ctx: Ctx, *, model: Any = None) -> dict[str, Any]:
        values = super().bind(ctx, model=model)
        try:
            return reminders.check_rule(ctx.db, ctx.user, ctx.kernel.registry, values)
        except ValidationError as exc:
            raise ValidationError({k: ctx._(v) for k, v in exc.errors.items()}) from None


class RuleCrud(Crud):
    """The kit's pages with the rule's own form template (htmx field choices)."""

    def _form(self, ctx: Ctx, record: Any, values: dict[str, Any], errors: dict[str, str],
              status: int = 200, *, conflict: Stale | None = None) -> Response:
        return ctx.render("activity/reminder_edit.html", status=status, crud=self, record=record,
                          values=values, errors=errors, fields=self.form.visible(ctx.user, self.model),
                          editable={f.name for f in self.form.editable(ctx.user, self.model)},
                          choices=_choices(self.form, ctx), conflict=conflict)


def _choices(form: Form, ctx: Ctx) -> dict[str, list[tuple[Any, str]]]:
    out: dict[str, list[tuple[Any, str]]] = {}
    for f in form.fields:
        found = f.choices(ctx) if callable(f.choices) else f.choices
        out[f.name] = list(found or [])
    return out


def _detail_context(ctx: Ctx, rule: ReminderRule) -> dict[str, Any]:
    return {"preview": reminders.preview(ctx.db, ctx.kernel.registry, rule, reminders.today_in_china())}


RECIPIENT_CHOICES = list(RECIPIENTS.items())

rules = RuleCrud(
    model=ReminderRule, noun="reminder", path="reminders", title=N_("Reminder rules"),
    list_view=ListView(ReminderRule, [
        Column("name", N_("Name"), link=True),
        Column("model", N_("Record type")),
        Column("field", N_("Date field")),
        Column("offset_days", N_("Days"), kind="number"),
        Column("recipients", N_("Recipients"), kind="choice", choices=RECIPIENTS),
        Column("active", N_("Active"), kind="bool"),
    ], search=("name",), default_sort="name", default_desc=False),
    form=RuleForm([
        FormField("name", N_("Name"), required=True),
        FormField("model", N_("Record type"), "select", required=True, choices=_model_choices),
        FormField("field", N_("Date field"), "select", required=True, choices=_field_choices),
        FormField("offset_days", N_("Days"), "int", required=True, max_length=4,
                  help=N_("Negative: before the date (-3 = three days before); positive: after it.")),
        FormField("recipients", N_("Recipients"), "select", required=True, choices=RECIPIENT_CHOICES),
        FormField("role_id", N_("Role"), "select",
                  choices=lambda ctx: [(str(i), n) for i, n in reminders.role_choices(ctx.db, ctx.user)]),
        FormField("user_id", N_("User"), "select",
                  choices=lambda ctx: [(str(i), n) for i, n in reminders.user_choices(ctx.db, ctx.user)]),
        FormField("message", N_("Message"), "textarea", max_length=300),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=reminders.add_rule, update=reminders.change_rule,
    detail_fields=[
        Column("model", N_("Record type")),
        Column("field", N_("Date field")),
        Column("offset_days", N_("Days"), kind="number"),
        Column("recipients", N_("Recipients"), kind="choice", choices=RECIPIENTS),
        Column("message", N_("Message")),
        Column("active", N_("Active"), kind="bool"),
    ],
    detail_template="activity/reminder_detail.html", detail_context=_detail_context,
)
rules.register(routes)


@routes.get("/reminders/fields", name="reminder_fields", permission="activity.reminder_rule.read")
def reminder_fields(ctx: Ctx) -> Response:
    """The date-field select for the record type chosen (htmx)."""
    return ctx.render("activity/_reminder_field.html", options=_field_choices(ctx), value="", error="")

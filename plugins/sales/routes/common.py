"""The one route table of the sales plugin (mounted at ``/sales``), and the
pages quotes and contracts share: the kit's Crud with their own form (the
party pickers and the line editor), a list with a date range and sums, and
a detail page with lines, totals and revisions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from starlette.responses import Response

from core import (
    N_,
    Crud,
    Ctx,
    Difference,
    FormField,
    Routes,
    StaleVersion,
    ValidationError,
    check_version,
    ensure_editable,
    form_differences,
    get_for,
    same_value,
    scope,
    shown_values,
)
from plugins.crm import kernel as crm_kernel
from plugins.crm.models import Contact, Customer, Opportunity
from plugins.sales.services.documents import as_int, parse_date

routes = Routes()

#: customers offered in the form's select before the reader types (the search finds the others)
CUSTOMER_CHOICES = 200


def owner_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(i), name) for i, name in crm_kernel.org_users(ctx.db, ctx.user.org_id)]


def customer_choices(ctx: Ctx) -> list[tuple[str, str]]:
    """The list filter's customers: the first ones by name, and the one asked
    for (a link from a customer's page names any customer the reader may read)."""
    return [(str(i), n) for i, n in customer_options(ctx, ctx.query.get("customer_id"))]


def customer_options(ctx: Ctx, chosen: Any) -> list[tuple[int, str]]:
    """Customers the reader may read (the first ones by name, and the chosen one)."""
    if not ctx.user.can("crm.customer.read"):
        return []
    stmt = (select(Customer.id, Customer.name).where(scope(ctx.user, Customer, "read"))
            .order_by(Customer.name, Customer.id).limit(CUSTOMER_CHOICES))
    options = [(i, n) for i, n in ctx.db.execute(stmt)]
    wanted = as_int(chosen)
    if wanted is not None and wanted not in {i for i, _ in options}:
        options += [(i, n) for i, n in ctx.db.execute(select(Customer.id, Customer.name).where(
            Customer.id == wanted, scope(ctx.user, Customer, "read")))]
    return options


def party_options(ctx: Ctx, customer_id: Any) -> dict[str, list[tuple[int, str]]]:
    """The customer's contacts and opportunities the reader may read."""
    wanted = as_int(customer_id)
    if wanted is None:
        return {"contacts": [], "opportunities": []}
    contacts = [(i, n) for i, n in ctx.db.execute(select(Contact.id, Contact.name).where(
        Contact.customer_id == wanted, scope(ctx.user, Contact, "read")).order_by(Contact.is_main.desc(),
                                                                                    Contact.name))] \
        if ctx.user.can("crm.contact.read") else []
    deals = [(i, n) for i, n in ctx.db.execute(select(Opportunity.id, Opportunity.name).where(
        Opportunity.customer_id == wanted, scope(ctx.user, Opportunity, "read")).order_by(Opportunity.id.desc())
        .limit(100))] if ctx.user.can("crm.opportunity.read") else []
    return {"contacts": contacts, "opportunities": deals}


def translated(ctx: Ctx, errors: dict[str, str]) -> dict[str, str]:
    """Messages in the reader's language; ``{n}`` is the row of a line error."""
    out = {}
    for key, message in errors.items():
        parts = key.split("_")
        n = parts[1] if len(parts) > 2 and parts[0] in ("line", "instalment") and parts[1].isdigit() else \
            (parts[-1] if parts[-1].isdigit() else "")
        out[key] = ctx._(message, n=n) if n else ctx._(message)
    return out


class DocumentCrud(Crud):
    """The kit's pages of a sales document with lines (quote, contract):
    its own form with the line editor; a list with a date range and sums."""

    #: what subclasses set: the lines of a record, the header fields shown in the
    #: form's grid and below the lines, the date column the list's range filters
    lines_of: Callable[[Any, int], Sequence[Any]]
    layout: Sequence[tuple[str, int]] = ()
    texts: Sequence[tuple[str, int]] = ()
    date_column: str = "issued_on"
    new_title: str = ""

    # -------------------------------------------------------------- list

    def range_stmt(self, ctx: Ctx) -> Any:
        stmt = self.list_view.base_query(ctx)
        column = getattr(self.model, self.date_column)
        start, end = parse_date(ctx.query.get("from")), parse_date(ctx.query.get("to"))
        if start is not None:
            stmt = stmt.where(column >= start)
        if end is not None:
            stmt = stmt.where(column <= end)
        return stmt

    def list(self, ctx: Ctx) -> Response:
        stmt = self.range_stmt(ctx)
        page = self.list_view.page(ctx, stmt=stmt)
        filtered = self.list_view.filtered(ctx, stmt=stmt).stmt.order_by(None).subquery()
        sums = ctx.db.execute(select(filtered.c.currency_code, func.count(), func.coalesce(func.sum(
            filtered.c.total), 0)).select_from(filtered).group_by(filtered.c.currency_code)
            .order_by(filtered.c.currency_code)).all()
        extra: dict[str, Any] = {"sums": [tuple(row) for row in sums],
                 "range": {"from": ctx.query.get("from", ""), "to": ctx.query.get("to", "")}}
        if ctx.is_htmx:
            return ctx.render("sales/_document_table.html", crud=self, page=page, **extra)
        groups = ctx.kernel.pm.hook.list_actions(session=ctx.db, model_key=self.key, actor=ctx.user)
        actions = sorted((p for group in groups for p in group or ()), key=lambda p: (p.order, p.key))
        return ctx.render("sales/quote_list.html", crud=self, page=page, actions=actions, **extra)

    # -------------------------------------------------------------- form

    def form_values(self, ctx: Ctx, record: Any) -> dict[str, Any]:
        values = {f.name: getattr(record, f.name) for f in self.form.fields}
        values["rows"] = [{"product_id": line.product_id, "source": line.product_id,
                           "description": line.description, "unit": line.unit,
                           "quantity": line.quantity.normalize(), "unit_price": line.unit_price,
                           "list_price": line.list_price, "discount": line.discount.normalize(),
                           "tax_rate": line.tax_rate.normalize()}
                          for line in self.lines_of(ctx.db, record.id)]
        return values

    def defaults(self, ctx: Ctx) -> dict[str, Any]:
        return {}

    def new(self, ctx: Ctx) -> Response:
        return self.render_form(ctx, None, self.defaults(ctx), {})

    def edit(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"], "update")
        ensure_editable(ctx.kernel.registry, record)
        return self.render_form(ctx, record, self.form_values(ctx, record), {})

    def render_form(self, ctx: Ctx, record: Any, values: dict[str, Any], errors: dict[str, str],
                    status: int = 200, *, conflict: Any = None) -> Response:
        from plugins.sales.routes.lines import editor_context, posted_rows

        fields = {f.name: f for f in self.form.shown(ctx.user, self.model)}
        values, masked = shown_values(ctx.user, self.model, self.form.fields, values, record)
        rows = values.get("rows")
        if rows is None:
            rows = posted_rows(ctx) if ctx.request.method == "POST" else []
        if not rows:
            rows = [{"quantity": "1", "discount": "0", "tax_rate": "13"}]
        currency = str(values.get("currency_code") or "CNY")
        editor = editor_context(ctx, rows, currency=currency,
                                tax_included=values.get("tax_included") in (True, "1", "on", "true"),
                                errors={k: v for k, v in errors.items() if k.startswith("line")})
        return ctx.render(
            self.form_template, status=status, crud=self, record=record, values=values, errors=errors,
            layout=[(fields[name], width) for name, width in self.layout if name in fields],
            texts=[(fields[name], width) for name, width in self.texts if name in fields],
            editable={f.name for f in self.form.editable(ctx.user, self.model)}, masked=masked,
            choices={f.name: _choices(f, ctx) for f in self.form.fields},
            customers=customer_options(ctx, values.get("customer_id")), editor=editor,
            new_title=self.new_title, conflict=conflict, **party_options(ctx, values.get("customer_id")))

    def bound(self, ctx: Ctx) -> dict[str, Any]:
        """The header's values (the declared fields) and the posted lines."""
        from plugins.sales.routes.lines import posted_rows

        values = self.form.bind(ctx, model=self.model)
        values["lines"] = posted_rows(ctx)
        return values

    def create_(self, ctx: Ctx) -> Response:
        try:
            record = self.create(ctx.db, ctx.user, self.bound(ctx))
            ctx.db.flush()
        except ValidationError as exc:
            return self.render_form(ctx, None, dict(ctx.form), translated(ctx, exc.errors), status=422)
        return ctx.redirect(f"{self.noun}_detail", id=record.id, flash="saved")

    def update_(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"], "update")
        ensure_editable(ctx.kernel.registry, record)
        try:
            check_version(record, ctx.form.get("version"))
        except StaleVersion:
            return self.stale(ctx, record)
        try:
            with ctx.db.begin_nested():
                self.update(ctx.db, ctx.user, record, self.bound(ctx))
                ctx.db.flush()
        except ValidationError as exc:
            ctx.db.refresh(record)
            return self.render_form(ctx, record, dict(ctx.form), translated(ctx, exc.errors), status=422)
        return ctx.redirect(f"{self.noun}_detail", id=record.id, flash="saved")  # type: ignore[attr-defined]


    # -------------------------------------------------------------- a stale save

    def differences(self, ctx: Ctx, record: Any) -> Sequence[Difference]:
        """The header fields the user sent otherwise than saved now, then
        the lines, row by row (the form has no custom fields)."""
        header = form_differences(ctx, self.model, record, self.form.fields)
        return header + line_differences(ctx, self.lines_of(ctx.db, record.id))

    def stale(self, ctx: Ctx, record: Any) -> Response:
        """The form as the user sent it (lines included) with the conflict
        panel, carrying the current version (409; nothing was written)."""
        return self.render_form(ctx, record, {**ctx.form, "version": record.version}, {}, status=409,
                                conflict=self.conflict(ctx, record))


#: the fields of a line the conflict panel compares, with their labels
LINE_FIELDS = (("product_id", N_("Product")), ("description", N_("Description")), ("unit", N_("Unit")),
               ("quantity", N_("Quantity")), ("unit_price", N_("Unit price")), ("discount", N_("Discount (%)")),
               ("tax_rate", N_("Tax rate (%)")))


def line_differences(ctx: Ctx, saved: Sequence[Any]) -> list[Difference]:
    """The posted lines against the saved ones, row by row: a changed field
    of a row, a row only one side has (rows with neither product nor
    description are no rows, as the service drops them)."""
    from plugins.sales.routes.lines import posted_rows
    from plugins.sales.services import lines as line_services

    posted = [r for r in posted_rows(ctx) if (r.get("product_id") or "").strip() or (r.get("description") or "")
              .strip()]
    ids = {as_int(r.get("product_id")) for r in posted} | {line.product_id for line in saved}
    names = dict(line_services.product_options(ctx.db, ctx.user, ids=[i for i in ids if i is not None],
                                               limit=500))
    out = []
    for n in range(1, max(len(posted), len(saved)) + 1):
        theirs = posted[n - 1] if n <= len(posted) else None
        line = saved[n - 1] if n <= len(saved) else None
        if theirs is None or line is None:
            out.append(Difference(f"line_{n}", ctx._("Line {n}", n=n), _row_text(theirs, names),
                                  _line_text(line, names)))
            continue
        for name, label in LINE_FIELDS:
            mine, kept = theirs.get(name), getattr(line, name)
            if name == "product_id":
                mine = as_int(mine)
            elif name == "tax_rate" and not (mine or "").strip():
                mine = "13"  # what the service takes for an empty tax rate
            elif name == "discount" and not (mine or "").strip():
                mine = "0"
            if not same_value(mine, kept):
                out.append(Difference(f"line_{n}_{name}", ctx._("Line {n} · {field}", n=n, field=ctx._(label)),
                                      _value_text(name, mine, names), _value_text(name, kept, names)))
    return out


def _value_text(name: str, value: Any, names: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if name == "product_id":
        return names.get(value, f"#{value}") if isinstance(value, int) else str(value)
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral_value() else str(value)
    return str(value)


def _row_text(row: dict[str, Any] | None, names: dict[int, str]) -> str:
    """A posted row in a few words: product or description × quantity @ price."""
    if row is None:
        return "—"
    product = as_int(row.get("product_id"))
    what = (row.get("description") or "").strip() or (names.get(product, "") if product is not None else "")
    return f"{what} × {row.get('quantity') or ''} @ {row.get('unit_price') or ''}"


def _line_text(line: Any, names: dict[int, str]) -> str:
    """A saved line in the same few words."""
    if line is None:
        return "—"
    what = line.description or (names.get(line.product_id, "") if line.product_id is not None else "")
    return f"{what} × {_value_text('quantity', line.quantity, names)} @ {line.unit_price}"


def _choices(f: FormField, ctx: Ctx) -> list[tuple[str, str]]:
    if f.choices is None:
        return []
    return list(f.choices(ctx)) if callable(f.choices) else list(f.choices)


@routes.get("/documents/parties", name="document_parties", permission="crm.customer.read")
def document_parties(ctx: Ctx) -> Response:
    """The contact and opportunity selects for the chosen customer (the form's htmx)."""
    parties: dict[str, Any] = party_options(ctx, ctx.query.get("customer_id"))
    return ctx.render("sales/_line_parties.html", values={}, errors={}, **parties)


def refs_of(ctx: Ctx, record: Any) -> dict[str, str]:
    """Names of a document's customer, contact and opportunity the reader may read."""
    out = {}
    for key, model, column in (("customer", Customer, "customer_id"), ("contact", Contact, "contact_id"),
                               ("opportunity", Opportunity, "opportunity_id")):
        wanted = getattr(record, column, None)
        if wanted is not None:
            if not ctx.user.can(f"{model.__model_key__}.read"):
                out[key] = ""
                continue
            out[key] = ctx.db.scalar(select(model.name).where(
                model.id == wanted, scope(ctx.user, model, "read"))) or ""
    return out

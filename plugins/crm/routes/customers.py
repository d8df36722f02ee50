"""Customers and contacts: the list with its letter index, tags, filters
and batch selection; the form with the region picker, tags, parent company
and duplicate prompt; the customer 360 view (客户全貌); contacts."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy import Select, select
from starlette.responses import Response

from core import AUTHENTICATED, N_, Actor, Column, Crud, Ctx, Filter, Form, FormField, ListView, get_for, scope
from plugins.crm import kernel, regions
from plugins.crm.models import Contact, Customer, CustomerTag
from plugins.crm.models.choices import (
    DECISION_ROLES,
    GENDERS,
    INDUSTRIES,
    KINDS,
    LEVELS,
    SIZES,
    SOURCES,
    VALUE_GRADES,
)
from plugins.crm.routes import profile
from plugins.crm.routes.common import routes
from plugins.crm.services import customers as services
from plugins.crm.services import duplicates
from plugins.crm.services import tags as tag_service
from plugins.crm.services.names import LETTERS

#: at most this many customers are offered in a select
CHOICES_LIMIT = 200


def readable_customers(ctx: Ctx) -> list[tuple[str, str]]:
    stmt = (select(Customer.id, Customer.name).where(scope(ctx.user, Customer, "read"))
            .order_by(Customer.name).limit(CHOICES_LIMIT))
    return [(str(i), name) for i, name in ctx.db.execute(stmt)]


def sees_others(actor: Actor) -> bool:
    """Whether the actor reads customers beyond their own (a manager, a director)."""
    return any(g.scope != "own" for g in actor.grants.get("crm.customer.read", ()))


def _owner_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(i), n) for i, n in kernel.org_users(ctx.db, ctx.user.org_id)] if sees_others(ctx.user) else []


def _city_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(c, c) for c in regions.cities(ctx.query.get("province", ""))]


def _tag_chips(row: Any) -> Markup:
    return Markup("").join(
        Markup('<span class="badge bg-{}-lt me-1">{}</span>').format(t.color, t.name)
        for t in getattr(row, "crm_tags", ()))


def letter_condition(ctx: Ctx, letter: str) -> Any:
    """Customers under ``letter`` of the index: the (org_id, initial, id)
    index gives them in the list's id order, so a page and its bounded count
    read only the letter's own entries, whether the letter is common or rare."""
    return Customer.initial == letter


class CustomerList(ListView):
    """The kit's list plus what a column filter cannot say: the letter index,
    a tag, "mine", the source and the province (each in SQL)."""

    def base_query(self, ctx: Ctx, *, deleted: bool = False) -> Select[Any]:
        stmt = super().base_query(ctx, deleted=deleted)
        q, hidden = ctx.query, ctx.user.hidden_fields(Customer)
        if q.get("letter", "") in LETTERS and "name" not in hidden:
            stmt = stmt.where(letter_condition(ctx, q["letter"]))
        if q.get("tag", "").isdigit():
            stmt = stmt.where(Customer.id.in_(select(CustomerTag.customer_id).where(
                CustomerTag.tag_id == int(q["tag"]))))
        if q.get("mine") == "1":
            stmt = stmt.where(Customer.owner_id == ctx.user.user_id)
        if q.get("source", "") in SOURCES and "source" not in hidden:
            stmt = stmt.where(Customer.source == q["source"])
        if q.get("province", "") in regions.regions() and "province" not in hidden:
            stmt = stmt.where(Customer.province == q["province"])
        return stmt

    def page(self, ctx: Ctx, **kw: Any) -> Any:
        page = super().page(ctx, **kw)
        tags = tag_service.tags_of(ctx.db, [r.id for r in page.rows])
        for row in page.rows:
            row.crm_tags = tags.get(row.id, [])
        return page


def list_context(ctx: Ctx) -> dict[str, Any]:
    q = ctx.query
    return {"letters": LETTERS, "letter": q.get("letter", ""),
            "tags": tag_service.org_tags(ctx.db, ctx.user.org_id),
            "tag": q.get("tag", ""), "mine": q.get("mine") == "1", "sees_others": sees_others(ctx.user),
            "sources": SOURCES, "source": q.get("source", ""), "provinces": regions.provinces(),
            "province": q.get("province", "")}


def form_context(ctx: Ctx, record: Customer | None) -> dict[str, Any]:
    current = [t.name for t in tag_service.tags_of(ctx.db, [record.id]).get(record.id, [])] if record else []
    parents = readable_customers(ctx)
    if record is not None and record.parent_id and str(record.parent_id) not in {p for p, _ in parents}:
        name = ctx.db.scalar(select(Customer.name).where(Customer.id == record.parent_id,
                                                         scope(ctx.user, Customer, "read")))
        if name:
            parents.append((str(record.parent_id), name))
    return {"org_tags": tag_service.org_tags(ctx.db, ctx.user.org_id), "current_tags": current,
            "parents": [(i, n) for i, n in parents if record is None or i != str(record.id)],
            "regions": regions}


customers = Crud(
    model=Customer, noun="customer", path="/customers", title=N_("Customers"), title_attr="name",
    list_view=CustomerList(Customer, [
        Column("name", N_("Name"), link=True),
        Column("level", N_("Level"), kind="choice", choices=LEVELS),
        Column("industry", N_("Industry"), kind="choice", choices=INDUSTRIES),
        Column("city", N_("City")),
        Column("owner_id", N_("Owner"), kind="user"),
        Column("last_followup_at", N_("Last follow-up"), kind="datetime"),
        Column("value_grade", N_("Value grade"), kind="choice", choices=VALUE_GRADES),
        Column("tags", N_("Tags"), sortable=False, getter=_tag_chips),
    ], search=("name", "short_name", "name_en"), filters=[
        Filter("level", N_("Level"), list(LEVELS.items())),
        Filter("industry", N_("Industry"), list(INDUSTRIES.items())),
        Filter("value_grade", N_("Value grade"), list(VALUE_GRADES.items())),
        Filter("city", N_("City"), _city_choices),
        Filter("owner_id", N_("Owner"), _owner_choices),
    ], default_sort="id", selectable=True,
        # what base_query filters by besides the declared filters (source and province are fields)
        params=("letter", "tag", "mine", "source", "province")),
    form=Form([
        FormField("kind", N_("Customer type"), "select", choices=list(KINDS.items())),
        FormField("name", N_("Name"), required=True),
        FormField("name_en", N_("English name")),
        FormField("short_name", N_("Short name"), max_length=100),
        FormField("uscc", N_("Unified Social Credit Code"), max_length=30),
        FormField("industry", N_("Industry"), "select", choices=list(INDUSTRIES.items())),
        FormField("size", N_("Company size"), "select", choices=list(SIZES.items())),
        FormField("level", N_("Level"), "select", choices=list(LEVELS.items())),
        FormField("source", N_("Source"), "select", choices=list(SOURCES.items())),
        FormField("province", N_("Province"), max_length=40),
        FormField("city", N_("City"), max_length=40),
        FormField("district", N_("District"), max_length=40),
        FormField("address", N_("Address"), max_length=300),
        FormField("phone", N_("Phone"), max_length=40),
        FormField("email", N_("E-mail"), "email"),
        FormField("website", N_("Website")),
        FormField("parent_id", N_("Parent company"), "int"),
        FormField("tags", N_("Tags"), max_length=500,
                  help=N_("Separate tags with commas; new ones are created.")),
        FormField("note", N_("Remarks"), "textarea", max_length=5000),
    ]),
    create=services.create_customer, update=services.update_customer, create_many=services.create_customers,
    detail_fields=[
        Column("name", N_("Name")), Column("name_en", N_("English name")),
        Column("short_name", N_("Short name")),
        Column("kind", N_("Customer type"), kind="choice", choices=KINDS),
        Column("uscc", N_("Unified Social Credit Code")),
        Column("industry", N_("Industry"), kind="choice", choices=INDUSTRIES),
        Column("size", N_("Company size"), kind="choice", choices=SIZES),
        Column("level", N_("Level"), kind="choice", choices=LEVELS),
        Column("source", N_("Source"), kind="choice", choices=SOURCES),
        Column("province", N_("Province")), Column("city", N_("City")), Column("district", N_("District")),
        Column("address", N_("Address")), Column("phone", N_("Phone")), Column("email", N_("E-mail")),
        Column("website", N_("Website")),
        Column("parent_id", N_("Parent company"), kind="ref", ref=Customer),
        Column("owner_id", N_("Owner"), kind="user"),
        Column("owned_since", N_("Owned since"), kind="datetime"),
        Column("last_followup_at", N_("Last follow-up"), kind="datetime"),
        Column("last_won_at", N_("Last won deal"), kind="datetime"),
        Column("value_grade", N_("Value grade"), kind="choice", choices=VALUE_GRADES),
        Column("value_score", N_("Value score"), kind="number"),
        Column("note", N_("Remarks")),
    ],
    detail_template="crm/customer_detail.html", detail_context=profile.customer_context,
    list_template="crm/customer_list.html", list_context=list_context,
    form_template="crm/customer_edit.html", form_context=form_context,
)
customers.register(routes)


@routes.get("/regions", name="region_picker", permission=AUTHENTICATED)
def region_picker(ctx: Ctx) -> Response:
    """The province / city / district selects again, for what is chosen so far."""
    q = ctx.query
    return ctx.render("crm/_region_picker.html", region=regions.chosen(q.get("province", ""), q.get("city", ""),
                                                                       q.get("district", "")), errors={})


@routes.get("/customers/duplicates", name="customer_duplicates", permission="crm.customer.read")
def customer_duplicates(ctx: Ctx) -> Response:
    exclude = ctx.query.get("exclude", "")
    found = duplicates.customer_candidates(ctx.db, ctx.user, dict(ctx.query),
                                           exclude=int(exclude) if exclude.isdigit() else None)
    return ctx.render("crm/_customer_duplicates.html", found=found)


def _create_contact(db: Any, actor: Actor, values: dict[str, Any]) -> Contact:
    customer = get_for(db, actor, Customer, values.pop("customer_id"), "update")
    return services.create_contact(db, actor, customer, values)


def _colleagues(ctx: Ctx) -> list[tuple[str, str]]:
    """Contacts another contact may report to: those of the customer chosen (or the contact's)."""
    customer_id = ctx.form.get("customer_id") or ctx.query.get("customer_id") or ""
    if not customer_id and ctx.params.get("id"):
        customer_id = ctx.db.scalar(select(Contact.customer_id).where(Contact.id == ctx.params["id"])) or ""
    if not str(customer_id).isdigit():
        return []
    stmt = (select(Contact.id, Contact.name).where(Contact.customer_id == int(customer_id),
                                                   scope(ctx.user, Contact, "read")).order_by(Contact.name))
    return [(str(i), n) for i, n in ctx.db.execute(stmt.limit(CHOICES_LIMIT))]




contacts = Crud(
    model=Contact, noun="contact", path="/contacts", title=N_("Contacts"), title_attr="name",
    list_view=ListView(Contact, [
        Column("name", N_("Name"), link=True),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("position", N_("Position")),
        Column("mobile", N_("Mobile")),
        Column("email", N_("E-mail")),
        Column("decision_role", N_("Role in decisions"), kind="choice", choices=DECISION_ROLES),
        Column("is_main", N_("Main contact"), kind="bool"),
    ], search=("name", "mobile", "email"), filters=[
        Filter("decision_role", N_("Role in decisions"), list(DECISION_ROLES.items())),
    ], default_sort="id"),
    form=Form([
        FormField("customer_id", N_("Customer"), "select", required=True, choices=readable_customers),
        FormField("name", N_("Name"), required=True, max_length=100),
        FormField("gender", N_("Gender"), "select", choices=list(GENDERS.items())),
        FormField("position", N_("Position"), max_length=100),
        FormField("dept", N_("Department at the customer"), max_length=100),
        FormField("mobile", N_("Mobile"), max_length=40),
        FormField("phone", N_("Phone"), max_length=40),
        FormField("email", N_("E-mail"), "email"),
        FormField("wechat", N_("WeChat ID"), max_length=60),
        FormField("birthday", N_("Birthday"), "date"),
        FormField("is_main", N_("Main contact"), "bool"),
        FormField("reports_to_id", N_("Reports to"), "select", choices=_colleagues),
        FormField("decision_role", N_("Role in decisions"), "select", choices=list(DECISION_ROLES.items())),
        FormField("note", N_("Remarks"), "textarea", max_length=5000),
    ]),
    create=_create_contact, update=services.update_contact,
    detail_fields=[
        Column("name", N_("Name")), Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("gender", N_("Gender"), kind="choice", choices=GENDERS),
        Column("position", N_("Position")), Column("dept", N_("Department at the customer")),
        Column("mobile", N_("Mobile")), Column("phone", N_("Phone")),
        Column("email", N_("E-mail")), Column("wechat", N_("WeChat ID")),
        Column("birthday", N_("Birthday"), kind="date"),
        Column("is_main", N_("Main contact"), kind="bool"),
        Column("reports_to_id", N_("Reports to"), kind="ref", ref=Contact),
        Column("decision_role", N_("Role in decisions"), kind="choice", choices=DECISION_ROLES),
        Column("note", N_("Remarks")),
    ],
    detail_template="crm/contact_detail.html", detail_context=profile.contact_context,
)
contacts.register(routes)

"""Organisations and departments."""

from __future__ import annotations

from core.admin import services
from core.admin.routes import routes
from core.admin.routes.choices import department_choices, org_choices, user_choices
from core.i18n import N_
from core.kit import Column, Crud, Filter, Form, FormField, ListView
from core.models import (
    Department,
    Org,
    User,
)

# ------------------------------------------------------------------ organisations


orgs = Crud(
    model=Org, noun="org", path="admin/orgs", title=N_("Organisations"),
    list_view=ListView(Org, [
        Column("code", N_("Code"), link=True),
        Column("name", N_("Name"), link=True),
        Column("name_en", N_("English name")),
        Column("parent_id", N_("Parent organisation"), kind="ref", ref=Org, sortable=False),
        Column("phone", N_("Phone")),
        Column("active", N_("Active"), kind="bool"),
    ], search=("code", "name", "name_en"), default_sort="code", default_desc=False),
    form=Form([
        FormField("code", N_("Code"), required=True, max_length=40),
        FormField("name", N_("Name"), required=True),
        FormField("name_en", N_("English name")),
        FormField("parent_id", N_("Parent organisation"), "select", choices=org_choices),
        FormField("address", N_("Address"), max_length=400),
        FormField("phone", N_("Phone"), max_length=40),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=services.create_org, update=services.update_org,
    detail_fields=[
        Column("code", N_("Code")), Column("name", N_("Name")), Column("name_en", N_("English name")),
        Column("parent_id", N_("Parent organisation"), kind="ref", ref=Org),
        Column("address", N_("Address")), Column("phone", N_("Phone")),
        Column("active", N_("Active"), kind="bool"),
    ],
)
orgs.register(routes)

departments = Crud(
    model=Department, noun="department", path="admin/departments", title=N_("Departments"),
    list_view=ListView(Department, [
        Column("name", N_("Name"), link=True),
        Column("name_en", N_("English name")),
        Column("org_id", N_("Organisation"), kind="ref", ref=Org),
        Column("parent_id", N_("Parent department"), kind="ref", ref=Department, sortable=False),
        Column("head_id", N_("Head"), kind="ref", ref=User, ref_label="display_name", sortable=False),
    ], search=("name", "name_en"), filters=[Filter("org_id", N_("Organisation"), org_choices)],
        default_sort="path", default_desc=False),
    form=Form([
        FormField("org_id", N_("Organisation"), "select", required=True, choices=org_choices),
        FormField("name", N_("Name"), required=True),
        FormField("name_en", N_("English name")),
        FormField("parent_id", N_("Parent department"), "select", choices=department_choices),
        FormField("head_id", N_("Head"), "select", choices=user_choices),
    ]),
    create=services.create_department, update=services.update_department,
    detail_fields=[
        Column("name", N_("Name")), Column("name_en", N_("English name")),
        Column("org_id", N_("Organisation"), kind="ref", ref=Org),
        Column("parent_id", N_("Parent department"), kind="ref", ref=Department),
        Column("head_id", N_("Head"), kind="ref", ref=User, ref_label="display_name"),
    ],
)
departments.register(routes)

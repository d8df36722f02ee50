"""Categories: the tree page (indented, with product counts) and the kit's
form, whose parent field moves a category with its subtree."""

from __future__ import annotations

from typing import Any

from core import N_, Column, Crud, Ctx, Form, FormField, ListView
from plugins.catalog.models import Category
from plugins.catalog.routes.common import routes
from plugins.catalog.services import categories as services


def _parents(ctx: Ctx) -> list[tuple[str, str]]:
    return services.category_choices(ctx.db, ctx.user)


def _tree(ctx: Ctx) -> dict[str, Any]:
    return {"tree": services.category_tree(ctx.db, ctx.user)}


categories = Crud(
    model=Category, noun="category", path="/categories", title=N_("Categories"), title_attr="name",
    list_view=ListView(Category, [Column("name", N_("Name"), link=True)], search=("name", "name_en", "code"),
                       default_sort="path", default_desc=False),
    form=Form([
        FormField("name", N_("Name"), required=True, max_length=100),
        FormField("name_en", N_("English name"), max_length=100),
        FormField("code", N_("Code"), max_length=30),
        FormField("parent_id", N_("Parent category"), "select", choices=_parents,
                  help=N_("Moving a category moves its subcategories with it.")),
        FormField("sequence", N_("Order"), "int"),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=services.create_category, update=services.update_category,
    detail_fields=[
        Column("name_en", N_("English name")), Column("code", N_("Code")),
        Column("parent_id", N_("Parent category"), kind="ref", ref=Category),
        Column("sequence", N_("Order")), Column("active", N_("Active"), kind="bool"),
    ],
    list_template="catalog/category_list.html", list_context=_tree,
)
categories.register(routes)

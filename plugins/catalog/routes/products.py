"""Products: the kit's pages (the list filtered by a category and its
subcategories, with each product's main picture), the pictures (upload,
order, delete; served under the product's read permission) and the
components of a bundle."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy import Select, select
from starlette.datastructures import QueryParams, UploadFile
from starlette.responses import Response

from core import (
    N_,
    Column,
    Crud,
    Ctx,
    Filter,
    Filtered,
    Form,
    FormField,
    ListView,
    Page,
    ValidationError,
    get_for,
    load_refs,
    scope,
    shown_columns,
)
from plugins.catalog.models import Category, Product, Unit
from plugins.catalog.models.choices import PRODUCT_KINDS, TAX_RATES
from plugins.catalog.routes.common import routes
from plugins.catalog.services import bundles, images
from plugins.catalog.services import products as services
from plugins.catalog.services.categories import category_choices

#: the largest upload read: a larger picture (a phone's 5 MB photo) still gets the
#: form's clear "larger than 2 MB" rather than the kernel's bare 413
UPLOAD_LIMIT = 16 * 1024 * 1024
#: the attribute a list row carries its main picture's id in (set by ProductListView.page)
MAIN_IMAGE = "_catalog_main_image"


def _categories(ctx: Ctx) -> list[tuple[str, str]]:
    """The categories a product of the user's organisation may go into."""
    return category_choices(ctx.db, ctx.user, english=ctx.t.locale.startswith("en"))


def _readable_categories(ctx: Ctx) -> list[tuple[str, str]]:
    """The categories the list filters by: every one the user may read."""
    return category_choices(ctx.db, ctx.user, english=ctx.t.locale.startswith("en"), own=False)


def _currencies(ctx: Ctx) -> list[tuple[str, str]]:
    return services.currency_choices(ctx.db)


def _units(ctx: Ctx) -> list[tuple[str, str]]:
    return services.unit_choices(ctx.db)


def _thumbnail(row: Any) -> Markup:
    image = getattr(row, MAIN_IMAGE, None)
    if image is None:
        return Markup('<span class="avatar avatar-sm bg-secondary-lt">'
                      '<i class="ti ti-package" aria-hidden="true"></i></span>')
    return Markup('<img class="avatar avatar-sm" loading="lazy" alt="" src="/catalog/products/{}/images/{}">'
                  ).format(row.id, image)


def _price(row: Any) -> str:
    """The list price with its currency's code: "CNY 68,800.00"."""
    return f"{row.currency_code} {row.list_price:,}"


class ProductListView(ListView):
    """The kit's list, where the category filter takes the category's whole subtree."""

    def filtered(self, ctx: Ctx, *, stmt: Select[Any] | None = None, deleted: bool = False) -> Filtered:
        wanted = ctx.query.get("category_id", "")
        path = ctx.db.scalar(select(Category.path).where(Category.id == int(wanted), scope(
            ctx.user, Category, "read"))) if wanted.isdigit() else None
        if path is None or "category_id" in ctx.user.hidden_fields(Product):
            # no category, or one the kit refuses (unknown, unreadable, or the field hidden: 400)
            return super().filtered(ctx, stmt=stmt, deleted=deleted)
        stmt = stmt if stmt is not None else self.base_query(ctx, deleted=deleted)
        subtree = select(Category.id).where(Category.path.startswith(path))
        stmt = stmt.where(Product.category_id.in_(subtree))
        original = ctx.query
        ctx.query = QueryParams([(k, v) for k, v in original.multi_items() if k != "category_id"])
        try:
            found = super().filtered(ctx, stmt=stmt, deleted=deleted)
        finally:
            ctx.query = original
        found.filter_state = [(flt, options, wanted if flt.name == "category_id" else value)
                              for flt, options, value in found.filter_state]
        return found

    def page(self, ctx: Ctx, *, stmt: Select[Any] | None = None, deleted: bool = False) -> Page:
        page = super().page(ctx, stmt=stmt, deleted=deleted)
        for product_id, image_id in images.main_images(ctx.db, [r.id for r in page.rows]).items():
            setattr(next(r for r in page.rows if r.id == product_id), MAIN_IMAGE, image_id)
        return page


def _detail_context(ctx: Ctx, record: Product) -> dict[str, Any]:
    return {"images": images.images_of(ctx.db, record.id),
            "components": bundles.components_of(ctx.db, record.id) if record.is_bundle else [],
            "can_update": ctx.user.can("catalog.product.update")
            and bool(ctx.db.scalar(select(Product.id).where(Product.id == record.id,
                                                            scope(ctx.user, Product, "update")))),
            "product_options": product_choices(ctx) if record.is_bundle else [], "errors": {}}


products = Crud(
    model=Product, noun="product", path="/products", title=N_("Products"), title_attr="name",
    list_view=ProductListView(Product, [
        Column("image", N_("Image"), sortable=False, getter=_thumbnail),
        Column("code", N_("SKU"), link=True),
        Column("name", N_("Name"), link=True),
        Column("category_id", N_("Category"), kind="ref", ref=Category, sortable=False),
        Column("spec", N_("Specification"), sortable=False),
        Column("list_price", N_("List price"), getter=_price),
        Column("active", N_("On sale"), kind="bool"),
    ], search=("code", "name", "name_en", "spec", "barcode"), filters=[
        Filter("category_id", N_("Category"), _readable_categories),
        Filter("kind", N_("Product type"), list(PRODUCT_KINDS.items())),
        Filter("active", N_("On sale"), [("1", N_("Yes")), ("0", N_("No"))]),
    ], default_sort="code", default_desc=False),
    form=Form([
        FormField("code", N_("SKU"), required=True, max_length=50),
        FormField("name", N_("Name"), required=True),
        FormField("name_en", N_("English name")),
        FormField("kind", N_("Product type"), "select", required=True, choices=list(PRODUCT_KINDS.items())),
        FormField("category_id", N_("Category"), "select", choices=_categories),
        FormField("unit_id", N_("Unit"), "select", choices=_units),
        FormField("spec", N_("Specification")),
        FormField("barcode", N_("Barcode"), max_length=50),
        FormField("list_price", N_("List price"), "decimal", required=True),
        FormField("currency_code", N_("Currency"), "select", required=True, choices=_currencies),
        FormField("cost_price", N_("Cost price"), "decimal"),
        FormField("tax_rate", N_("Tax rate (%)"), "decimal", required=True,
                  help=N_("China's VAT rates: 13, 9, 6, 3, 1 or 0.")),
        FormField("is_bundle", N_("Bundle"), "bool"),
        FormField("active", N_("On sale"), "bool"),
        FormField("description", N_("Description"), "textarea", max_length=5000),
    ]),
    create=services.create_product, update=services.update_product,
    detail_fields=[
        Column("code", N_("SKU")), Column("name_en", N_("English name")),
        Column("kind", N_("Product type"), kind="choice", choices=PRODUCT_KINDS),
        Column("category_id", N_("Category"), kind="ref", ref=Category),
        Column("unit_id", N_("Unit"), kind="ref", ref=Unit),
        Column("spec", N_("Specification")), Column("barcode", N_("Barcode")),
        Column("list_price", N_("List price"), kind="money"), Column("currency_code", N_("Currency")),
        Column("cost_price", N_("Cost price"), kind="money"), Column("tax_rate", N_("Tax rate (%)"),
                                                                     kind="number"),
        Column("is_bundle", N_("Bundle"), kind="bool"), Column("active", N_("On sale"), kind="bool"),
        Column("description", N_("Description")),
    ],
    detail_template="catalog/product_detail.html", detail_context=_detail_context,
    form_template="catalog/product_edit.html", form_context=lambda ctx, record: {"tax_rates": TAX_RATES},
)


def _detail_again(ctx: Ctx, errors: dict[str, str]) -> Response:
    """The product page with the errors of its pictures or components form."""
    record = get_for(ctx.db, ctx.user, Product, ctx.params["id"])
    context = _detail_context(ctx, record)
    context["errors"] = {k: ctx._(v) for k, v in errors.items()}
    return _render_detail(ctx, record, context)


def _render_detail(ctx: Ctx, record: Product, context: dict[str, Any]) -> Response:
    fields = shown_columns(ctx.user, Product, products.detail_fields)
    return ctx.render("catalog/product_detail.html", status=422, crud=products, record=record,
                      record_title=products.title_of(ctx.user, record), fields=fields,
                      refs=load_refs(ctx.db, ctx.user, fields, [record], ctx.t.locale), panels=[],
                      workflow=None, locked=False, transitions=[], **context)


@routes.post("/products/{id:int}/images", name="product_image_add", permission="catalog.product.update",
             max_body=UPLOAD_LIMIT)
def product_image_add(ctx: Ctx) -> Response:
    upload = ctx.form.get("image")
    data = upload.file.read(images.MAX_BYTES + 1) if isinstance(upload, UploadFile) and upload.filename else b""
    name = upload.filename or "" if isinstance(upload, UploadFile) else ""
    try:
        images.add_image(ctx.db, ctx.user, ctx.params["id"], name, data)
    except ValidationError as exc:
        return _detail_again(ctx, exc.errors)
    return ctx.redirect("product_detail", id=ctx.params["id"], flash="saved")


@routes.get("/products/{id:int}/images/{image_id:int}", name="product_image", permission="catalog.product.read")
def product_image(ctx: Ctx) -> Response:
    image = images.image_for(ctx.db, ctx.user, ctx.params["id"], ctx.params["image_id"])
    return Response(image.data, media_type=image.content_type, headers={
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300",
        "Content-Security-Policy": "default-src 'none'"})


@routes.post("/products/{id:int}/images/{image_id:int}/delete", name="product_image_delete",
             permission="catalog.product.update")
def product_image_delete(ctx: Ctx) -> Response:
    images.delete_image(ctx.db, ctx.user, ctx.params["id"], ctx.params["image_id"])
    return ctx.redirect("product_detail", id=ctx.params["id"], flash="deleted")


@routes.post("/products/{id:int}/images/{image_id:int}/move", name="product_image_move",
             permission="catalog.product.update")
def product_image_move(ctx: Ctx) -> Response:
    step = -1 if ctx.field("direction") == "up" else 1
    images.move_image(ctx.db, ctx.user, ctx.params["id"], ctx.params["image_id"], step)
    return ctx.redirect("product_detail", id=ctx.params["id"], flash="saved")


@routes.post("/products/{id:int}/components", name="product_component_add", permission="catalog.product.update")
def product_component_add(ctx: Ctx) -> Response:
    try:
        bundles.add_component(ctx.db, ctx.user, ctx.params["id"], ctx.field("product_id"),
                              ctx.field("quantity"))
    except ValidationError as exc:
        return _detail_again(ctx, exc.errors)
    return ctx.redirect("product_detail", id=ctx.params["id"], flash="saved")


@routes.post("/products/{id:int}/components/{item_id:int}/delete", name="product_component_delete",
             permission="catalog.product.update")
def product_component_delete(ctx: Ctx) -> Response:
    bundles.remove_component(ctx.db, ctx.user, ctx.params["id"], ctx.params["item_id"])
    return ctx.redirect("product_detail", id=ctx.params["id"], flash="deleted")


def product_choices(ctx: Ctx, text: str = "", limit: int = 200) -> list[tuple[str, str]]:
    """(id, "SKU name") of products the reader may see, matching ``text``."""
    stmt = select(Product.id, Product.code, Product.name).where(scope(ctx.user, Product, "read"),
                                                                Product.deleted_at.is_(None))
    if text.strip():
        like = f"%{text.strip()[:50]}%"
        stmt = stmt.where(Product.code.ilike(like) | Product.name.ilike(like))
    return [(str(i), f"{code} {name}") for i, code,
            name in ctx.db.execute(stmt.order_by(Product.code).limit(limit))]


products.register(routes)

"""Products and services, their categories (a tree), units, images and bundles."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    ExtraMixin,
    IdMixin,
    Money,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    VersionedMixin,
)
from plugins.catalog.models.choices import PRODUCT_KINDS


class Unit(IdMixin, TimestampMixin, AuditedMixin, Base):
    """A unit of measure (个, 台, 套, 平方米, 小时), installation-wide.
    ``places`` is how many decimals a quantity in it may have."""

    __tablename__ = "catalog_unit"
    __label__ = N_("Unit")

    code: Mapped[str] = mapped_column(String(20), unique=True, info={"label": N_("Code")})
    name: Mapped[str] = mapped_column(String(50), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(50), default="", info={"label": N_("English name")})
    places: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Decimal places")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class Category(IdMixin, OrgScopedMixin, TimestampMixin, AuditedMixin, Base):
    """A product category; categories form a tree (``parent_id``).
    ``path`` is the ids from the root, "/1/4/9/", kept by the services, so a
    category's subtree is one indexed ``LIKE '/1/4/%'``."""

    __tablename__ = "catalog_category"
    __label__ = N_("Product category")

    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("catalog_category.id"), index=True,
                                                  info={"label": N_("Parent category")})
    code: Mapped[str] = mapped_column(String(30), default="", info={"label": N_("Code")})
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("English name")})
    path: Mapped[str] = mapped_column(String(400), default="/", index=True, info={"label": N_("Path")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class Product(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin,
              AuditedMixin, Base):
    """A product or a service. ``list_price`` in ``currency_code`` is the
    price when no price list applies; ``tax_rate`` in percent (13 for 13 %).
    A bundle (``is_bundle``) sells its components (BundleItem) as one line."""

    __tablename__ = "catalog_product"
    __label__ = N_("Product")
    __table_args__ = (Index("ix_catalog_product_org_code", "org_id", "code"),)

    code: Mapped[str] = mapped_column(String(50), info={"label": N_("SKU")})
    name: Mapped[str] = mapped_column(String(200), index=True, info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    kind: Mapped[str] = mapped_column(String(10), default="goods",
                                      info={"label": N_("Product type"), "choices": PRODUCT_KINDS})
    category_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("catalog_category.id"), index=True,
                                                    info={"label": N_("Category")})
    unit_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("catalog_unit.id"),
                                                info={"label": N_("Unit")})
    spec: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Specification")})
    barcode: Mapped[str] = mapped_column(String(50), default="", info={"label": N_("Barcode")})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Description")})
    list_price: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("List price")})
    currency_code: Mapped[str] = mapped_column(String(3), default="CNY", info={"label": N_("Currency")})
    cost_price: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), info={"label": N_("Cost price")})
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("13"),
                                              info={"label": N_("Tax rate (%)")})
    is_bundle: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Bundle")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("On sale")})


class ProductImage(IdMixin, TimestampMixin, Base):
    """A picture of a product (PNG, JPEG or WebP, checked and size-limited
    before it is stored); the first by ``sequence`` is the main one."""

    __tablename__ = "catalog_product_image"
    __label__ = N_("Product image")

    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_product.id", ondelete="CASCADE"),
                                            index=True, info={"label": N_("Product")})
    filename: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("File name")})
    content_type: Mapped[str] = mapped_column(String(50), info={"label": N_("File type")})
    data: Mapped[bytes] = mapped_column(LargeBinary, info={"label": N_("Image")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})


class BundleItem(IdMixin, Base):
    """A component of a bundle: ``quantity`` of ``product_id`` per bundle."""

    __tablename__ = "catalog_bundle_item"
    __label__ = N_("Bundle component")

    bundle_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_product.id", ondelete="CASCADE"),
                                           index=True, info={"label": N_("Bundle")})
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_product.id"),
                                            info={"label": N_("Product")})
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 3), default=Decimal("1"),
                                              info={"label": N_("Quantity")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})

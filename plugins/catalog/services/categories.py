"""The category tree of an organisation: ``path`` ("/1/4/9/") is kept here
on every create and move, so a subtree is one ``LIKE '/1/4/%'``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, func, literal, select, update
from sqlalchemy.orm import Session

from core import N_, Actor, Forbidden, NotFound, ValidationError, get_for, scope
from plugins.catalog.models import Category, Product


def create_category(db: Session, actor: Actor, values: dict[str, Any]) -> Category:
    """A category of ``actor``'s organisation, under ``parent_id`` when given."""
    _check_name(values)
    parent = _parent(db, actor, actor.org_id, values.get("parent_id"))
    category = Category(org_id=actor.org_id, **{**values, "parent_id": parent.id if parent else None})
    db.add(category)
    db.flush()
    category.path = f"{parent.path if parent else '/'}{category.id}/"
    return category


def update_category(db: Session, actor: Actor, category: Category, values: Mapping[str, Any]) -> None:
    """Rename, deactivate or move ``category`` (with its subtree) under another parent."""
    _check_name(values)
    changes = dict(values)
    if "parent_id" in changes and (changes["parent_id"] or None) != category.parent_id:
        move_category(db, actor, category, changes.pop("parent_id") or None)
    changes.pop("parent_id", None)
    for key, value in changes.items():
        setattr(category, key, value)


def move_category(db: Session, actor: Actor, category: Category, parent_id: int | None) -> None:
    """Put ``category`` under ``parent_id`` (None: a root); the paths of its
    whole subtree change in one UPDATE. A move under its own subtree is refused."""
    parent = _parent(db, actor, category.org_id, parent_id)
    if parent is not None and parent.path.startswith(category.path):
        raise ValidationError({"parent_id": N_(
            "A category cannot move under itself or its own subcategories.")})
    old, new = category.path, f"{parent.path if parent else '/'}{category.id}/"
    category.parent_id = parent.id if parent else None
    db.flush()
    # every path of the subtree starts with the old one: swap that prefix
    db.execute(update(Category).where(Category.org_id == category.org_id, Category.path.startswith(old))
               .values(path=literal(new, String()).concat(func.substr(Category.path, len(old) + 1)))
               .execution_options(synchronize_session=False))
    db.expire_all()


def _check_name(values: Mapping[str, Any]) -> None:
    if "name" in values and not str(values["name"] or "").strip():
        raise ValidationError({"name": N_("Give the category a name.")})


def _parent(db: Session, actor: Actor, org_id: int, parent_id: Any) -> Category | None:
    """The parent category: one of ``org_id``'s (everyone reads every
    organisation's catalog, but a tree stays within one)."""
    if not parent_id:
        return None
    try:
        parent = get_for(db, actor, Category, parent_id)
    except (NotFound, Forbidden):
        parent = None
    if parent is None or parent.org_id != org_id:
        raise ValidationError({"parent_id": N_("Choose a category of your organisation.")})
    return parent


@dataclass(frozen=True)
class TreeRow:
    """A category on the tree page: its depth and how many products it and its subtree hold."""

    category: Category
    depth: int
    products: int
    total: int


def category_tree(db: Session, actor: Actor, *, org_id: int | None = None,
                  active_only: bool = False) -> list[TreeRow]:
    """The categories ``actor`` may read (of ``org_id`` when given), depth
    first (by order, then name), with their product counts (own and with the
    subtree's)."""
    stmt = select(Category).where(scope(actor, Category, "read"))
    if org_id is not None:
        stmt = stmt.where(Category.org_id == org_id)
    if active_only:
        stmt = stmt.where(Category.active.is_(True))
    categories = list(db.scalars(stmt))
    counts = dict(db.execute(
        select(Product.category_id, func.count(Product.id))
        .where(Product.deleted_at.is_(None), Product.category_id.in_([c.id for c in categories]))
        .group_by(Product.category_id)).all()) if categories else {}
    children: dict[int | None, list[Category]] = {}
    known = {c.id for c in categories}
    for c in categories:
        children.setdefault(c.parent_id if c.parent_id in known else None, []).append(c)
    rows: list[TreeRow] = []

    def walk(parent: int | None, depth: int) -> int:
        total = 0
        for c in sorted(children.get(parent, []), key=lambda c: (c.sequence, c.name)):
            at = len(rows)
            rows.append(TreeRow(c, depth, counts.get(c.id, 0), 0))
            sub = counts.get(c.id, 0) + walk(c.id, depth + 1)
            rows[at] = TreeRow(c, depth, counts.get(c.id, 0), sub)
            total += sub
        return total

    walk(None, 0)
    return rows


def category_choices(db: Session, actor: Actor, *, english: bool = False,
                     own: bool = True) -> list[tuple[str, str]]:
    """(id, indented name) of the categories of ``actor``'s organisation (all
    they may read when not ``own``), as the tree orders them (``english``:
    their English names where they have one)."""
    return [(str(r.category.id), "\u3000" * r.depth + (english and r.category.name_en or r.category.name))
            for r in category_tree(db, actor, org_id=actor.org_id if own else None)]


def subtree_paths(db: Session, category_id: int) -> str | None:
    """The path of ``category_id`` (its subtree is every path starting with it)."""
    return db.scalar(select(Category.path).where(Category.id == category_id))

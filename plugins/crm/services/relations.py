"""The relationship tree of the customer 360 view, drawn on the server as
SVG: the company's parent companies and subsidiaries, and its contacts'
reporting lines with their parts in buying decisions (the decision chain).

A company the reader may not read shows as a grey box without its name.
The SVG uses presentation attributes only (it prints, and survives a
sanitiser), escapes every text, and estimates widths with CJK characters at
one em, so Chinese names fit their boxes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import Actor, scope
from plugins.crm.models import Contact, Customer

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
#: box colours (fill, stroke) by kind; decision roles of contacts
COLOURS = {
    "self": ("#206bc4", "#1a569d"), "company": ("#ffffff", "#a5abb6"), "hidden": ("#f1f2f4", "#c8ccd3"),
    "decision_maker": ("#fdeaea", "#d63939"), "influencer": ("#fff1e6", "#f76707"),
    "user": ("#e9f4ea", "#2fb344"), "gatekeeper": ("#f1edfa", "#ae3ec9"), "finance": ("#e7f3fb", "#4299e1"),
    "other": ("#ffffff", "#a5abb6"), "": ("#ffffff", "#a5abb6"),
}
NAME_SIZE, NOTE_SIZE = 13.0, 11.0
BOX_H, BOX_MIN_W, BOX_MAX_W, PAD = 46.0, 110.0, 220.0, 12.0
GAP_X, GAP_Y, MARGIN = 18.0, 34.0, 10.0
#: how far up and down the company tree goes
DEPTH_UP, DEPTH_DOWN, CHILDREN_MAX = 4, 2, 12


@dataclass
class Node:
    label: str
    note: str = ""
    kind: str = ""
    href: str = ""
    children: list[Node] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    width: float = BOX_MIN_W


# ------------------------------------------------------------------ the trees


def company_tree(db: Session, actor: Actor, customer: Customer, href: Callable[[int], str],
                 hidden_label: str) -> Node:
    """The customer's parent companies up to the top (at most
    :data:`DEPTH_UP`), the customer, and its subsidiaries two levels down."""
    readable = _readable(db, actor)
    city = "city" not in actor.hidden_fields(Customer)  # a box names no city the reader may not read
    me = Node(customer.name, customer.city if city else "", "self")
    me.children = _subsidiaries(db, readable, customer.id, href, hidden_label, DEPTH_DOWN, city)
    top, seen, parent_id = me, {customer.id}, customer.parent_id
    for _ in range(DEPTH_UP):
        if parent_id is None or parent_id in seen:
            break
        seen.add(parent_id)
        row = db.execute(select(Customer.id, Customer.name, Customer.city, Customer.parent_id).where(
            Customer.id == parent_id, Customer.deleted_at.is_(None))).first()
        if row is None:
            break
        shown = row.id in readable(row.id)
        top = Node(row.name if shown else hidden_label, row.city if shown and city else "",
                   "company" if shown else "hidden", href(row.id) if shown else "", [top])
        parent_id = row.parent_id
    return top


def _readable(db: Session, actor: Actor) -> Callable[..., set[int]]:
    def readable(*ids: int) -> set[int]:
        return set(db.scalars(select(Customer.id).where(Customer.id.in_(ids), scope(actor, Customer, "read"))))
    return readable


def _subsidiaries(db: Session, readable: Callable[..., set[int]], parent_id: int, href: Callable[[int], str],
                  hidden_label: str, depth: int, city: bool) -> list[Node]:
    if depth <= 0:
        return []
    rows = db.execute(select(Customer.id, Customer.name, Customer.city).where(
        Customer.parent_id == parent_id, Customer.deleted_at.is_(None)).order_by(Customer.name)
        .limit(CHILDREN_MAX)).all()
    shown = readable(*[r.id for r in rows]) if rows else set()
    return [Node(r.name if r.id in shown else hidden_label, r.city if r.id in shown and city else "",
                 "company" if r.id in shown else "hidden", href(r.id) if r.id in shown else "",
                 _subsidiaries(db, readable, r.id, href, hidden_label, depth - 1, city))
            for r in rows]


def contact_forest(contacts: Sequence[Contact], role_label: Callable[[str], str],
                   href: Callable[[int], str], hidden: Collection[str] = ()) -> list[Node]:
    """The contacts as trees of who reports to whom (the main contact's tree
    first); each box names the position (unless ``hidden`` from the reader)
    and the part in decisions."""
    def position(c: Contact) -> str:
        return "" if "position" in hidden else c.position

    nodes = {c.id: Node(c.name, " · ".join(p for p in (position(c), role_label(c.decision_role)) if p),
                        c.decision_role or "other", href(c.id)) for c in contacts}
    roots: list[Node] = []
    ordered = sorted(contacts, key=lambda c: (not c.is_main, c.id))
    for c in ordered:
        boss = c.reports_to_id
        if boss in nodes and boss != c.id and not _below(contacts, c.id, boss):
            nodes[boss].children.append(nodes[c.id])
        else:
            roots.append(nodes[c.id])
    return roots


def _below(contacts: Sequence[Contact], top: int, other: int) -> bool:
    """Whether ``other`` reports, directly or not, to ``top`` (a cycle guard)."""
    bosses = {c.id: c.reports_to_id for c in contacts}
    seen: set[int] = set()
    current: int | None = bosses.get(other)
    while current is not None and current not in seen:
        if current == top:
            return True
        seen.add(current)
        current = bosses.get(current)
    return False


# ------------------------------------------------------------------ drawing


def text_width(text: str, size: float) -> float:
    em = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            em += 1.0
        elif char.isupper():
            em += 0.68
        else:
            em += 0.56
    return em * size


def _fit(text: str, size: float, room: float) -> str:
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _layout(node: Node, depth: int, cursor: list[float]) -> None:
    """A tidy top-down layout: leaves take the next free place from the left,
    a parent sits centred over its children (its subtree moved right when
    the parent is wider than they are)."""
    start = cursor[0]
    node.width = min(BOX_MAX_W, max(BOX_MIN_W, text_width(node.label, NAME_SIZE) + 2 * PAD,
                                    text_width(node.note, NOTE_SIZE) + 2 * PAD))
    node.y = MARGIN + depth * (BOX_H + GAP_Y)
    if not node.children:
        node.x = start
        cursor[0] = start + node.width + GAP_X
        return
    for child in node.children:
        _layout(child, depth + 1, cursor)
    first, last = node.children[0], node.children[-1]
    node.x = (first.x + last.x + last.width) / 2 - node.width / 2
    if node.x < start:
        shift = start - node.x
        for below in _walk(node.children):
            below.x += shift
        node.x = start
        cursor[0] += shift
    cursor[0] = max(cursor[0], node.x + node.width + GAP_X)


def _walk(nodes: Sequence[Node]) -> list[Node]:
    out: list[Node] = []
    for n in nodes:
        out.append(n)
        out.extend(_walk(n.children))
    return out


def tree_svg(roots: Sequence[Node], title: str) -> Markup:
    """The trees ``roots`` side by side, as one inline ``<svg>``."""
    cursor = [MARGIN]
    for root in roots:
        _layout(root, 0, cursor)
    nodes = _walk(roots)
    if not nodes:
        return Markup("")
    width = max(n.x + n.width for n in nodes) + MARGIN
    height = max(n.y + BOX_H for n in nodes) + MARGIN
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="crm-tree" role="img" viewBox="0 0 {width:.0f} '
             f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" font-family="{escape(FONT)}">'
             f"<title>{escape(title)}</title>"]
    for n in nodes:
        for child in n.children:
            x1, y1 = n.x + n.width / 2, n.y + BOX_H
            x2, y2 = child.x + child.width / 2, child.y
            mid = y1 + GAP_Y / 2
            parts.append(f'<path d="M{x1:.1f} {y1:.1f} V{mid:.1f} H{x2:.1f} V{y2:.1f}" fill="none" '
                         f'stroke="#a5abb6" stroke-width="1.2"/>')
    for n in nodes:
        parts.append(_box(n))
    parts.append("</svg>")
    # _box escapes each name, note and link; the rest are numbers: bandit B704 reviewed.
    return Markup("".join(parts))  # nosec B704


def _box(n: Node) -> str:
    fill, stroke = COLOURS.get(n.kind, COLOURS[""])
    colour = "#ffffff" if n.kind == "self" else "#1d273b"
    muted = "#dbe7f6" if n.kind == "self" else "#616876"
    room = n.width - 2 * PAD
    cx = n.x + n.width / 2
    name, note = _fit(n.label, NAME_SIZE, room), _fit(n.note, NOTE_SIZE, room)
    name_y = n.y + (BOX_H / 2 + 4.5 if not note else 19)
    box = (f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{n.width:.1f}" height="{BOX_H}" rx="6" fill="{fill}" '
           f'stroke="{stroke}" stroke-width="1.4"/>'
           f'<text x="{cx:.1f}" y="{name_y:.1f}" text-anchor="middle" font-size="{NAME_SIZE}" '
           f'font-weight="600" fill="{colour}">{escape(name)}</text>')
    if note:
        box += (f'<text x="{cx:.1f}" y="{n.y + 36:.1f}" text-anchor="middle" font-size="{NOTE_SIZE}" '
                f'fill="{muted}">{escape(note)}</text>')
    tip = f"<title>{escape(n.label + (' · ' + n.note if n.note else ''))}</title>"
    if n.href:
        return f'<a href="{escape(n.href)}">{tip}{box}</a>'
    return f"<g>{tip}{box}</g>"

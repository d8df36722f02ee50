"""Workbench layouts: which widgets a user sees, in what order and size.

A user's workbench is their own layout if they have one; otherwise the
default an administrator set for a role they hold in their current
organisation (the role made first wins when several have one); otherwise
:data:`BUILT_IN`. Widgets the user may not see (their permission) or whose
plugin is off are left out. The first change a user makes copies what they
see into a layout of their own, in the same transaction, and changes that.

Slots are addressed by their index among the visible widgets, so a change
means the same whether the layout was the user's own yet or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import AUTHENTICATED, N_, Actor, NotFound, ValidationError, WidgetDecl
from plugins.dashboard import kernel
from plugins.dashboard.models import Layout, Placement

#: the workbench of a user whose roles have no default: (widget, size)
BUILT_IN = (("dashboard.approvals", "md"), ("activity.tasks", "md"), ("dashboard.recent", "md"),
            ("activity.reminders", "md"))
#: widgets with settings, which a workbench may show more than once
CONFIGURABLE = frozenset({"dashboard.report_chart", "dashboard.kpi"})
SIZES = {"sm": N_("Narrow"), "md": N_("Half"), "lg": N_("Full width")}
MAX_WIDGETS = 24


@dataclass(frozen=True)
class Slot:
    index: int
    widget: WidgetDecl
    size: str
    config: Mapping[str, Any]
    placement_id: int | None = None


@dataclass(frozen=True)
class Board:
    """What a workbench shows: ``source`` is ``mine``, ``role`` or ``built_in``."""

    source: str
    slots: tuple[Slot, ...]
    role_id: int | None = None


def may_see(actor: Actor, widget: WidgetDecl) -> bool:
    return widget.permission == AUTHENTICATED or actor.can(widget.permission)


def _placements(session: Session, layout: Layout) -> list[Placement]:
    return list(session.scalars(select(Placement).where(Placement.layout_id == layout.id)
                                .order_by(Placement.position, Placement.id)))


Widgets = Mapping[str, WidgetDecl]


def _shown(widgets: Widgets, key: str, actor: Actor | None) -> bool:
    """A widget of an enabled plugin that ``actor`` (None: anyone) may see."""
    return key in widgets and (actor is None or may_see(actor, widgets[key]))


def _slots(placements: list[Placement], widgets: Widgets, actor: Actor | None) -> tuple[Slot, ...]:
    shown = [p for p in placements if _shown(widgets, p.widget, actor)]
    return tuple(Slot(i, widgets[p.widget], p.size, dict(p.config or {}), p.id) for i, p in enumerate(shown))


def _built_in(widgets: Widgets, actor: Actor | None) -> tuple[Slot, ...]:
    shown = [(k, size) for k, size in BUILT_IN if _shown(widgets, k, actor)]
    return tuple(Slot(i, widgets[k], size, {}) for i, (k, size) in enumerate(shown))


def _own(session: Session, actor: Actor) -> Layout | None:
    return session.scalar(select(Layout).where(Layout.user_id == actor.user_id))


def _role_default(session: Session, actor: Actor) -> Layout | None:
    return session.scalar(select(Layout).where(Layout.role_id.in_(kernel.held_roles(actor)),
                                               Layout.org_id == actor.org_id)
                          .order_by(Layout.role_id).limit(1))


def _role_layout(session: Session, actor: Actor, role_id: int) -> Layout | None:
    return session.scalar(select(Layout).where(Layout.role_id == role_id, Layout.org_id == actor.org_id))


def board(session: Session, actor: Actor, widgets: Widgets) -> Board:
    """The user's workbench: their own, their role's, or the built-in one."""
    own = _own(session, actor)
    if own is not None:
        return Board("mine", _slots(_placements(session, own), widgets, actor))
    default = _role_default(session, actor)
    if default is not None:
        return Board("role", _slots(_placements(session, default), widgets, actor), default.role_id)
    return Board("built_in", _built_in(widgets, actor))


def role_board(session: Session, actor: Actor, widgets: Widgets, role_id: int) -> Board:
    """A role's default workbench in the administrator's organisation (every
    widget shown, whatever the administrator's own permissions)."""
    _check_role(session, role_id)
    layout = _role_layout(session, actor, role_id)
    if layout is None:
        return Board("built_in", _built_in(widgets, None), role_id)
    return Board("role", _slots(_placements(session, layout), widgets, None), role_id)


def roles_with_default(session: Session, actor: Actor) -> set[int]:
    """The roles with a default workbench in the actor's organisation."""
    return {r for r in session.scalars(select(Layout.role_id).where(
        Layout.org_id == actor.org_id, Layout.role_id.is_not(None))) if r is not None}


def _check_role(session: Session, role_id: int) -> None:
    if not kernel.role_exists(session, role_id):
        raise NotFound()


# ------------------------------------------------------------------ changing


def _editable(session: Session, actor: Actor, widgets: Widgets,
              role_id: int | None) -> tuple[Layout, list[Placement]]:
    """The layout a change applies to, made from what is shown if it does not
    exist yet, and its visible placements in order (index = slot index)."""
    viewer = actor if role_id is None else None
    layout = _own(session, actor) if role_id is None else _role_layout(session, actor, role_id)
    if layout is None:
        shown = (board(session, actor, widgets) if role_id is None
                 else role_board(session, actor, widgets, role_id))
        layout = (Layout(user_id=actor.user_id, org_id=actor.org_id) if role_id is None
                  else Layout(role_id=role_id, org_id=actor.org_id))
        session.add(layout)
        session.flush()
        session.add_all(Placement(layout_id=layout.id, widget=s.widget.key, position=s.index, size=s.size,
                                  config=dict(s.config)) for s in shown.slots)
        session.flush()
    placements = _placements(session, layout)
    return layout, [p for p in placements if _shown(widgets, p.widget, viewer)]


def _at(placements: list[Placement], index: int) -> Placement:
    if not 0 <= index < len(placements):
        raise NotFound()
    return placements[index]


def add(session: Session, actor: Actor, widgets: Widgets, key: str, *,
        role_id: int | None = None) -> None:
    widget = widgets.get(key)
    if widget is None or (role_id is None and not may_see(actor, widget)):
        raise ValidationError({"widget": N_("Choose a widget from the list.")})
    layout, placements = _editable(session, actor, widgets, role_id)
    if key not in CONFIGURABLE and any(p.widget == key for p in placements):
        raise ValidationError({"widget": N_("This widget is on the workbench already.")})
    if len(placements) >= MAX_WIDGETS:
        raise ValidationError({"widget": N_("A workbench holds at most 24 widgets.")})
    last = max((p.position for p in placements), default=-1)
    session.add(Placement(layout_id=layout.id, widget=key, position=last + 1, size=widget.size, config={}))


def remove(session: Session, actor: Actor, widgets: Widgets, index: int, *,
           role_id: int | None = None) -> None:
    _layout, placements = _editable(session, actor, widgets, role_id)
    session.delete(_at(placements, index))


def move(session: Session, actor: Actor, widgets: Widgets, index: int, offset: int, *,
         role_id: int | None = None) -> None:
    """Move a widget ``offset`` places earlier (negative) or later; the
    others keep their order."""
    _layout, placements = _editable(session, actor, widgets, role_id)
    moving = _at(placements, index)
    order = [p for p in placements if p is not moving]
    order.insert(max(0, min(len(order), index + offset)), moving)
    for position, placement in enumerate(order):
        placement.position = position


def resize(session: Session, actor: Actor, widgets: Widgets, index: int, size: str, *,
           role_id: int | None = None) -> None:
    if size not in SIZES:
        raise ValidationError({"size": N_("Choose a size from the list.")})
    _layout, placements = _editable(session, actor, widgets, role_id)
    _at(placements, index).size = size


def configure(session: Session, actor: Actor, widgets: Widgets, index: int,
              config: Mapping[str, Any], *, role_id: int | None = None) -> None:
    """Store a widget's settings (already checked by the widget)."""
    _layout, placements = _editable(session, actor, widgets, role_id)
    placement = _at(placements, index)
    if placement.widget not in CONFIGURABLE:
        raise ValidationError({"widget": N_("This widget has no settings.")})
    placement.config = dict(config)


def reset(session: Session, actor: Actor, *, role_id: int | None = None) -> None:
    """Forget the user's own layout (back to their role's default), or a role's."""
    if role_id is None:
        session.execute(delete(Layout).where(Layout.user_id == actor.user_id))
    else:
        _check_role(session, role_id)
        session.execute(delete(Layout).where(Layout.role_id == role_id, Layout.org_id == actor.org_id))


# ------------------------------------------------------------------ a widget's settings


def placement_config(session: Session, actor: Actor, raw_id: Any) -> tuple[str, dict[str, Any]] | None:
    """The widget and settings of a placement the actor's workbench shows
    (their own, their role's default), or that they edit as administrator."""
    try:
        placement = session.get(Placement, int(raw_id))
    except (TypeError, ValueError):
        return None
    layout = session.get(Layout, placement.layout_id) if placement is not None else None
    if placement is None or layout is None:
        return None
    if layout.user_id == actor.user_id:
        return placement.widget, dict(placement.config or {})
    if layout.role_id is not None and layout.org_id == actor.org_id and (
            actor.can("dashboard.layout.update")
            or layout.role_id in set(session.scalars(kernel.held_roles(actor)))):
        return placement.widget, dict(placement.config or {})
    return None

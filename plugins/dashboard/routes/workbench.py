"""The workbench: the page at ``/`` (``home_page``) and ``/dashboard/``, each
widget loading on its own (``/dashboard/widgets/<key>``), and the changes a
user makes to their own layout, or an administrator to a role's default
(the same handlers under ``/dashboard/roles/<id>``). Changes answer htmx
with the layout again, others with a redirect back to it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import RedirectResponse, Response

from core import AUTHENTICATED, Ctx, Forbidden, NotFound, ValidationError
from plugins.dashboard import kernel, widgets
from plugins.dashboard.routes.common import routes
from plugins.dashboard.services import layouts

log = logging.getLogger("suanpan.dashboard")
LAYOUT = "dashboard.layout.update"


@dataclass(frozen=True)
class Editor:
    """Whose layout a page changes: the user's own, or a role's (``role_id``)."""

    ctx: Ctx
    role_id: int | None = None

    def url(self, view: str, **params: Any) -> str:
        if self.role_id is None:
            return self.ctx.url_for(f"dashboard:{view}", **params)
        return self.ctx.url_for(f"dashboard:role_{view}", role_id=self.role_id, **params)

    @property
    def page(self) -> str:
        if self.role_id is None:
            return self.ctx.url_for("core:workbench_home") + "?edit=1"
        return self.ctx.url_for("dashboard:layout_detail", role_id=self.role_id)


def _board(ctx: Ctx, role_id: int | None) -> layouts.Board:
    registry = ctx.kernel.registry.widgets
    if role_id is None:
        return layouts.board(ctx.db, ctx.user, registry)
    return layouts.role_board(ctx.db, ctx.user, registry, role_id)


def _context(ctx: Ctx, role_id: int | None, editing: bool, problem: str = "") -> dict[str, Any]:
    board = _board(ctx, role_id)
    placed = {s.widget.key for s in board.slots}
    addable = [w for w in ctx.kernel.registry.widgets.values()
               if (role_id is not None or layouts.may_see(ctx.user, w))
               and (w.key in layouts.CONFIGURABLE or w.key not in placed)]
    return {"board": board, "editing": editing, "editor": Editor(ctx, role_id), "problem": problem,
            "addable": sorted(addable, key=lambda w: ctx._(w.label)), "sizes": layouts.SIZES,
            "configurable": layouts.CONFIGURABLE,
            "settings": widgets.settings_choices(ctx) if editing else {}}


def home(ctx: Ctx) -> Response:
    """The user's workbench (``?edit=1``: with the controls to change it)."""
    return ctx.render("dashboard/workbench_home.html", **_context(ctx, None, ctx.query.get("edit") == "1"))


@routes.get("/", name="workbench_home", permission=AUTHENTICATED)
def workbench_home(ctx: Ctx) -> Response:
    return home(ctx)


@routes.get("/widgets/{key}", name="widget_detail", permission=AUTHENTICATED)
def widget_detail(ctx: Ctx) -> Response:
    """One widget's body, as the user may see it; a widget that fails shows an
    error box in its place instead of breaking the page."""
    widget = ctx.kernel.registry.widgets.get(ctx.params["key"])
    if widget is None:
        raise NotFound()
    if not layouts.may_see(ctx.user, widget):
        raise Forbidden(widget.permission)
    try:
        with ctx.db.begin_nested():  # a failing query leaves the request's transaction usable
            data = widget.data(ctx)
        return ctx.render(widget.template, widget=widget, **data)
    except Exception:  # noqa: BLE001 - any plugin's widget may fail; the page must not
        log.exception("widget %s failed", widget.key)
        return ctx.render("dashboard/_widget_error.html", widget=widget)


# ------------------------------------------------------------------ changing a layout


def _role(ctx: Ctx) -> int | None:
    return int(ctx.params["role_id"]) if "role_id" in ctx.params else None


def _change(ctx: Ctx, change: Callable[[int | None], object]) -> Response:
    """Apply a change in a savepoint: a refusal undoes all of it and is shown
    above the layout (htmx) or on the page it returns to."""
    role_id = _role(ctx)
    problem = ""
    try:
        with ctx.db.begin_nested():
            change(role_id)
    except ValidationError as exc:
        problem = ctx._(next(iter(exc.errors.values())))
        if not ctx.is_htmx:
            ctx.flash_problem(next(iter(exc.errors.values())))
    if ctx.is_htmx:
        return ctx.render("dashboard/_layout.html", **_context(ctx, role_id, True, problem))
    return RedirectResponse(Editor(ctx, role_id).page, status_code=303)


def _index(ctx: Ctx) -> int:
    return int(ctx.params["index"])


def placement_create(ctx: Ctx) -> Response:
    return _change(ctx, lambda role_id: layouts.add(ctx.db, ctx.user, ctx.kernel.registry.widgets,
                                                    ctx.field("widget"), role_id=role_id))


def placement_delete(ctx: Ctx) -> Response:
    return _change(ctx, lambda role_id: layouts.remove(ctx.db, ctx.user, ctx.kernel.registry.widgets,
                                                       _index(ctx), role_id=role_id))


def placement_move(ctx: Ctx) -> Response:
    offset = -1 if ctx.field("direction") == "earlier" else 1
    return _change(ctx, lambda role_id: layouts.move(ctx.db, ctx.user, ctx.kernel.registry.widgets,
                                                     _index(ctx), offset, role_id=role_id))


def placement_size(ctx: Ctx) -> Response:
    return _change(ctx, lambda role_id: layouts.resize(ctx.db, ctx.user, ctx.kernel.registry.widgets,
                                                       _index(ctx), ctx.field("size"), role_id=role_id))


def placement_update(ctx: Ctx) -> Response:
    """A widget's settings, checked by the widget (``widgets.CLEANERS``)."""

    def configure(role_id: int | None) -> None:
        board = _board(ctx, role_id)
        slot = next((s for s in board.slots if s.index == _index(ctx)), None)
        clean = widgets.CLEANERS.get(slot.widget.key) if slot is not None else None
        if slot is None or clean is None:
            raise NotFound()
        layouts.configure(ctx.db, ctx.user, ctx.kernel.registry.widgets, slot.index, clean(ctx, ctx.form),
                          role_id=role_id)

    return _change(ctx, configure)


def layout_reset(ctx: Ctx) -> Response:
    return _change(ctx, lambda role_id: layouts.reset(ctx.db, ctx.user, role_id=role_id))


_CHANGES: dict[str, tuple[str, Callable[[Ctx], Response]]] = {
    "placement_create": ("/widgets", placement_create),
    "placement_delete": ("/slots/{index:int}/delete", placement_delete),
    "placement_move": ("/slots/{index:int}/move", placement_move),
    "placement_size": ("/slots/{index:int}/size", placement_size),
    "placement_update": ("/slots/{index:int}/settings", placement_update),
    "layout_reset": ("/reset", layout_reset),
}
for _name, (_path, _handler) in _CHANGES.items():
    routes.post(f"/layout{_path}", name=_name, permission=AUTHENTICATED)(_handler)
    routes.post(f"/roles/{{role_id:int}}{_path}", name=f"role_{_name}", permission=LAYOUT)(_handler)


# ------------------------------------------------------------------ roles' defaults


@routes.get("/roles", name="layout_list", permission=LAYOUT)
def layout_list(ctx: Ctx) -> Response:
    """The roles, and which have a default workbench in the administrator's organisation."""
    return ctx.render("dashboard/layout_list.html", roles=kernel.roles(ctx.db),
                      defaults=layouts.roles_with_default(ctx.db, ctx.user))


@routes.get("/roles/{role_id:int}", name="layout_detail", permission=LAYOUT)
def layout_detail(ctx: Ctx) -> Response:
    role_id = _role(ctx)
    name = next((r for r in kernel.roles(ctx.db) if r[0] == role_id), None)
    if name is None:
        raise NotFound()
    return ctx.render("dashboard/layout_detail.html", role=name, **_context(ctx, role_id, True))

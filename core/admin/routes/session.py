"""Logging in and out, the language switch and the workbench."""

from __future__ import annotations

from typing import cast

from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from core import auth
from core.admin.routes import routes
from core.db import id_column, utcnow
from core.errors import ValidationError
from core.i18n import N_
from core.kit import COUNT_LIMIT
from core.models import (
    User,
)
from core.permissions import scope
from core.web import AUTHENTICATED, PUBLIC, Ctx

# ------------------------------------------------------------------ auth


@routes.get("/login", name="session_new", permission=PUBLIC)
def session_new(ctx: Ctx) -> Response:
    return ctx.render("core/session_new.html", error=None, username="", next=ctx.query.get("next", "/"))


@routes.post("/login", name="session_create", permission=PUBLIC)
def session_create(ctx: Ctx) -> Response:
    username = ctx.field("username").strip()[:80]
    password = ctx.field("password")[:200]
    target = ctx.next_path()
    ip = ctx.request.client.host if ctx.request.client else ""
    kernel = ctx.kernel
    ctx.commit_on_error = True  # keep the failure count even though we answer 4xx
    try:
        user = auth.authenticate(ctx.db, kernel.passwords, kernel.throttle,
                                 username=username, password=password, ip=ip)
    except auth.LoginThrottled:
        return ctx.render("core/session_new.html", status=429, username=username, next=target,
                          error=ctx._("Too many failed attempts. Try again in a few minutes."))
    except auth.LoginFailed:
        return ctx.render("core/session_new.html", status=401, username=username, next=target,
                          error=ctx._("Wrong username or password."))
    auth.end_session(ctx.db, ctx.request.cookies.get(auth.SESSION_COOKIE))
    token = auth.create_session(
        ctx.db, user, days=kernel.settings.session_days, ip=ip,
        user_agent=ctx.request.headers.get("user-agent", ""),
    )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=kernel.settings.secure_cookies,
                        max_age=kernel.settings.session_days * 86400)
    # A new CSRF token at login, so a token planted before login is useless.
    response.set_cookie(auth.CSRF_COOKIE, auth.new_csrf_token(), samesite="lax",
                        secure=kernel.settings.secure_cookies)
    return response


@routes.post("/logout", name="session_delete", permission=AUTHENTICATED)
def session_delete(ctx: Ctx) -> Response:
    auth.end_session(ctx.db, ctx.request.cookies.get(auth.SESSION_COOKIE))
    response = RedirectResponse(ctx.url_for("core:session_new"), status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


@routes.post("/locale", name="locale_switch", permission=PUBLIC)
def locale_switch(ctx: Ctx) -> Response:
    locale = ctx.field("locale")
    if locale not in ctx.kernel.settings.locales:
        raise ValidationError({"locale": N_("Unknown language.")})
    if ctx.actor is not None:
        user = ctx.db.get(User, ctx.actor.user_id)
        assert user is not None
        user.locale = locale
    back = ctx.request.headers.get("referer", "/")
    response = RedirectResponse(back if back.startswith(str(ctx.request.base_url)) else "/",
                                status_code=303)
    response.set_cookie("suanpan_locale", locale, samesite="lax", max_age=365 * 86400)
    return response


@routes.get("/", name="workbench_home", permission=AUTHENTICATED)
def workbench_home(ctx: Ctx) -> Response:
    """The workbench: a plugin's (``home_page``: the dashboard's widgets), or
    counts of what the actor may read."""
    page = ctx.kernel.pm.hook.home_page(ctx=ctx)
    if page is not None:
        return cast(Response, page)
    stats = []
    for key, (mount, crud) in ctx.kernel.registry.cruds.items():  # the models with a list page
        if ctx.user.can(f"{key}.read"):
            model = crud.model
            found = ctx.db.scalar(select(func.count()).select_from(
                select(id_column(model)).where(scope(ctx.user, model)).limit(COUNT_LIMIT + 1).subquery()))
            stats.append((crud.title, min(found or 0, COUNT_LIMIT), (found or 0) > COUNT_LIMIT,
                          ctx.url_for(f"{mount}:{crud.noun}_list")))
    search = (ctx.query.get("q") or "").strip()[:100]
    return ctx.render("core/workbench_home.html", stats=stats, search=search, now=utcnow())

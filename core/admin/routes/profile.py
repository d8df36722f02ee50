"""The user's own profile: password and API tokens."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from core import auth
from core.admin import services
from core.admin.routes import routes
from core.admin.routes.context import user_roles
from core.errors import ValidationError
from core.i18n import N_
from core.kit import Form, FormField
from core.models import (
    ApiToken,
    Department,
    Org,
    User,
)
from core.web import AUTHENTICATED, Ctx

# ------------------------------------------------------------------ profile


PASSWORD_FORM = Form([
    FormField("current", N_("Current password"), "password", required=True),
    FormField("new", N_("New password"), "password", required=True),
    FormField("confirm", N_("Repeat the new password"), "password", required=True),
])


def _me(ctx: Ctx) -> User:
    user = ctx.db.get(User, ctx.user.user_id)
    assert user is not None
    return user


def _profile(ctx: Ctx, *, errors: dict[str, str] | None = None, new_token: str | None = None,
             status: int = 200) -> Response:
    me = _me(ctx)
    tokens = ctx.db.scalars(select(ApiToken).where(
        ApiToken.user_id == me.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id))
    return ctx.render("core/profile_detail.html", status=status, me=me, errors=errors or {},
                      org=ctx.db.get(Org, me.org_id),
                      department=ctx.db.get(Department, me.department_id) if me.department_id else None,
                      assignments=user_roles(ctx, me),
                      tokens=list(tokens), new_token=new_token, password_form=PASSWORD_FORM)


@routes.get("/profile", name="profile_detail", permission=AUTHENTICATED)
def profile(ctx: Ctx) -> Response:
    return _profile(ctx)


@routes.post("/profile/password", name="password_change", permission=AUTHENTICATED)
def password_change(ctx: Ctx) -> Response:
    try:
        values = PASSWORD_FORM.bind(ctx)
        if values["new"] != values["confirm"]:
            raise ValidationError({"confirm": ctx._("The two new passwords differ.")})
        services.change_password(
            ctx.db, _me(ctx), current=values["current"], new=values["new"],
            passwords=ctx.kernel.passwords, keep_session=ctx.request.cookies.get(auth.SESSION_COOKIE),
        )
    except ValidationError as exc:
        return _profile(ctx, errors={k: ctx._(v) for k, v in exc.errors.items()}, status=422)
    return ctx.redirect("core:profile_detail", flash="password_changed")


@routes.post("/profile/tokens", name="token_create", permission=AUTHENTICATED)
def token_create(ctx: Ctx) -> Response:
    name = ctx.field("name").strip()[:100]
    if not name:
        return _profile(ctx, errors={"name": ctx._("{label} is required.", label=ctx._("Token name"))},
                        status=422)
    _, plain = auth.create_api_token(ctx.db, _me(ctx), name)
    return _profile(ctx, new_token=plain)


@routes.post("/profile/tokens/{id:int}/revoke", name="token_revoke", permission=AUTHENTICATED)
def token_revoke(ctx: Ctx) -> Response:
    auth.revoke_api_token(ctx.db, ctx.user.user_id, ctx.params["id"])
    return ctx.redirect("core:profile_detail")

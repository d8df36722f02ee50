"""Choices for the kernel's forms, filtered by the actor's scope."""

from __future__ import annotations

from sqlalchemy import select

from core.i18n import LOCALE_NAMES, N_
from core.kit import Form, FormField
from core.masking import shown_value
from core.models import (
    Department,
    Org,
    User,
)
from core.permissions import Actor, scope
from core.web import Ctx

# ------------------------------------------------------------------ choices


def org_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(select(Org.id, Org.name).where(scope(ctx.user, Org)).order_by(Org.path))
    return [(str(i), n) for i, n in rows]


def department_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(
        select(Department.id, Department.name, Org.name)
        .join(Org, Org.id == Department.org_id)
        .where(scope(ctx.user, Department)).order_by(Department.org_id, Department.path)
    )
    return [(str(i), f"{o} / {n}") for i, n, o in rows]


def user_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(
        select(User.id, User.display_name, User.username)
        .where(scope(ctx.user, User), User.active.is_(True)).order_by(User.username).limit(2000)
    )
    return [(str(i), user_label(ctx.user, i, n, u)) for i, n, u in rows]


def user_label(actor: Actor, user_id: int, display_name: str, username: str) -> str:
    """How a user is offered in a select: their name and, where the actor may
    read it (a field rule may hide it), their username."""
    name = shown_value(actor, User, "display_name", display_name)
    login = shown_value(actor, User, "username", username)
    return f"{name or f'#{user_id}'}{f' ({login})' if login else ''}"


def locale_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [("", ctx._("Browser default"))] + [
        (loc, LOCALE_NAMES.get(loc, loc)) for loc in ctx.kernel.settings.locales
    ]


MEMBERSHIP_FORM = Form([
    FormField("org_id", N_("Organisation"), "select", required=True, choices=org_choices),
    FormField("department_id", N_("Department"), "select", choices=department_choices),
    FormField("position", N_("Position"), max_length=100),
])

"""The staff's pages of exhibitor portal accounts (registered on
plugins.exhibitions.routes.routes): the accounts with a form to add one for
a customer, the invitation (a mail with a one-time set-password link), and
disabling and enabling an account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import N_, Ctx, ValidationError, scope
from plugins.activity.services.outbound import queue_message
from plugins.crm.models import Customer
from plugins.exhibitions.models import PortalAccount
from plugins.exhibitions.models.choices import PORTAL_LOCALES
from plugins.exhibitions.routes import routes
from plugins.exhibitions.services import portal as services

INVITE_SUBJECT = N_("Your account for the exhibitor portal")
INVITE_TEXT = N_("Hello {name},\n\nan account of the exhibitor portal was made for you ({email}). Set your "
                 "password within 7 days with this link (it works once):\n\n{link}\n\nThen log in at {login}.")


def _customers(ctx: Ctx) -> list[tuple[int, str]]:
    return [(i, n) for i, n in ctx.db.execute(select(Customer.id, Customer.name).where(
        scope(ctx.user, Customer), Customer.deleted_at.is_(None)).order_by(Customer.name).limit(500))]


def _page(ctx: Ctx, *, status: int = 200, values: dict[str, Any] | None = None,
          errors: dict[str, str] | None = None, link: str = "") -> Response:
    wanted = ctx.query.get("customer", "")
    rows = services.accounts(ctx.db, ctx.user, customer_id=int(wanted) if wanted.isdigit() else None)
    return ctx.render("exhibitions/portal_account_list.html", status=status, rows=rows,
                      customers=_customers(ctx) if ctx.user.can("exhibitions.portal_account.create") else [],
                      locales=PORTAL_LOCALES, values=values or {"locale": "zh_CN"}, errors=errors or {},
                      link=link)


@routes.get("/portal-accounts", name="portal_account_list", permission="exhibitions.portal_account.read")
def portal_account_list(ctx: Ctx) -> Response:
    return _page(ctx)


@routes.post("/portal-accounts", name="portal_account_create", permission="exhibitions.portal_account.create")
def portal_account_create(ctx: Ctx) -> Response:
    values = {k: ctx.field(k) for k in ("customer_id", "email", "name", "mobile", "locale")}
    try:
        with ctx.db.begin_nested():
            services.create_account(ctx.db, ctx.user, values)
    except ValidationError as bad:
        return _page(ctx, status=422, values=values, errors={k: ctx._(v) for k, v in bad.errors.items()})
    return ctx.redirect("portal_account_list", flash="saved")


def _sender(ctx: Ctx) -> Any:
    """Mail an invitation in the account's language through the activity plugin's outbox."""
    base = str(ctx.kernel.settings.extra.get("base_url", "")).rstrip("/")

    def send(account: PortalAccount, link: str) -> None:
        t = ctx.kernel.catalogs.translator(ctx.kernel.catalogs.negotiate([account.locale]))
        login = base + ctx.url_for("portal_login_form")
        queue_message(ctx.db, org_id=account.org_id, channel="email", address=account.email,
                      subject=t.gettext(INVITE_SUBJECT),
                      text=t.gettext(INVITE_TEXT, name=account.name, email=account.email, link=link,
                                     login=login),
                      ref=f"exhibitions.portal_account:{account.id}")

    return send


@routes.post("/portal-accounts/{id:int}/invite", name="portal_account_invite",
             permission="exhibitions.portal_account.update")
def portal_account_invite(ctx: Ctx) -> Response:
    base = str(ctx.kernel.settings.extra.get("base_url", "")).rstrip("/")
    link_base = base + ctx.url_for("portal_password_form", token="x")[:-2]
    ctx.attempt(lambda: services.invite(ctx.db, ctx.user, ctx.params["id"], link_base=link_base,
                                        sender=_sender(ctx)), flash="saved")
    return ctx.redirect("portal_account_list")


@routes.post("/portal-accounts/{id:int}/active", name="portal_account_active",
             permission="exhibitions.portal_account.update")
def portal_account_active(ctx: Ctx) -> Response:
    services.set_active(ctx.db, ctx.user, ctx.params["id"], ctx.field("active") == "1")
    return ctx.redirect("portal_account_list", flash="saved")

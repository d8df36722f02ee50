"""The exhibitor portal's pages (registered on plugins.exhibitions.routes.routes,
under ``/exhibitions/portal/``): its login, logout and set-password pages,
and the pages of a logged-in exhibitor (home, booth, profile, service
orders, invoices, documents; the leads are in routes/leads.py).

Every portal route is ``PUBLIC`` to the kernel, which knows only staff
sessions: :func:`portal_page` is what requires the portal's own session
(:data:`PORTAL_COOKIE`) instead, and ignores a staff session altogether
(the page is rendered for no staff actor, and changes are audited as no
staff user's). CSRF is the kernel's, as on every unsafe request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from core import PUBLIC, Conflict, Ctx, NotFound, ValidationError
from plugins.exhibitions.models import ExhibitorProduct, PortalAccount, ServiceOrder
from plugins.exhibitions.models.choices import (
    DESK_CATEGORIES,
    DESK_PRIORITIES,
    DESK_STATES,
    MANUAL_FORM_KINDS,
    MANUAL_STATUSES,
    PRICE_TIERS,
    SERVICE_CATEGORIES,
    SERVICE_ORDER_STATES,
)
from plugins.exhibitions.routes import routes
from plugins.exhibitions.routes.services import parse_lines
from plugins.exhibitions.services import badges, desk, service_orders
from plugins.exhibitions.services import portal as portal_services
from plugins.exhibitions.services import portal_pages as pages
from plugins.exhibitions.services.portal import PORTAL_COOKIE
from plugins.exhibitions.services.registration import setup_of
from plugins.sales.models.choices import CONTRACT_STATES
from plugins.sales.services.documents import today

PortalHandler = Callable[[Ctx, PortalAccount], Response]
COOKIE_PATH = "/exhibitions/portal/"


def portal_account(ctx: Ctx) -> PortalAccount | None:
    """The account of the request's portal session, with the page in its
    language; a staff session is not looked at."""
    account = portal_services.session_account(ctx.db, ctx.request.cookies.get(PORTAL_COOKIE))
    if account is not None:
        ctx.t = ctx.kernel.catalogs.translator(ctx.kernel.catalogs.negotiate([account.locale]))
        ctx.db.info["actor"] = None  # what the exhibitor changes is nobody's of the staff
    return account


def portal_page(path: str, *, name: str, methods: tuple[str, ...] = ("GET",),
                max_body: int | None = None) -> Callable[[PortalHandler], PortalHandler]:
    """Register a portal page: without a live portal session it sends the
    browser to the portal's login (whatever staff session it has)."""

    def register(handler: PortalHandler) -> PortalHandler:
        def endpoint(ctx: Ctx) -> Response:
            account = portal_account(ctx)
            if account is None:
                return RedirectResponse(ctx.url_for("portal_login_form") + "?next=" + ctx.request.url.path,
                                        status_code=303)
            return handler(ctx, account)

        endpoint.__name__ = handler.__name__
        routes.route(path, name=name, permission=PUBLIC, methods=methods, max_body=max_body)(endpoint)
        return handler

    return register


def render(ctx: Ctx, account: PortalAccount | None, template: str, *, status: int = 200,
           **context: Any) -> Response:
    """A portal page: the portal's layout, never the staff menu."""
    name = pages.account_name(ctx.db, account) if account is not None else ""
    return ctx.render(template, status=status, actor=None, account=account, company=name, **context)


def _public_locale(ctx: Ctx) -> None:
    wanted = ctx.query.get("lang")
    accepted = [p.split(";")[0].strip() for p in ctx.request.headers.get("accept-language", "").split(",")]
    ctx.t = ctx.kernel.catalogs.translator(ctx.kernel.catalogs.negotiate([wanted, *accepted]))
    ctx.db.info["actor"] = None


def _next(ctx: Ctx) -> str:
    target = ctx.next_path("next", ctx.url_for("portal_home"))
    return target if target.startswith(COOKIE_PATH) else ctx.url_for("portal_home")


# ------------------------------------------------------------------ logging in


@routes.get("/portal/login", name="portal_login_form", permission=PUBLIC)
def portal_login_form(ctx: Ctx) -> Response:
    _public_locale(ctx)
    return render(ctx, None, "exhibitions/portal_login.html", next=ctx.query.get("next", ""), failed=False,
                  throttled=False, email="")


@routes.post("/portal/login", name="portal_login", permission=PUBLIC)
def portal_login(ctx: Ctx) -> Response:
    _public_locale(ctx)
    ip = ctx.request.client.host if ctx.request.client else ""
    try:
        token = portal_services.login(ctx.db, ctx.kernel.passwords, ctx.kernel.throttle,
                                      email=ctx.field("email"), password=ctx.field("password"), ip=ip)
    except (portal_services.LoginFailed, portal_services.LoginThrottled) as refused:
        ctx.commit_on_error = True  # the failure counts
        status = 429 if isinstance(refused, portal_services.LoginThrottled) else 401
        return render(ctx, None, "exhibitions/portal_login.html", status=status, next=ctx.field("next"),
                      failed=True, throttled=status == 429, email=ctx.field("email"))
    old = ctx.request.cookies.get(PORTAL_COOKIE)
    portal_services.logout(ctx.db, old)
    ctx.set_cookie(PORTAL_COOKIE, token, path=COOKIE_PATH,
                   max_age=int(timedelta(days=portal_services.SESSION_DAYS).total_seconds()))
    return RedirectResponse(_next(ctx), status_code=303)


@routes.post("/portal/logout", name="portal_logout", permission=PUBLIC)
def portal_logout(ctx: Ctx) -> Response:
    portal_services.logout(ctx.db, ctx.request.cookies.get(PORTAL_COOKIE))
    ctx.set_cookie(PORTAL_COOKIE, "", path=COOKIE_PATH, max_age=0)
    return RedirectResponse(ctx.url_for("portal_login_form"), status_code=303)


@routes.get("/portal/password/{token}", name="portal_password_form", permission=PUBLIC)
def portal_password_form(ctx: Ctx) -> Response:
    _public_locale(ctx)
    account = portal_services.invited(ctx.db, ctx.params["token"])
    if account is None:
        raise NotFound()
    ctx.t = ctx.kernel.catalogs.translator(ctx.kernel.catalogs.negotiate([account.locale]))
    return render(ctx, None, "exhibitions/portal_password_form.html", invited=account, errors={})


@routes.post("/portal/password/{token}", name="portal_password_set", permission=PUBLIC)
def portal_password_set(ctx: Ctx) -> Response:
    _public_locale(ctx)
    invited = portal_services.invited(ctx.db, ctx.params["token"])
    if invited is None:
        raise NotFound()
    ctx.t = ctx.kernel.catalogs.translator(ctx.kernel.catalogs.negotiate([invited.locale]))
    try:
        with ctx.db.begin_nested():
            portal_services.set_password(ctx.db, ctx.kernel.passwords, ctx.params["token"],
                                         ctx.field("password"), ctx.field("repeated"))
    except ValidationError as bad:
        return render(ctx, None, "exhibitions/portal_password_form.html", status=422, invited=invited,
                      errors={k: ctx._(v) for k, v in bad.errors.items()})
    ctx.flash("password_changed")
    return RedirectResponse(ctx.url_for("portal_login_form"), status_code=303)


@portal_page("/portal/locale", name="portal_locale", methods=("POST",))
def portal_locale(ctx: Ctx, account: PortalAccount) -> Response:
    portal_services.set_locale(ctx.db, account, ctx.field("locale"))
    return RedirectResponse(_next(ctx), status_code=303)


# ------------------------------------------------------------------ home and booth


@portal_page("/portal/", name="portal_home")
def portal_home(ctx: Ctx, account: PortalAccount) -> Response:
    editions = pages.editions_of(ctx.db, account)
    due = pages.due_of(ctx.db, account)
    from plugins.sales.services.documents import today

    day = today()
    open_, overdue = pages.total_due(due, day)
    return render(ctx, account, "exhibitions/portal_home.html", editions=editions,
                  booths=pages.booths_of(ctx.db, account), due=due, open_total=open_, overdue_total=overdue,
                  today=day)


@portal_page("/portal/editions/{id:int}/booth", name="portal_booth")
def portal_booth(ctx: Ctx, account: PortalAccount) -> Response:
    edition = pages.edition_of(ctx.db, account, ctx.params["id"])
    return render(ctx, account, "exhibitions/portal_booth.html", edition=edition,
                  plans=pages.booth_plans(ctx.db, account, edition, ctx.t))


# ------------------------------------------------------------------ profile and products


def _profile_page(ctx: Ctx, account: PortalAccount, edition: Any, *, status: int = 200,
                  values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> Response:
    profile = pages.profile_of(ctx.db, account, edition)
    if values is None:
        values = {k: getattr(profile, k) for k in pages.PROFILE_LIMITS} if profile else {
            "company_name": pages.account_name(ctx.db, account)}
    return render(ctx, account, "exhibitions/portal_profile.html", status=status, edition=edition,
                  profile=profile, values=values, errors=errors or {},
                  products=pages.products_of(ctx.db, account, edition))


@portal_page("/portal/editions/{id:int}/profile", name="portal_profile")
def portal_profile(ctx: Ctx, account: PortalAccount) -> Response:
    return _profile_page(ctx, account, pages.edition_of(ctx.db, account, ctx.params["id"]))


@portal_page("/portal/editions/{id:int}/profile", name="portal_profile_save", methods=("POST",),
             max_body=pages.LOGO_MAX + 64 * 1024)
def portal_profile_save(ctx: Ctx, account: PortalAccount) -> Response:
    edition = pages.edition_of(ctx.db, account, ctx.params["id"])
    upload = ctx.form.get("logo")
    logo = None
    if isinstance(upload, UploadFile) and upload.filename:
        logo = (str(upload.content_type or ""), upload.file.read(pages.LOGO_MAX + 1))
    values = {k: ctx.field(k) for k in pages.PROFILE_LIMITS}
    try:
        with ctx.db.begin_nested():
            pages.save_profile(ctx.db, account, edition, values, logo=logo)
    except ValidationError as bad:
        return _profile_page(ctx, account, edition, status=422, values=values,
                             errors={k: ctx._(v) for k, v in bad.errors.items()})
    ctx.flash("saved")
    return RedirectResponse(ctx.url_for("portal_profile", id=edition.id), status_code=303)


@portal_page("/portal/profiles/{id:int}/logo", name="portal_logo")
def portal_logo(ctx: Ctx, account: PortalAccount) -> Response:
    kind, data = pages.logo_of(ctx.db, account, ctx.params["id"])
    return Response(data, media_type=kind, headers={"X-Content-Type-Options": "nosniff",
                                                    "Cache-Control": "private, no-store"})


@portal_page("/portal/editions/{id:int}/products", name="portal_product_add", methods=("POST",))
def portal_product_add(ctx: Ctx, account: PortalAccount) -> Response:
    edition = pages.edition_of(ctx.db, account, ctx.params["id"])
    ctx.attempt(lambda: pages.add_product(ctx.db, account, edition, ctx.form))
    return RedirectResponse(ctx.url_for("portal_profile", id=edition.id), status_code=303)


@portal_page("/portal/products/{id:int}/delete", name="portal_product_delete", methods=("POST",))
def portal_product_delete(ctx: Ctx, account: PortalAccount) -> Response:
    product = portal_services.own(ctx.db, ExhibitorProduct, ctx.params["id"], account)
    edition_id = product.edition_id
    pages.delete_product(ctx.db, account, product.id)
    ctx.flash("saved")
    return RedirectResponse(ctx.url_for("portal_profile", id=edition_id), status_code=303)


# ------------------------------------------------------------------ service orders


@portal_page("/portal/orders", name="portal_order_list")
def portal_order_list(ctx: Ctx, account: PortalAccount) -> Response:
    return render(ctx, account, "exhibitions/portal_order_list.html", orders=pages.orders_of(ctx.db, account),
                  editions={e.id: e for e in pages.editions_of(ctx.db, account)}, states=SERVICE_ORDER_STATES)


def _order_form(ctx: Ctx, account: PortalAccount, edition: Any, *, status: int = 200,
                errors: dict[str, str] | None = None, problem: str = "") -> Response:
    return render(ctx, account, "exhibitions/portal_order_new.html", status=status, edition=edition,
                  offered=pages.catalogue(ctx.db, account, edition), values=dict(ctx.form),
                  errors=errors or {}, order_problem=problem, tiers=PRICE_TIERS, categories=SERVICE_CATEGORIES)


@portal_page("/portal/editions/{id:int}/orders/new", name="portal_order_new")
def portal_order_new(ctx: Ctx, account: PortalAccount) -> Response:
    return _order_form(ctx, account, pages.edition_of(ctx.db, account, ctx.params["id"]))


def taken_lines(form: Any) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """The lines of the portal's form the exhibitor filled (a quantity, a
    day or the tick of a per-m² service), and each one's number on the form."""
    rows, numbers = [], {}
    for n, row in enumerate(parse_lines(form), start=1):
        if str(row.get("quantity") or "").strip() or str(row.get("starts_on") or "").strip() \
                or form.get(f"line_{n}_take"):
            rows.append(row)
            numbers[len(rows)] = n
    return rows, numbers


@portal_page("/portal/editions/{id:int}/orders", name="portal_order_create", methods=("POST",))
def portal_order_create(ctx: Ctx, account: PortalAccount) -> Response:
    edition = pages.edition_of(ctx.db, account, ctx.params["id"])
    rows, numbers = taken_lines(ctx.form)
    try:
        with ctx.db.begin_nested():
            order = pages.place_order(ctx.db, account, edition, {"lines": rows, "note": ctx.field("note")})
    except ValidationError as bad:
        errors = {}
        for key, message in bad.errors.items():
            parts = key.split("_", 2)
            if len(parts) == 3 and parts[0] == "line" and parts[1].isdigit():
                key = f"line_{numbers.get(int(parts[1]), parts[1])}_{parts[2]}"
            errors[key] = ctx._(message)
        return _order_form(ctx, account, edition, status=422, errors=errors)
    except Conflict as refused:
        return _order_form(ctx, account, edition, status=409, problem=ctx._(str(refused), **refused.params))
    ctx.flash("saved")
    return RedirectResponse(ctx.url_for("portal_order_detail", id=order.id), status_code=303)


@portal_page("/portal/orders/{id:int}", name="portal_order_detail")
def portal_order_detail(ctx: Ctx, account: PortalAccount) -> Response:
    order = portal_services.own(ctx.db, ServiceOrder, ctx.params["id"], account)
    contract = pages.contract_of(ctx.db, account, order.contract_id) if order.contract_id else None
    return render(ctx, account, "exhibitions/portal_order_detail.html", order=order,
                  lines=service_orders.lines_of(ctx.db, order.id), states=SERVICE_ORDER_STATES,
                  tiers=PRICE_TIERS,
                  contract=contract, contract_states=CONTRACT_STATES)


# ------------------------------------------------------------------ invoices and documents


@portal_page("/portal/invoices", name="portal_invoice_list")
def portal_invoice_list(ctx: Ctx, account: PortalAccount) -> Response:
    return render(ctx, account, "exhibitions/portal_invoice_list.html",
                  contracts=pages.contracts_of(ctx.db, account),
                  instalments=pages.instalments_of(ctx.db, account), states=CONTRACT_STATES)


@portal_page("/portal/documents", name="portal_document_list")
def portal_document_list(ctx: Ctx, account: PortalAccount) -> Response:
    printable = "sales.contract" in ctx.kernel.registry.prints
    return render(ctx, account, "exhibitions/portal_document_list.html", printable=printable,
                  contracts=pages.contracts_of(ctx.db, account), states=CONTRACT_STATES)


@portal_page("/portal/documents/{id:int}/pdf", name="portal_document_pdf")
def portal_document_pdf(ctx: Ctx, account: PortalAccount) -> Response:
    data, filename = pages.contract_pdf(ctx.db, account, ctx.kernel, ctx.params["id"])
    from plugins.printing.routes import pdf_response

    return pdf_response(data, filename, download=True)



# ------------------------------------------------------------------ the on-site desk


def _requests_page(ctx: Ctx, account: PortalAccount, *, status: int = 200, errors: dict[str, str] | None = None,
                   values: dict[str, Any] | None = None) -> Response:
    editions = {e.id: e for e in pages.editions_of(ctx.db, account)}
    booths = [(b, editions[b.edition_id]) for b in pages.booths_of(ctx.db, account) if b.edition_id in editions]
    priorities = {k: DESK_PRIORITIES[k] for k in desk.PORTAL_PRIORITIES}
    return render(ctx, account, "exhibitions/portal_request_list.html", status=status,
                  rows=desk.of_exhibitor(ctx.db, account), booths=booths, categories=DESK_CATEGORIES,
                  priorities=priorities, states=DESK_STATES, errors=errors or {},
                  values=values or {"priority": "normal"})


@portal_page("/portal/requests", name="portal_request_list")
def portal_request_list(ctx: Ctx, account: PortalAccount) -> Response:
    """The exhibitor's requests to the on-site desk, and the form to open one."""
    return _requests_page(ctx, account)


@portal_page("/portal/requests", name="portal_request_create", methods=("POST",))
def portal_request_create(ctx: Ctx, account: PortalAccount) -> Response:
    """Open a request at one of the exhibitor's booths (its edition is the booth's)."""
    values = {k: ctx.field(k) for k in ("booth_id", "category", "priority", "title", "description")}
    try:
        with ctx.db.begin_nested():
            desk.open_for_exhibitor(ctx.db, account, values)
    except ValidationError as bad:
        return _requests_page(ctx, account, status=422, values=values,
                              errors={k: ctx._(v) for k, v in bad.errors.items()})
    ctx.flash("saved")
    return RedirectResponse(ctx.url_for("portal_request_list"), status_code=303)


# ------------------------------------------------------------------ staff badges

#: blank rows the portal's badge form offers beyond the names given
BADGE_BLANK_ROWS = 3


def _badges_page(ctx: Ctx, account: PortalAccount, edition: Any, *, rows: list[dict[str, str]] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200) -> Response:
    found = badges.badges_of(ctx.db, edition.id, account.customer_id)
    shown = rows if rows is not None else [{"name": b.name, "title": b.title, "mobile": b.mobile}
                                           for b in found]
    setup = setup_of(ctx.db, edition)
    return render(ctx, account, "exhibitions/portal_badges.html", status=status, edition=edition, badges=found,
                  rows=shown + [{"name": "", "title": "", "mobile": ""}] * BADGE_BLANK_ROWS, setup=setup,
                  quota=badges.quota(ctx.db, edition, account.customer_id), errors=errors or {},
                  closed=setup.badge_deadline is not None and today() > setup.badge_deadline)


@portal_page("/portal/editions/{id:int}/badges", name="portal_badges")
def portal_badges(ctx: Ctx, account: PortalAccount) -> Response:
    """The exhibitor's staff badge names in an edition, until the edition's deadline."""
    return _badges_page(ctx, account, pages.edition_of(ctx.db, account, ctx.params["id"]))


@portal_page("/portal/editions/{id:int}/badges", name="portal_badges_save", methods=("POST",))
def portal_badges_save(ctx: Ctx, account: PortalAccount) -> Response:
    """The names as the exhibitor gives them (``badges.set_badge_names``: the
    quota, the paid extras and the deadline are its rules)."""
    edition = pages.edition_of(ctx.db, account, ctx.params["id"])
    count = int(ctx.field("rows")) if ctx.field("rows").isdigit() else 0
    rows = [{k: ctx.field(f"line_{n}_{k}") for k in ("name", "title", "mobile")}
            for n in range(1, min(count, badges.MAX_BADGES + BADGE_BLANK_ROWS) + 1)]
    try:
        with ctx.db.begin_nested():
            badges.set_badge_names(ctx.db, None, edition, account.customer_id, rows)
    except ValidationError as invalid:
        return _badges_page(ctx, account, edition, rows=rows, status=422,
                            errors={k: ctx._(v) for k, v in invalid.errors.items()})
    except Conflict as refused:
        return _badges_page(ctx, account, edition, rows=rows, status=409,
                            errors={"names": ctx._(str(refused), **refused.params)})
    ctx.flash("saved")
    return RedirectResponse(ctx.url_for("portal_badges", id=edition.id), status_code=303)


# ------------------------------------------------------------------ the exhibitor manual

#: where a form the manual follows elsewhere is given in the portal
FOLLOWED_PAGES = {"badges": "portal_badges", "profile": "portal_profile"}


def _manual_page(ctx: Ctx, account: PortalAccount, edition: Any, *, status: int = 200,
                 errors: dict[str, str] | None = None) -> Response:
    return render(ctx, account, "exhibitions/portal_manual.html", status=status, edition=edition,
                  rows=pages.manual_of(ctx.db, account, edition.id), kinds=MANUAL_FORM_KINDS,
                  statuses=MANUAL_STATUSES, followed=FOLLOWED_PAGES, errors=errors or {})


@portal_page("/portal/editions/{id:int}/manual", name="portal_manual")
def portal_manual(ctx: Ctx, account: PortalAccount) -> Response:
    """The edition's manual: each form with its deadline and where the exhibitor is with it."""
    return _manual_page(ctx, account, pages.edition_of(ctx.db, account, ctx.params["id"]))


@portal_page("/portal/editions/{id:int}/manual/{form_id:int}", name="portal_manual_send", methods=("POST",))
def portal_manual_send(ctx: Ctx, account: PortalAccount) -> Response:
    """The exhibitor sends a form's content (the manual part records it as done)."""
    edition = pages.edition_of(ctx.db, account, ctx.params["id"])
    try:
        with ctx.db.begin_nested():
            pages.send_form(ctx.db, account, edition.id, ctx.params["form_id"], ctx.field("text"))
    except ValidationError as bad:
        return _manual_page(ctx, account, edition, status=422,
                            errors={f"form_{ctx.params['form_id']}": ctx._(m) for m in bad.errors.values()})
    except Conflict as refused:
        return _manual_page(ctx, account, edition, status=409,
                            errors={f"form_{ctx.params['form_id']}": ctx._(str(refused), **refused.params)})
    ctx.flash("saved")
    return RedirectResponse(ctx.url_for("portal_manual", id=edition.id), status_code=303)

"""The web kit: route tables, the per-request context, and the one wrapper
that opens the transaction, authenticates, checks CSRF and permissions.

Every route goes through :func:`_endpoint`; there is no other way for a
plugin to reach the database from a request, so one transaction per request,
CSRF on unsafe methods and deny-by-default hold everywhere. When the
database aborts a request's transaction because of another one (on
PostgreSQL: a deadlock or a serialization failure), the wrapper runs the
request again, so users never see that error.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from core import auth
from core.db import is_transient
from core.errors import BadParameter, BadRequest, Conflict, StaleVersion, ValidationError
from core.i18n import Translator
from core.permissions import Actor, Forbidden, NotFound

if TYPE_CHECKING:
    from core.app import Kernel
    from core.config import Settings

log = logging.getLogger("suanpan.web")

PUBLIC = "public"
AUTHENTICATED = "authenticated"
FLASH_COOKIE = "suanpan_flash"
PROBLEM_COOKIE = "suanpan_problem"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: runs of a request whose transaction the database aborts because of another
#: one (:func:`core.db.is_transient`), and the pause before the next run
#: (random, up to this many seconds times the runs so far)
TRANSIENT_ATTEMPTS = 5
TRANSIENT_PAUSE = 0.05
#: the response header carrying the request's id (also on the error page and in the log)
REQUEST_ID_HEADER = "X-Request-ID"
#: ``Sec-Fetch-Site`` values of a request a page of this site made (or the user typed)
_OWN_SITE = frozenset({"same-origin", "none"})

Handler = Callable[["Ctx"], Response]
#: a route's own body limit in bytes, or a function of the settings giving it
BodyLimit = int | Callable[["Settings"], int]


@dataclass(frozen=True)
class RouteSpec:
    path: str
    handler: Handler
    name: str
    methods: tuple[str, ...]
    permission: str
    #: overrides ``settings.max_form_bytes`` for this route (uploads)
    max_body: BodyLimit | None = None

    def body_limit(self, settings: Settings) -> int:
        if self.max_body is None:
            return settings.max_form_bytes
        return self.max_body(settings) if callable(self.max_body) else self.max_body


@dataclass
class Routes:
    """A plugin's route table. ``prefix`` defaults to ``/<plugin>``."""

    prefix: str | None = None
    specs: list[RouteSpec] = field(default_factory=list)

    def route(
        self, path: str, *, name: str, permission: str, methods: tuple[str, ...] = ("GET",),
        max_body: BodyLimit | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.specs.append(RouteSpec(path, handler, name, methods, permission, max_body))
            return handler

        return register

    def get(self, path: str, *, name: str, permission: str) -> Callable[[Handler], Handler]:
        return self.route(path, name=name, permission=permission)

    def post(
        self, path: str, *, name: str, permission: str, max_body: BodyLimit | None = None
    ) -> Callable[[Handler], Handler]:
        return self.route(path, name=name, permission=permission, methods=("POST",),
                          max_body=max_body)


class _Rollback(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


class Ctx:
    """What a handler gets: the request, its transaction, its actor."""

    def __init__(
        self, kernel: Kernel, request: Request, db: Session, actor: Actor | None,
        translator: Translator, form: Mapping[str, Any], csrf: str, mount: str,
    ) -> None:
        self.kernel = kernel
        self.mount = mount
        self.request = request
        self.db = db
        self.actor = actor
        self.t = translator
        self.form = form
        self.csrf = csrf
        self.params = request.path_params
        self.query = request.query_params
        self.commit_on_error = False
        self.cookies: list[tuple[str, str, dict[str, Any]]] = []

    # -- convenience -------------------------------------------------------

    @property
    def user(self) -> Actor:
        assert self.actor is not None, "route declared public but needs a user"
        return self.actor

    @property
    def is_htmx(self) -> bool:
        return self.request.headers.get("hx-request") == "true"

    def _(self, message: str, **params: object) -> str:
        return self.t.gettext(message, **params)

    def url_for(self, route: str, /, **params: Any) -> str:
        """URL of a named route; a name without ``mount:`` is in this plugin."""
        if ":" not in route:
            route = f"{self.mount}:{route}"
        return self.kernel.url_path_for(route, **params)

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.kernel.render(template, self, **context)
        return HTMLResponse(html, status_code=status)

    def redirect(self, route: str, /, *, flash: str | None = None, **params: Any) -> Response:
        url = self.url_for(route, **params)
        if flash:
            self.set_cookie(FLASH_COOKIE, flash, max_age=30)
        if self.is_htmx:
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    def next_path(self, field: str = "next", default: str = "/") -> str:
        """A path on this site from a form field, for redirects after a post.

        Anything that could leave the site (``https://…``, ``//host``,
        ``/\\host``) gives ``default`` instead: no open redirects.
        """
        value = self.field(field)
        if not value.startswith("/") or value[1:2] in ("/", "\\") or "\n" in value or "\r" in value:
            return default
        return value

    def flash(self, code: str = "saved") -> None:
        """Show the flash ``code`` ("saved", "deleted"...) at the top of the
        next page: for a handler that redirects somewhere ``redirect`` cannot name."""
        self.set_cookie(FLASH_COOKIE, code, max_age=30)

    def flash_problem(self, message: str, params: Mapping[str, str] | None = None) -> None:
        """Show ``message`` (a message id with ``params``) as an error on the
        next page: for a refused action whose form redirects back."""
        data = json.dumps({"m": message, "p": dict(params or {})}, ensure_ascii=False)
        self.set_cookie(PROBLEM_COOKIE, base64.urlsafe_b64encode(data.encode()).decode(), max_age=30)

    def attempt(self, action: Callable[[], object], *, flash: str | None = "saved") -> bool:
        """Run ``action`` in a savepoint. A refusal (``Conflict``,
        ``ValidationError``) undoes whatever it began and is shown at the top of
        the next page instead of an error page; for forms that redirect back.
        True when it went through (and ``flash`` is set for the next page)."""
        try:
            with self.db.begin_nested():
                action()
        except ValidationError as invalid:
            self.flash_problem(next(iter(invalid.errors.values())))
            return False
        except Conflict as refused:
            self.flash_problem(str(refused), refused.params)
            return False
        if flash:
            self.set_cookie(FLASH_COOKIE, flash, max_age=30)
        return True

    def take_flash(self) -> tuple[str | None, str | None]:
        """The pending flash code and the translated problem, each shown once."""
        flash = self.request.cookies.get(FLASH_COOKIE)
        raw = self.request.cookies.get(PROBLEM_COOKIE)
        problem = None
        if raw:
            try:
                data = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
                params = {str(k): self.t.gettext(str(v)) for k, v in dict(data.get("p", {})).items()}
                problem = self.t.gettext(str(data["m"]), **params)
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                problem = None
        for key in (k for k, v in ((FLASH_COOKIE, flash), (PROBLEM_COOKIE, raw)) if v):
            self.set_cookie(key, "", max_age=0)
        return flash, problem

    def set_cookie(self, key: str, value: str, **kw: Any) -> None:
        self.cookies.append((key, value, kw))

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default)
        return value if isinstance(value, str) else default


#: control characters no one types (tab, line feed and carriage return aside):
#: dropped from every form field as it is read. PostgreSQL stores no NUL (the
#: save failed with a server error), and an XLSX export refuses them all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


async def _read_form(request: Request, max_bytes: int, max_chars: int) -> dict[str, Any]:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise HTTPException(413, "request body too large")
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        body = await request.body()
        if len(body) > max_bytes:
            raise HTTPException(413, "request body too large")
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise BadRequest("body is not valid JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("body must be a JSON object")
        return data
    if not (ctype.startswith("application/x-www-form-urlencoded")
            or ctype.startswith("multipart/form-data")):
        return {}
    try:
        form: FormData = await request.form(max_files=20, max_fields=500, max_part_size=max_bytes)
    except MultiPartException as exc:
        raise BadRequest(str(exc)) from None
    out: dict[str, Any] = {}
    for key in form:
        values = [_CONTROL.sub("", v) if isinstance(v, str) else v for v in form.getlist(key)]
        for v in values:
            if isinstance(v, str) and len(v) > max_chars:
                raise ValidationError({key: "too_long"})
        out[key] = values[0] if len(values) == 1 else values
        if key.endswith("[]"):
            out[key] = [v for v in values if not isinstance(v, UploadFile) or v.filename]
    return out


def make_endpoint(kernel: Kernel, spec: RouteSpec, mount: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        request.state.request_id = request_id = secrets.token_hex(8)
        try:
            response = await _answer(kernel, spec, mount, request)
        except HTTPException:
            raise  # an answer Starlette gives itself (413: a body too large)
        except Exception:
            # Whatever failed (a handler, a template, the database at commit):
            # the traceback goes to the log under the request's id, the user
            # gets a page with that id and nothing of the failure itself.
            log.exception("request %s failed: %s %s", request_id, request.method, request.url.path)
            response = kernel.server_error(request)
        finally:
            await request.close()  # uploaded files: their spooled temporary files
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    endpoint.__name__ = spec.name
    return endpoint


async def _answer(kernel: Kernel, spec: RouteSpec, mount: str, request: Request) -> Response:
    settings = kernel.settings
    form: dict[str, Any] = {}
    try:
        if request.method in UNSAFE:
            form = await _read_form(request, spec.body_limit(settings), settings.max_field_chars)
    except ValidationError as exc:
        return kernel.error_response(request, 413, "A field is too long.", fields=exc.errors)
    except BadRequest as exc:
        return kernel.error_response(request, 400, "The request is malformed.", detail=str(exc))
    return await run_in_threadpool(_handle, kernel, spec, mount, request, form)


def cross_site(request: Request, trusted_origins: tuple[str, ...] = ()) -> bool:
    """Whether a request was sent by a page of another site (OWASP's CSRF
    cheat sheet: Fetch Metadata, else the ``Origin`` header). Browsers send
    ``Sec-Fetch-Site``; a ``same-site`` sender (another host of the same
    domain) counts as another site unless its origin is trusted. Without
    either header (an old browser, a script) the CSRF token decides alone."""
    origin = request.headers.get("origin")
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in _OWN_SITE and origin not in trusted_origins
    if origin is None:
        return False
    if origin == "null":  # a sandboxed frame, a data: page, a redirect across sites
        return True
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] != host and origin not in trusted_origins


def _handle(
    kernel: Kernel, spec: RouteSpec, mount: str, request: Request, form: dict[str, Any]
) -> Response:
    unsafe = request.method in UNSAFE
    bearer = _bearer(request)
    cookie_csrf = request.cookies.get(auth.CSRF_COOKIE)
    if unsafe and bearer is None:
        # a cookie session: refuse what another site sent, even with a valid
        # token (it may have read one through a flaw of ours), then check the token
        if cross_site(request, kernel.settings.trusted_origins):
            return kernel.error_response(request, 403,
                                         "This request was sent from another site and was refused.")
        submitted = request.headers.get(auth.CSRF_HEADER) or form.get(auth.CSRF_FIELD)
        if not auth.csrf_ok(cookie_csrf, submitted if isinstance(submitted, str) else None):
            return kernel.error_response(
                request, 403, "The form expired or was sent from another site. Reload the page and try again."
            )
    csrf = cookie_csrf or auth.new_csrf_token()
    for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
        try:
            response = _transaction(kernel, spec, mount, request, form, csrf, bearer, unsafe)
            break
        except DBAPIError as exc:
            if not is_transient(exc) or attempt == TRANSIENT_ATTEMPTS:
                raise
            # the database aborted the transaction because of another one
            # (PostgreSQL: a deadlock, a serialization failure); everything it
            # did is rolled back, so run the request again from the start
            log.warning("%s %s: %s in attempt %d; running it again", request.method,
                        request.url.path, type(exc.orig).__name__, attempt)
            _rewind_uploads(form)
            time.sleep(random.uniform(0, TRANSIENT_PAUSE * attempt))
    if not cookie_csrf:
        response.set_cookie(auth.CSRF_COOKIE, csrf, httponly=False, samesite="lax",
                            secure=kernel.settings.secure_cookies)
    return response


def _transaction(
    kernel: Kernel, spec: RouteSpec, mount: str, request: Request, form: dict[str, Any], csrf: str,
    bearer: str | None, unsafe: bool,
) -> Response:
    """The request in one transaction: committed unless the answer is an error."""
    try:
        with kernel.db.session(write=unsafe) as db:
            response, commit_on_error = _run(kernel, spec, mount, request, db, form, csrf, bearer)
            if response.status_code >= 400 and not commit_on_error:
                raise _Rollback(response)
    except _Rollback as rb:
        response = rb.response
    except StaleDataError:
        response = kernel.error_response(
            request, 409, "Someone else changed this record meanwhile. Reload it and apply your change again."
        )
    return response


def _rewind_uploads(form: dict[str, Any]) -> None:
    """Uploaded files back to their start, for a handler that runs again."""
    for value in form.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, UploadFile):
                item.file.seek(0)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def _run(
    kernel: Kernel, spec: RouteSpec, mount: str, request: Request, db: Session,
    form: dict[str, Any], csrf: str, bearer: str | None,
) -> tuple[Response, bool]:
    """The handler's response, and whether to commit even though it is an error."""
    token = request.cookies.get(auth.SESSION_COOKIE)
    user = auth.api_token_user(db, bearer) if bearer else auth.session_user(db, token)
    actor = None
    if user is not None:
        actor = kernel.actors.actor(db, user, kernel.registry.permissions)
    locale = kernel.catalogs.negotiate(
        [actor.locale if actor else None, request.cookies.get("suanpan_locale"),
         *accept_languages(request)]
    )
    ctx = Ctx(kernel, request, db, actor, kernel.catalogs.translator(locale), form, csrf, mount)
    db.info["actor"] = actor
    db.info["hook"] = kernel.pm.hook
    db.info["settings"] = kernel.settings  # for event handlers, which get no kernel
    if spec.permission != PUBLIC and actor is None:
        if bearer is not None or wants_json(request):
            return kernel.error_response(request, 401, "Please log in."), False
        login = kernel.url_path(request, "core:session_new")
        if ctx.is_htmx:
            # a fragment must not swap the login page into its target: the whole page goes there
            response = kernel.error_response(request, 401, "Please log in.")
            response.headers["HX-Redirect"] = login + "?next=" + _page_path(request)
            return response, False
        return RedirectResponse(login + "?next=" + request.url.path, status_code=303), False
    try:
        if spec.permission not in (PUBLIC, AUTHENTICATED):
            ctx.user.require(spec.permission)
        response = spec.handler(ctx)
    except Forbidden:
        response = kernel.error_response(request, 403, "You do not have permission to do this.", ctx=ctx)
    except NotFound:
        response = kernel.error_response(request, 404, "Not found.", ctx=ctx)
    except StaleVersion as exc:
        response = _stale(kernel, ctx, exc)
    except Conflict as exc:
        response = kernel.error_response(request, 409, str(exc), ctx=ctx, params=exc.params)
    except ValidationError as exc:
        response = kernel.error_response(request, 422, "Please correct the marked fields.",
                                         ctx=ctx, fields=exc.errors)
    except BadParameter as exc:
        # the parameter's name and the value sent are shown as they are, the rest translated
        params = {k: v if k == "value" else ctx._(v) for k, v in exc.params.items()}
        response = kernel.error_response(request, 400, ctx._(exc.message, name=exc.name, **params), ctx=ctx,
                                         parameter=exc.name)
    except BadRequest as exc:
        response = kernel.error_response(request, 400, "The request is malformed.", ctx=ctx,
                                         detail=str(exc))
    for key, value, kw in ctx.cookies:
        response.set_cookie(key, value, samesite="lax", secure=kernel.settings.secure_cookies,
                            **{"httponly": True, **kw})
    return response, ctx.commit_on_error


def _stale(kernel: Kernel, ctx: Ctx, refused: StaleVersion) -> Response:
    """A stale save that the handler left to the kernel: a form gets the
    differences and can send its values again (:func:`core.conflicts.stale_page`);
    JSON gets a 409 naming the current version."""
    request = ctx.request
    if wants_json(request) or request.method != "POST" or ctx.actor is None:
        return kernel.error_response(request, 409, str(refused), ctx=ctx, version=refused.current)
    from core.conflicts import stale_page

    return stale_page(ctx, refused)


def _page_path(request: Request) -> str:
    """The path of the page an htmx request came from (``HX-Current-URL``),
    when it is on this site; else the request's own."""
    current = request.headers.get("hx-current-url", "")
    base = str(request.base_url).rstrip("/")
    if current.startswith(base + "/"):
        path = current[len(base):].split("?", 1)[0].split("#", 1)[0]
        if not path.startswith("//"):
            return path
    return request.url.path


def accept_languages(request: Request) -> list[str]:
    header = request.headers.get("accept-language", "")
    return [part.split(";")[0].strip() for part in header.split(",") if part.strip()]


#: paths of a versioned API (``/api/v1/...``): errors there are problem details
_API_PATH = re.compile(r"^/api/v\d+/")


def wants_json(request: Request) -> bool:
    """Answer errors as problem details: a versioned API path, or a client
    that asks for JSON. Everything else (the API plugin's own admin pages
    included) gets HTML pages and the login redirect."""
    return bool(_API_PATH.match(request.url.path)) or "application/json" in request.headers.get("accept", "")


def problem(status: int, title: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem-details answer for the API."""
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, **extra},
        status_code=status,
        media_type="application/problem+json",
    )

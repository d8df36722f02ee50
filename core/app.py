"""The application factory: settings, database, plugins, registry, web app."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import anyio
from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, NoMatchFound, Route
from starlette.staticfiles import StaticFiles

from core import actors, audit
from core.auth import Passwords, Throttle
from core.config import Settings, load_settings
from core.db import Base, Database
from core.i18n import LOCALE_NAMES, N_, Catalogs
from core.jobs import Worker
from core.models import PluginState
from core.plugins import KERNEL, Manifest, PluginManager, discover, resolve
from core.registry import DeclarationError, Panel, Registry
from core.static import static_dirs
from core.web import (
    AUTHENTICATED,
    PUBLIC,
    Ctx,
    Routes,
    accept_languages,
    make_endpoint,
    problem,
    wants_json,
)

log = logging.getLogger("suanpan")
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
ROOT = Path(__file__).resolve().parent.parent
CORE_DIR = Path(__file__).resolve().parent

#: what the user reads when Starlette itself refuses a request
HTTP_ERRORS = {
    404: N_("Not found."),
    405: N_("This address does not take this kind of request."),
    413: N_("The request is too large."),
}

KERNEL_MANIFEST = Manifest(
    name=KERNEL,
    module="core.admin",
    path=CORE_DIR,
    label={"zh_CN": "系统内核", "en": "Kernel"},
    version="0.1.0",
)


class StartupError(Exception):
    """The kernel itself cannot start (a kernel bug, never a plugin's)."""


class CompiledTemplates(BytecodeCache):
    """The compiled code of the templates, kept for the process: a kernel
    (a test's, a command's, a job's) no longer compiles again what another
    compiled before it. Five pages shown by a new kernel spent 120 of their
    300 ms in Jinja's compiler. Every kernel's environment has the same
    options; a template is known by its name and file, and a changed file
    (another checksum) is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


class Kernel:
    """One installation: settings, database, the plugin manager and what the
    enabled plugins declared."""

    def __init__(
        self,
        settings: Settings,
        *,
        plugins: Iterable[str] | None = None,
        extra_plugins: Sequence[tuple[Manifest, ModuleType]] = (),
    ) -> None:
        self.settings = settings
        self.db = Database(settings.database_url, pool_size=settings.threads + 2,
                           trace_dir=settings.sql_trace_dir or None)
        self.passwords = Passwords(settings)
        self.throttle = Throttle.from_settings(settings)
        audit.install()
        actors.install()
        #: the actors this process built (core.actors)
        self.actors = actors.ActorCache()
        self.pm = PluginManager()
        self.registry = Registry()
        self.routes: dict[str, Routes] = {}
        #: model key -> the route name of its record page (``record_path``)
        self.record_routes: dict[str, str] = {}
        #: "mount:name" -> (path template, parameter names), see url_path_for
        self.paths: dict[str, tuple[str, set[str]]] = {}
        installed, self.discovery_errors = discover()
        for manifest, _module in extra_plugins:
            installed[manifest.name] = manifest
        self.installed = installed
        wanted = set(plugins) if plugins is not None else self._enabled_names(installed)
        order, errors = resolve(installed, wanted)
        self.pm.register_plugin(KERNEL_MANIFEST)
        self.pm.load(installed, order, modules={m.name: mod for m, mod in extra_plugins})
        errors.update(self.pm.errors)
        self.errors = {**self.discovery_errors, **errors}
        for name, reason in self.errors.items():
            log.error("plugin %s not loaded: %s", name, reason)
        try:
            self._drop_unknown_hooks()
            self.pm.check_pending()
            self._collect()
        except Exception:
            self.db.dispose()  # a kernel that cannot start keeps no connections open
            raise
        self.db.info["hook"] = self.pm.hook  # events fire for CLI and job writes too
        self.db.info["plugins"] = self.pm  # for events that pick implementations (core.bulk)
        self.db.info["tasks"] = self.registry.tasks  # enqueue() checks task names
        self.db.info["workflows"] = self.registry.workflows  # for the history panel
        self.db.info["registry"] = self.registry  # for panels, which get no kernel
        self._build_paths()
        self.catalogs = self._catalogs()
        self.jinja = self._jinja()

    # -- plugins -------------------------------------------------------------

    def _enabled_names(self, installed: dict[str, Manifest]) -> set[str]:
        states: dict[str, bool] = {}
        try:
            if sa_inspect(self.db.engine).has_table(PluginState.__tablename__):
                with self.db.session(write=False) as s:
                    stmt = select(PluginState.name, PluginState.enabled)
                    states = {name: on for name, on in s.execute(stmt)}
        except Exception:  # noqa: BLE001 - a database that is not migrated yet
            states = {}
        return {n for n, m in installed.items() if states.get(n, m.default_enabled)}

    @property
    def enabled(self) -> list[str]:
        return [n for n in self.pm.manifests if n != KERNEL]

    def _impls(self, hook: str) -> list[tuple[str, Callable[..., Any]]]:
        """(plugin, implementation) of ``hook``, in load order."""
        caller = getattr(self.pm.hook, hook)
        order = list(self.pm.manifests)
        impls = sorted(caller.get_hookimpls(), key=lambda i: order.index(i.plugin_name))
        return [(i.plugin_name, i.function) for i in impls]

    def _drop(self, name: str, reason: str) -> None:
        """Unload a plugin that failed a start-up check, and whoever needs it."""
        log.error("plugin %s not loaded: %s", name, reason)
        self.errors[name] = reason
        self.pm.unregister(name=name)
        self.pm.manifests.pop(name, None)
        for other, manifest in list(self.pm.manifests.items()):
            if name in manifest.depends and other in self.pm.manifests:
                self._drop(other, f"depends on {name!r}, which failed to load")

    def _declared(self, name: str, hook: str) -> list[Any]:
        impls = [fn for n, fn in self._impls(hook) if n == name]
        if not impls:
            return []
        result = impls[0]()
        if hook == "register_routes":
            return [result] if result is not None else []
        return list(result or ())

    def _problems(self, name: str, codes: set[str], route_names: set[str]) -> list[str]:
        """What is wrong with one plugin's declarations (empty when fine)."""
        problems: list[str] = []
        prefix = f"{name}."
        for model in self._declared(name, "register_models"):
            if not model.__model_key__.startswith(prefix):
                problems.append(f"model {model.__model_key__!r} is outside its namespace {name!r}")
        for perm in self._declared(name, "register_permissions"):
            if not perm.code.startswith(prefix):
                problems.append(f"permission {perm.code!r} is outside its namespace {name!r}")
        for table in self._declared(name, "register_routes"):
            unknown = [s.name for s in table.specs
                       if s.permission not in (PUBLIC, AUTHENTICATED) and s.permission not in codes]
            if unknown:
                problems.append(f"routes without a declared permission: {', '.join(unknown)}")
        for item in self._declared(name, "register_menu_items"):
            if item.route not in route_names:
                problems.append(f"menu item {item.key!r} names an unknown route {item.route!r}")
            elif item.permission not in codes and item.permission != AUTHENTICATED:
                problems.append(f"menu item {item.key!r} needs an undeclared permission")
        for seq in self._declared(name, "register_sequences"):
            if not seq.key.startswith(prefix):
                problems.append(f"sequence {seq.key!r} is outside its namespace {name!r}")
        own = {m.__model_key__: m for m in self._declared(name, "register_models")}
        for decl in self._declared(name, "register_search"):
            model = own.get(decl.model)
            if model is None:
                problems.append(f"search of {decl.model!r}: not a model of {name!r}")
                continue
            missing = [f for f in decl.fields() if f not in model.__table__.columns]
            if missing:
                problems.append(f"search of {decl.model!r}: unknown fields {', '.join(missing)}")
        problems += self._task_problems(name)
        for hook, what in (("register_print_templates", "print"), ("register_widgets", "widget")):
            for decl in self._declared(name, hook):
                if not decl.key.startswith(prefix):
                    problems.append(f"{what} {decl.key!r} is outside its namespace {name!r}")
        for widget in self._declared(name, "register_widgets"):
            if widget.permission not in codes and widget.permission != AUTHENTICATED:
                problems.append(f"widget {widget.key!r} needs an undeclared permission {widget.permission!r}")
        for hook in ("register_workflows", "register_report_datasets", "register_jobs",
                     "register_sequences", "register_tasks", "register_print_templates", "register_widgets"):
            for decl in self._declared(name, hook):
                try:
                    decl.validate()
                except DeclarationError as exc:
                    problems.append(str(exc))
        for wf in self._declared(name, "register_workflows"):
            for t in wf.transitions:
                if t.permission not in codes:
                    problems.append(f"workflow {wf.model}: transition {t.name!r} needs an "
                                    f"undeclared permission {t.permission!r}")
        return problems

    def _task_problems(self, name: str) -> list[str]:
        """Tasks in the plugin's namespace, each name once (a scheduled job is a task too)."""
        problems: list[str] = []
        tasks = [t.name for t in self._declared(name, "register_tasks")]
        for task in tasks:
            if not task.startswith(f"{name}."):
                problems.append(f"task {task!r} is outside its namespace {name!r}")
        names = tasks + [j.name for j in self._declared(name, "register_jobs")]
        problems += [f"task {n!r} is declared twice" for n in sorted(set(names)) if names.count(n) > 1]
        return problems

    def _validate(self) -> None:
        """Check every plugin's declarations; a plugin that declares something
        wrong is left out with its dependants (the kernel itself must be right)."""
        while True:
            codes = {p.code for _n, fn in self._impls("register_permissions") for p in fn() or ()}
            route_names = set()
            for n, fn in self._impls("register_routes"):
                table = fn()
                route_names |= {f"{n}:{s.name}" for s in (table.specs if table else ())}
            bad = {}
            for name in list(self.pm.manifests):
                problems = self._problems(name, codes, route_names)
                if problems:
                    bad[name] = "; ".join(problems)
            if not bad:
                return
            if KERNEL in bad:
                raise StartupError(bad[KERNEL])
            for name, reason in bad.items():
                if name in self.pm.manifests:
                    self._drop(name, reason)

    def _drop_unknown_hooks(self) -> None:
        """A plugin implementing a hook nobody declares (a typo, or a hook of a
        disabled service plugin without ``optionalhook``) is left out."""
        for name, plugin in list(self.pm.list_name_plugin()):
            if name not in self.pm.manifests:
                continue
            unknown = [
                caller.name for caller in self.pm.get_hookcallers(plugin) or ()
                if caller.spec is None and any(
                    i.plugin is plugin and not i.optionalhook for i in caller.get_hookimpls())
            ]
            if unknown and name == KERNEL:
                raise StartupError(f"the kernel implements unknown hooks: {', '.join(unknown)}")
            if unknown and name in self.pm.manifests:
                self._drop(name, f"implements unknown hook {', '.join(map(repr, unknown))}")

    def _collect(self) -> None:
        """Collect the declarations of every plugin that passed the checks."""
        self._validate()
        for name, fn in self._impls("register_models"):
            for model in fn() or ():
                self.registry.models[model.__model_key__] = model
                self.registry.model_plugin[model.__model_key__] = name
        for _name, fn in self._impls("register_permissions"):
            for perm in fn() or ():
                self.registry.permissions[perm.code] = perm
        for name, fn in self._impls("register_roles"):
            for role in fn() or ():
                self.registry.roles[(name, role.key)] = role
        for name, fn in self._impls("register_role_grants"):
            self.registry.role_grants.extend((name, grant) for grant in fn() or ())
        for name, fn in self._impls("register_routes"):
            table = fn()
            if table is not None:
                self.routes[name] = table
        for _name, fn in self._impls("register_menu_items"):
            self.registry.menu.extend(fn() or ())
        self.registry.menu.sort(key=lambda m: (m.order, m.key))
        for _name, fn in self._impls("register_workflows"):
            for wf in fn() or ():
                self.registry.workflows[wf.model] = wf
                if wf.approvals and wf.model in self.registry.models:
                    # approvers may read what they are asked to approve (core.permissions.scope)
                    self.registry.models[wf.model].__approvable__ = True
        for _name, fn in self._impls("register_report_datasets"):
            for ds in fn() or ():
                self.registry.datasets[ds.key] = ds
        for _name, fn in self._impls("register_jobs"):
            for job in fn() or ():
                self.registry.jobs[job.name] = job
                self.registry.tasks[job.name] = job.task()
        for _name, fn in self._impls("register_tasks"):
            for task in fn() or ():
                self.registry.tasks[task.name] = task
        for _name, fn in self._impls("register_sequences"):
            for seq in fn() or ():
                self.registry.sequences[seq.key] = seq
        for _name, fn in self._impls("register_search"):
            for decl in fn() or ():
                self.registry.search[decl.model] = decl
        for _name, fn in self._impls("register_print_templates"):
            for decl in fn() or ():
                self.registry.prints[decl.key] = decl
        for _name, fn in self._impls("register_widgets"):
            for decl in fn() or ():
                self.registry.widgets[decl.key] = decl

    # -- templates and translations ------------------------------------------

    def plugin_dirs(self, sub: str) -> list[Path]:
        dirs = []
        for manifest in reversed(list(self.pm.manifests.values())):
            path = manifest.path / sub
            if path.is_dir():
                dirs.append(path)
        return dirs

    def _catalogs(self) -> Catalogs:
        catalogs = Catalogs(self.settings.locales, self.settings.default_locale)
        theme_locale = ROOT / "themes" / self.settings.theme / "locale"
        # kernel first, then plugins in load order, the theme last: like
        # templates, a theme overrides what plugins say
        for path in [*reversed(self.plugin_dirs("locale")), theme_locale]:
            if path.is_dir():
                catalogs.load_dir(path)
        return catalogs

    def _jinja(self) -> Environment:
        theme = ROOT / "themes" / self.settings.theme / "templates"
        default = ROOT / "themes" / "default" / "templates"
        loaders = [FileSystemLoader(str(p)) for p in dict.fromkeys([theme, default])]
        loaders += [FileSystemLoader(str(p)) for p in self.plugin_dirs("templates")]
        env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(["html", "xml", "svg"], default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            bytecode_cache=COMPILED_TEMPLATES,
        )
        from core.kit import kit_cell  # the kit's cell renderer; core.kit imports core.web, not core.app

        env.globals.update(locale_names=LOCALE_NAMES, kit_cell=kit_cell)
        return env

    def render(self, template: str, ctx: Ctx, **context: Any) -> str:
        t = ctx.t
        flash, problem = ctx.take_flash() if not ctx.is_htmx else (None, None)
        base = {
            "ctx": ctx,
            "request": ctx.request,
            "actor": ctx.actor,
            "_": t.gettext,
            "ngettext": t.ngettext,
            "t": t,
            "url_for": ctx.url_for,
            "csrf_token": ctx.csrf,
            "menu": self.menu_for(ctx),
            "topbar": lambda: self.topbar_for(ctx),
            "flash": flash,
            "problem": problem,
            "kernel": self,
        }
        return self.jinja.get_template(template).render({**base, **context})

    def topbar_for(self, ctx: Ctx) -> list[Panel]:
        """The plugins' items for the top bar (``topbar_items``), called by the
        page layout only, so fragments never pay for them."""
        if ctx.actor is None:
            return []
        items = [p for group in self.pm.hook.topbar_items(session=ctx.db, actor=ctx.actor)
                 for p in group or ()]
        return sorted(items, key=lambda p: (p.order, p.key))

    def menu_for(self, ctx: Ctx) -> list[dict[str, Any]]:
        if ctx.actor is None:
            return []
        entries = [(item, ctx.url_for(item.route)) for item in self.registry.menu
                   if ctx.actor.can(item.permission) or item.permission == AUTHENTICATED]
        # the current page's entry: the one whose address is the longest start of the path
        # (/notes/expenses/3 is under 报销单 /notes/expenses, not under 便签 /notes/)
        path = ctx.request.url.path
        under = [url for _, url in entries if url == path or (url != "/" and path.startswith(url))]
        current = max(under, key=len) if under else None
        return [{"item": item, "url": url, "active": url == current} for item, url in entries]

    def error_response(
        self, request: Request, status: int, message: str, *, ctx: Ctx | None = None,
        params: Mapping[str, str] | None = None, **extra: Any
    ) -> Response:
        translator = ctx.t if ctx else self.catalogs.translator(self.catalogs.negotiate(
            [request.cookies.get("suanpan_locale")]))
        title = translator.gettext(message)
        if params:
            title = title.format(**{k: translator.gettext(v) for k, v in params.items()})
        if wants_json(request):
            return problem(status, title, **extra)
        if ctx is not None and ctx.actor is not None:
            try:
                html = self.render("error.html", ctx, status=status, message=title, extra=extra)
                return HTMLResponse(html, status_code=status)
            except Exception:  # noqa: BLE001 - never fail while reporting a failure
                log.exception("error page failed")
        return HTMLResponse(
            Markup("<!doctype html><meta charset=utf-8><title>{0}</title><h1>{0}</h1>"
                   "<p>{1}</p>").format(status, title),
            status_code=status,
        )

    def server_error(self, request: Request) -> Response:
        """The answer to a request that failed unexpectedly: a generic message
        and the request's id (which the log holds with the traceback), never
        the failure itself; problem details for the API."""
        request_id = getattr(request.state, "request_id", "")
        translator = self.catalogs.translator(self.catalogs.negotiate(
            [request.cookies.get("suanpan_locale"), *accept_languages(request)]))
        title = translator.gettext("Something went wrong on our side. It has been logged.")
        if wants_json(request):
            return problem(500, title, request_id=request_id)
        note = translator.gettext("Quote the request id {request_id} to your administrator.",
                                  request_id=request_id)
        return HTMLResponse(
            Markup("<!doctype html><meta charset=utf-8><title>500</title><h1>500</h1><p>{0}</p>"
                   "<p class=sp-request-id>{1}</p><p><a href=\"/\">{2}</a></p>").format(
                title, note, translator.gettext("Back to the workbench")),
            status_code=500,
        )

    def url_path(self, request: Request, name: str, **params: Any) -> str:
        return self.url_path_for(name, **params)

    def _build_paths(self) -> None:
        from core.kit import Crud

        for name, table in self.routes.items():
            prefix = table.prefix if table.prefix is not None else f"/{name}"
            for spec in table.specs:
                path = prefix + spec.path
                self.paths[f"{name}:{spec.name}"] = (_PARAM.sub(r"{\1}", path), set(_PARAM.findall(path)))
                crud = getattr(spec.handler, "__self__", None)
                if isinstance(crud, Crud) and spec.name == f"{crud.noun}_detail":
                    self.record_routes.setdefault(crud.key, f"{name}:{spec.name}")
                    self.registry.cruds.setdefault(crud.key, (name, crud))

    def record_path(self, model_key: str, record_id: int) -> str | None:
        """The path of a record's own page (its ``Crud`` detail route), if it has one."""
        route = self.record_routes.get(model_key)
        return self.url_path_for(route, id=record_id) if route else None

    def url_path_for(self, name: str, /, **params: Any) -> str:
        """The path of a named route (``mount:name``), from a table built once.

        Starlette's own ``url_path_for`` walks every route and raises on each
        miss; with many plugins that costs more than rendering the page.
        """
        try:
            template, wanted = self.paths[name]
        except KeyError:
            raise NoMatchFound(name, params) from None
        if set(params) != wanted:
            raise NoMatchFound(name, params)
        return template.format(**{k: quote(str(v), safe="") for k, v in params.items()})

    # -- ASGI ----------------------------------------------------------------

    def asgi(self) -> Starlette:
        app = Starlette(routes=self.starlette_routes(), lifespan=self._lifespan,
                        exception_handlers={HTTPException: self._http_error})
        app.state.kernel = self
        return app

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        """What Starlette answers itself (no such address, a method the
        address does not take, a body too large) in the suite's own form:
        an error page, or problem details for the API."""
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = HTTP_ERRORS.get(status, "The request is malformed.")
        response = self.error_response(request, status, message)
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers.update(exc.headers)  # Allow, of a 405
        return response

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        # Handlers hold the GIL: a few threads per process serve more requests
        # per second than Starlette's default forty (see docs/performance.md).
        anyio.to_thread.current_default_thread_limiter().total_tokens = self.settings.threads
        worker = None
        if self.settings.inprocess_worker:  # `suanpan worker` processes may run beside it
            worker = Worker(self)
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                await anyio.to_thread.run_sync(worker.stop)
            self.db.dispose()

    def starlette_routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = []
        for prefix, folder in static_dirs(self.settings).items():
            routes.append(Mount(prefix, StaticFiles(directory=folder, check_dir=False),
                                name=prefix.strip("/").replace("/", "-")))
        mounted: list[tuple[str, Routes]] = []
        for name, table in self.routes.items():
            prefix = table.prefix if table.prefix is not None else f"/{name}"
            mounted.append((name, table))
            inner = [
                Route(s.path, make_endpoint(self, s, name), name=s.name, methods=list(s.methods))
                for s in table.specs
            ]

            if prefix:
                # "/notes" answers like "/notes/": the kernel's root mount would 404 it
                routes.append(Route(prefix, _slash_redirect(prefix), name=f"{name}-root"))
            routes.append(Mount(prefix, routes=inner, name=name))
        # The kernel's root mount ("") matches everything: keep it last.
        routes.sort(key=lambda r: isinstance(r, Mount) and r.path == "")
        return routes


def _slash_redirect(prefix: str) -> Callable[[Request], Awaitable[Response]]:
    async def redirect(request: Request) -> Response:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(prefix + "/" + query, status_code=307)

    return redirect


def create_app(
    settings: Settings | None = None,
    *,
    plugins: Iterable[str] | None = None,
    extra_plugins: Sequence[tuple[Manifest, ModuleType]] = (),
) -> Starlette:
    """Build the ASGI application. ``plugins`` overrides the stored enabled set."""
    kernel = Kernel(settings or load_settings(), plugins=plugins, extra_plugins=extra_plugins)
    return kernel.asgi()


__all__ = ["Base", "Kernel", "create_app"]

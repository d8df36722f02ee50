"""Conformance tests every plugin inherits (house style, habit 14; Tryton's
``ModuleTestCase``): routes named, templates present, permissions declared
and documented, models labelled, migrations matching the models, the zh_CN
catalog complete, workflows on the plugin's own models.

A plugin's test-suite inherits the class and names the plugin::

    from core.testing import PluginConformance

    class TestVisitsConformance(PluginConformance):
        plugin = "visits"
        # third-party plugins only: where the plugin's documentation lives
        docs_path = Path(__file__).resolve().parents[1] / "docs" / "visits.md"

A document's print template (one extending ``print/layout.html``, see
``register_print_templates``) is a document, not a page: it needs no route
of its name, and is only parsed here (the printing plugin compiles it in its
sandbox, with its own filters, and its tests render every one).

Every test takes one fixture, ``kernel``: a :class:`core.app.Kernel` with the
plugin enabled, on a database migrated to the head of every enabled branch.
The suite's ``tests/conftest.py`` provides it (for in-repo plugins and the
example plugin); a third-party plugin's ``conftest.py`` must provide one,
for instance by running ``core.migrate.upgrade(Kernel(settings))`` once on a
scratch database and handing out ``Kernel(settings)``.

Class attributes a plugin may set:

``docs_path``
    Its documentation: absolute, or relative to the plugin's package. The
    default is ``docs/kernel.md`` for the kernel and ``docs/plugins/<name>.md``
    for a plugin under ``plugins/``; a third-party plugin sets it.
``custom_actions``
    Permission verbs beyond :data:`core.registry.ACTIONS` (``manage``); the
    codes using them must be documented like every other.
``permission_groups``
    Middle parts of permission codes that are not models (``core.recycle``).
``internal_columns``
    ``"<model key>.<column>"`` of columns no user ever sees (tree paths,
    hashes), which need no ``info={"label": ...}``. The columns the kernel's
    mixins add and set itself (:data:`KERNEL_MANAGED_COLUMNS`) need none either.

The catalog check uses :mod:`core.messages`, the same extraction ``make
messages`` runs, so it works for an installed suite as well as a checkout.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from jinja2 import Environment, TemplateError, nodes
from sqlalchemy import String, Table

from core import migrate
from core.db import Base, table_of
from core.kit import Crud
from core.masking import MASK_KINDS
from core.models import SCOPES
from core.plugins import KERNEL, Manifest
from core.registry import ACTIONS
from core.web import AUTHENTICATED, PUBLIC

if TYPE_CHECKING:
    from core.app import Kernel

ROOT = Path(__file__).resolve().parent.parent
#: Columns the kernel's mixins add and fill from the actor or the clock:
#: never typed by a user, so they need no label of their own.
KERNEL_MANAGED_COLUMNS = frozenset({
    "id", "org_id", "owner_id", "department_id", "created_at", "updated_at", "version", "deleted_at",
})
ROUTE_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
IDENT = re.compile(r"[a-z][a-z0-9_]*")
TEMPLATE_NAME = re.compile(r"[\w./-]+\.html")
#: the kernel's layout of every print (core/templates/print/), extended by
#: the print templates of document types (``register_print_templates``)
PRINT_LAYOUT = "print/layout.html"
#: folders of a plugin package whose Python files are not its runtime code
SOURCE_SKIP = frozenset({"__pycache__", "migrations", "tests", "build", "locale", "templates",
                         "static", "node_modules"})


# ------------------------------------------------------------------ what a plugin declared


def declared(kernel: Kernel, plugin: str, hook: str) -> list[Any]:
    """What ``plugin``'s own implementation of a ``register_*`` hook returns."""
    caller = getattr(kernel.pm.hook, hook)
    out: list[Any] = []
    for impl in caller.get_hookimpls():
        if impl.plugin_name == plugin:
            out.extend(impl.function() or ())
    return out


def plugin_models(kernel: Kernel, plugin: str) -> dict[str, type[Base]]:
    return {key: model for key, model in kernel.registry.models.items()
            if kernel.registry.model_plugin.get(key) == plugin}


def _defined_in(cls: type, folder: Path) -> bool:
    try:
        source = inspect.getsourcefile(cls)
    except TypeError:
        return False
    return source is not None and Path(source).resolve().is_relative_to(folder.resolve())


def plugin_tables(kernel: Kernel, manifest: Manifest) -> set[str]:
    """Tables of the plugin: of its registered models, of mapped classes in its
    package, and every table in the metadata carrying its prefix."""
    tables = {table_of(m).name for m in plugin_models(kernel, manifest.name).values()}
    # a mapper's local_table is typed as any FromClause; the suite maps tables only
    tables |= {cast(Table, mapper.local_table).name for mapper in Base.registry.mappers
               if _defined_in(mapper.class_, manifest.path)}
    tables |= {t for t in Base.metadata.tables if t.split("_", 1)[0] == manifest.name}
    return tables


def source_files(manifest: Manifest) -> Iterator[Path]:
    """The plugin's runtime Python modules (not its migrations or tests)."""
    for path in sorted(manifest.path.rglob("*.py")):
        if not SOURCE_SKIP & set(path.relative_to(manifest.path).parts[:-1]):
            yield path


def template_names_in(path: Path) -> Iterator[tuple[int, str]]:
    """(line, name) of every string literal in a module that names a template."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    in_fstrings = {id(n) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr)
                   for n in ast.walk(f)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in in_fstrings and TEMPLATE_NAME.fullmatch(node.value)):
            yield node.lineno, node.value


def template_files(manifest: Manifest) -> dict[str, Path]:
    """Loader name -> file, for every file under the plugin's ``templates/``."""
    top = manifest.path / "templates"
    if not top.is_dir():
        return {}
    return {p.relative_to(top).as_posix(): p for p in sorted(top.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def _const_names(node: nodes.Node | None) -> list[str]:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, nodes.List | nodes.Tuple):
        return [n.value for n in node.items if isinstance(n, nodes.Const)]
    return []  # a name computed at render time (``include panel.template``)


def template_references(tree: nodes.Template) -> dict[str, list[str]]:
    """Literal template names a template extends, includes and imports."""
    return {
        "extends": [n for e in tree.find_all(nodes.Extends) for n in _const_names(e.template)],
        "include": [n for i in tree.find_all(nodes.Include) for n in _const_names(i.template)],
        "import": [n for i in tree.find_all(nodes.Import) for n in _const_names(i.template)]
        + [n for f in tree.find_all(nodes.FromImport) for n in _const_names(f.template)],
    }


def _is_print(refs: dict[str, list[str]]) -> bool:
    """A document's print template: it extends the print layout (and is no page)."""
    return refs["extends"] == [PRINT_LAYOUT]


def _is_print_source(env: Environment, name: str, source: str) -> bool:
    """The print layout, or a template extending it: the printing plugin
    compiles those in its sandbox, where filters of its own (``money``,
    ``date``, ...) exist; the kernel's environment only parses them."""
    if name == PRINT_LAYOUT:
        return True
    try:
        return _is_print(template_references(env.parse(source)))
    except TemplateError:
        return False


def _macros_only(tree: nodes.Template) -> bool:
    """A macro library (imported, never rendered on its own)."""
    for node in tree.body:
        if isinstance(node, nodes.Output):
            if any(not isinstance(n, nodes.TemplateData) or n.data.strip() for n in node.nodes):
                return False
        elif not isinstance(node, nodes.Macro | nodes.Import | nodes.FromImport):
            return False
    return True


def kit_templates(crud: Crud) -> set[str]:
    """The templates a ``Crud`` renders: the kit's own and its detail template."""
    kit_source = inspect.getsourcefile(Crud)
    assert kit_source is not None
    return {name for _line, name in template_names_in(Path(kit_source))} | {crud.detail_template}


def migration_differences(kernel: Kernel, tables: set[str]) -> list[Any]:
    """What ``makemigration`` would write for ``tables``: models against the database."""

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
        return name in tables if type_ == "table" else True

    with kernel.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": include_object,
            "target_metadata": Base.metadata})
        return list(compare_metadata(context, Base.metadata))


def _describe(diff: Any) -> str:
    """One autogenerate difference, short: ``add_column notes_note.colour``."""
    if isinstance(diff, list):
        return "; ".join(_describe(d) for d in diff)
    op, *args = diff
    names = [str(getattr(a, "name", a)) for a in args if a is not None and not isinstance(a, dict)]
    return f"{op} {' '.join(names)}"


def _is_empty_function(path: Path, name: str) -> bool | None:
    """Whether ``def name()`` in the file does nothing (None: there is none)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(
                s.value, ast.Constant)) for s in node.body)
    return None


def _parse(kernel: Kernel, name: str, path: Path) -> nodes.Template | None:
    """The template's syntax tree; None when it does not parse (reported elsewhere)."""
    try:
        return kernel.jinja.parse(path.read_text(encoding="utf-8"), name, str(path))
    except TemplateError:
        return None


def _mentioned(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(word)}(?![\w.])", text) is not None


def _report(title: str, offenders: list[str]) -> str:
    return f"{title} ({len(offenders)}):\n  " + "\n  ".join(offenders)


# ------------------------------------------------------------------ the base class


class PluginConformance:
    """Inherit in a ``Test...`` class, set ``plugin``; see the module docstring."""

    plugin: ClassVar[str]
    docs_path: ClassVar[str | Path | None] = None
    custom_actions: ClassVar[frozenset[str]] = frozenset()
    permission_groups: ClassVar[frozenset[str]] = frozenset()
    internal_columns: ClassVar[frozenset[str]] = frozenset()

    # -- helpers -------------------------------------------------------------

    def manifest(self, kernel: Kernel) -> Manifest:
        name = getattr(self, "plugin", None)
        if not name:
            pytest.fail(f"{type(self).__name__} must name its plugin: plugin = \"...\"", pytrace=False)
        if name not in kernel.pm.manifests:
            reason = kernel.errors.get(name) or (
                "it is installed but not enabled in the `kernel` fixture" if name in kernel.installed
                else "it is not installed (no entry point in the group suanpan.plugins)")
            pytest.fail(f"plugin {name!r} is not loaded: {reason}", pytrace=False)
        return kernel.pm.manifests[name]

    def docs_file(self, manifest: Manifest) -> Path:
        if self.docs_path is not None:
            return manifest.path / self.docs_path  # an absolute docs_path replaces the base
        if manifest.name == KERNEL:
            return ROOT / "docs" / "kernel.md"
        return ROOT / "docs" / "plugins" / f"{manifest.name}.md"

    def route_names(self, kernel: Kernel) -> list[str]:
        table = kernel.routes.get(self.plugin)
        return [s.name for s in table.specs] if table else []

    # -- loading -------------------------------------------------------------

    def test_plugin_is_enabled_and_loaded_without_error(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)  # fails naming the reason when it is not loaded
        missing = [loc for loc in ("zh_CN", "en") if not manifest.label.get(loc)]
        assert not missing, f"the manifest's label lacks {missing}: label = {{'zh_CN': ..., 'en': ...}}"

    # -- routes and templates ------------------------------------------------

    def test_routes_are_named_noun_view(self, kernel: Kernel) -> None:
        self.manifest(kernel)
        names = self.route_names(kernel)
        offenders = [f"{n!r}" for n in names if not ROUTE_NAME.fullmatch(n)]
        offenders += [f"{n!r} is used twice" for n in sorted(set(names)) if names.count(n) > 1]
        assert not offenders, _report(
            f"routes of {self.plugin} not named <noun>_<view> in lower snake case", offenders)

    def test_templates_the_routes_and_code_name_exist(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)
        wanted: dict[str, str] = {}  # template -> who names it
        table = kernel.routes.get(self.plugin)
        for spec in table.specs if table else ():
            crud = getattr(spec.handler, "__self__", None)
            if isinstance(crud, Crud):
                for name in kit_templates(crud):
                    wanted.setdefault(name, f"route {spec.name}")
        for path in source_files(manifest):
            for line, name in template_names_in(path):
                wanted.setdefault(name, f"{path.relative_to(manifest.path.parent)}:{line}")
        offenders = []
        env = kernel.jinja
        for name, where in sorted(wanted.items()):
            try:
                source = env.loader.get_source(env, name)[0] if env.loader else ""
                if _is_print_source(env, name, source):
                    env.parse(source)  # compiled by the printing plugin, with its filters
                else:
                    env.get_template(name)
            except TemplateError as exc:
                offenders.append(f"{where} names {name}: {type(exc).__name__}: {exc}")
        assert not offenders, _report(f"templates {self.plugin} needs that do not load", offenders)

    def test_templates_compile_and_what_they_include_exists(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)
        env, offenders = kernel.jinja, []
        for name, path in template_files(manifest).items():
            source = path.read_text(encoding="utf-8")
            if _is_print_source(env, name, source):
                continue  # the printing plugin compiles prints in its sandbox, with its filters
            try:
                env.compile(source, name, str(path))
                refs = template_references(env.parse(source, name, str(path)))
            except TemplateError as exc:
                offenders.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            for kind, targets in refs.items():
                for target in targets:
                    try:
                        env.get_template(target)
                    except TemplateError as exc:
                        offenders.append(f"{name}: {kind} {target}: {type(exc).__name__}: {exc}")
        assert not offenders, _report(f"templates of {self.plugin} that do not compile", offenders)

    def test_templates_are_namespaced_and_partials_start_with_underscore(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)
        files = template_files(manifest)
        offenders = [f"templates/{n} is outside templates/{self.plugin}/"
                     for n in files if not n.startswith(f"{self.plugin}/")
                     and not (manifest.name == KERNEL and n == PRINT_LAYOUT)]
        offenders += [f"templates/{n} is not .html (only .html is autoescaped)"
                      for n in files if not n.endswith(".html")]
        for name, path in files.items():
            tree = _parse(kernel, name, path) if name.endswith(".html") else None
            if tree is None:
                continue
            refs = template_references(tree)
            partial = Path(name).name.startswith("_")
            if name == PRINT_LAYOUT or _is_print(refs):
                continue  # a print: the layout of documents, or a document, not a page
            if not partial and not refs["extends"] and not _macros_only(tree):
                offenders.append(f"{name} extends no page: a partial, so name it _{Path(name).name}")
            if partial and any(not Path(t).name.startswith("_") for t in refs["extends"]):
                offenders.append(f"{name} is a partial but extends the page {refs['extends'][0]}")
            offenders += [f"{name} includes {t}, a partial not named _*.html"
                          for t in refs["include"] if not Path(t).name.startswith("_")]
        assert not offenders, _report(f"templates of {self.plugin} misplaced or misnamed", offenders)

    def test_pages_are_named_after_their_routes(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)
        routes = set(self.route_names(kernel))
        offenders = []
        for name, path in template_files(manifest).items():
            stem = Path(name).stem
            if stem.startswith("_") or not name.endswith(".html"):
                continue
            tree = _parse(kernel, name, path)
            refs = template_references(tree) if tree is not None else None
            if refs is not None and refs["extends"] and not _is_print(refs) and stem not in routes:
                near = difflib.get_close_matches(stem, routes, n=3, cutoff=0.4)
                offenders.append(f"{name}" + (f" (closest routes: {', '.join(near)})" if near else ""))
        assert not offenders, _report(f"pages of {self.plugin} named after no route", offenders)

    # -- permissions ---------------------------------------------------------

    def test_permission_codes_are_plugin_model_action(self, kernel: Kernel) -> None:
        self.manifest(kernel)
        nouns = {key.split(".", 1)[1] for key in plugin_models(kernel, self.plugin)}
        groups, actions = nouns | self.permission_groups, set(ACTIONS) | self.custom_actions
        codes = [p.code for p in declared(kernel, self.plugin, "register_permissions")]
        offenders = [f"{c!r} is declared twice" for c in sorted(set(codes)) if codes.count(c) > 1]
        for perm in declared(kernel, self.plugin, "register_permissions"):
            parts = perm.code.split(".")
            if len(parts) != 3 or parts[0] != self.plugin or not all(map(IDENT.fullmatch, parts)):
                offenders.append(f"{perm.code!r} is not {self.plugin}.<model>.<action>")
                continue
            if parts[1] not in groups:
                offenders.append(f"{perm.code!r}: {parts[1]!r} is no model of {self.plugin} "
                                 "(declare it in permission_groups if it is a group on purpose)")
            if parts[2] not in actions:
                offenders.append(f"{perm.code!r}: {parts[2]!r} is not in ACTIONS "
                                 "(declare it in custom_actions and document it)")
            if not perm.label:
                offenders.append(f"{perm.code!r} has no label")
        used = {c.split(".")[1] for c in codes if c.count(".") == 2}
        offenders += [f"permission_groups names {g!r}, which no code uses"
                      for g in sorted(self.permission_groups - used)]
        used = {c.rsplit(".", 1)[-1] for c in codes}
        offenders += [f"custom_actions names {a!r}, which no code uses"
                      for a in sorted(self.custom_actions - used)]
        assert not offenders, _report(f"permission codes of {self.plugin}", offenders)

    def test_every_permission_used_is_declared(self, kernel: Kernel) -> None:
        self.manifest(kernel)
        codes = set(kernel.registry.permissions)
        offenders = []
        table = kernel.routes.get(self.plugin)
        for spec in table.specs if table else ():
            if spec.permission not in codes | {PUBLIC, AUTHENTICATED}:
                offenders.append(f"route {spec.name} needs {spec.permission!r}")
        route_names = {f"{n}:{s.name}" for n, t in kernel.routes.items() for s in t.specs}
        for item in declared(kernel, self.plugin, "register_menu_items"):
            if item.permission not in codes | {AUTHENTICATED}:
                offenders.append(f"menu item {item.key} needs {item.permission!r}")
            if item.route not in route_names:
                offenders.append(f"menu item {item.key} names an unknown route {item.route!r}")
        for wf in declared(kernel, self.plugin, "register_workflows"):
            offenders += [f"transition {wf.model}:{t.name} needs {t.permission!r}"
                          for t in wf.transitions if t.permission not in codes]
        for role in declared(kernel, self.plugin, "register_roles"):
            if not (role.name and role.name_en):
                offenders.append(f"role {role.key} needs a name in Chinese and in English")
            offenders += [f"role {role.key} grants {code!r} with scope {scope!r}"
                          for code, scope in role.grants.items()
                          if code not in codes or scope not in SCOPES]
        roles = {key if plugin == "core" else f"{plugin}.{key}" for plugin, key in kernel.registry.roles}
        for grant in declared(kernel, self.plugin, "register_role_grants"):
            if grant.role not in roles:
                offenders.append(f"grants to an unknown role {grant.role!r}")
            offenders += [f"grants {code!r} to {grant.role} with scope {scope!r}"
                          for code, scope in grant.grants.items() if code not in codes or scope not in SCOPES]
        assert not offenders, _report(
            f"permissions {self.plugin} uses but nobody declares", offenders)

    def test_every_permission_code_is_documented(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)
        docs = self.docs_file(manifest)
        assert docs.is_file(), (
            f"{self.plugin} has no documentation at {docs}: write it there (a design section "
            "with its models, states and permission codes), or set docs_path on "
            f"{type(self).__name__} to where it lives")
        text = docs.read_text(encoding="utf-8")
        offenders = [p.code for p in declared(kernel, self.plugin, "register_permissions")
                     if not _mentioned(text, p.code)]
        assert not offenders, _report(f"permission codes {docs.name} never mentions", offenders)

    def test_models_and_states_are_documented(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)
        docs = self.docs_file(manifest)
        assert docs.is_file(), f"{self.plugin} has no documentation at {docs}"
        text = docs.read_text(encoding="utf-8")
        offenders = [f"model {key} (or its table {table_of(m).name})"
                     for key, m in plugin_models(kernel, self.plugin).items()
                     if not (_mentioned(text, key) or _mentioned(text, table_of(m).name))]
        offenders += [f"state {state!r} of {wf.model}"
                      for wf in declared(kernel, self.plugin, "register_workflows")
                      for state in wf.states if not _mentioned(text, state)]
        assert not offenders, _report(f"models and states {docs.name} never mentions", offenders)

    # -- models and migrations -----------------------------------------------

    def test_models_are_named_and_labelled(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)
        table_re = re.compile(rf"{self.plugin}_[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
        offenders = [f"table {t} is not {self.plugin}_<noun>"
                     for t in sorted(plugin_tables(kernel, manifest)) if not table_re.fullmatch(t)]
        seen = set()
        for key, model in plugin_models(kernel, self.plugin).items():
            if not model.__label__:
                offenders.append(f"model {key} has no __label__ = N_(...)")
            for column in model.__table__.columns:
                seen.add(f"{key}.{column.name}")
                if column.name in KERNEL_MANAGED_COLUMNS or f"{key}.{column.name}" in self.internal_columns:
                    continue
                mask = column.info.get("mask")
                if mask is not None and mask not in MASK_KINDS:
                    offenders.append(f"column {key}.{column.name} masks as {mask!r}, not one of {MASK_KINDS}")
                label = column.info.get("label")
                if not (isinstance(label, str) and label):
                    offenders.append(f"column {key}.{column.name} has no info={{'label': N_(...)}}")
        offenders += [f"internal_columns names {c}, which is no column"
                      for c in sorted(self.internal_columns - seen)]
        assert not offenders, _report(f"models of {self.plugin}", offenders)

    def test_models_match_the_migrations(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)
        tables = plugin_tables(kernel, manifest)
        diffs = migration_differences(kernel, tables)
        assert not diffs, _report(
            f"{self.plugin}'s models differ from its migrated tables (run "
            f"`suanpan makemigration {self.plugin} \"...\"`)", [_describe(d) for d in diffs])

    def test_migrations_are_one_branch_on_the_kernel(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)
        folder = migrate.plugin_versions(kernel).get(self.plugin)
        if folder is None:
            assert not plugin_tables(kernel, manifest), (
                f"{self.plugin} has tables but no migrations/versions/ folder")
            return
        script = ScriptDirectory.from_config(migrate.config(kernel))
        branch = [r for r in script.walk_revisions() if self.plugin in r.branch_labels]
        roots = [r for r in branch if not r.down_revision]
        assert len(roots) == 1, (
            f"{self.plugin} needs one first revision with branch_labels = ({self.plugin!r},); "
            f"found {[r.revision for r in roots]}")
        offenders = [f"{r.revision} lives in {Path(r.path).parent}, not {folder}"
                     for r in branch if Path(r.path).parent != folder]
        for r in branch:
            for fn in ("upgrade", "downgrade"):
                empty = _is_empty_function(Path(r.path), fn)
                if empty is not False:
                    offenders.append(f"{r.revision}: {fn}() " + ("is missing" if empty is None
                                                                  else "does nothing"))
        found = roots[0].dependencies or ()
        depends = {found} if isinstance(found, str) else set(found)
        kernel_revisions = {r.revision for r in script.iterate_revisions(f"{KERNEL}@head", "base")}
        if self.plugin == KERNEL and depends:
            offenders.append(f"the kernel's first revision depends on {sorted(depends)}")
        elif self.plugin != KERNEL and not depends & kernel_revisions:
            offenders.append(f"{roots[0].revision} does not depend on a kernel revision "
                             f"(depends_on = {sorted(depends)})")
        applied = {r.revision for h in migrate.current_heads(kernel)
                   for r in script.iterate_revisions(h, "base")}
        head = script.get_revision(f"{self.plugin}@head")
        if head is None or head.revision not in applied:
            offenders.append(f"the database is not at {self.plugin}@head: the `kernel` fixture "
                             "must migrate it")
        assert not offenders, _report(f"migrations of {self.plugin}", offenders)

    # -- translations --------------------------------------------------------

    def test_zh_cn_catalog_is_complete(self, kernel: Kernel) -> None:
        manifest = self.manifest(kernel)
        from core import messages
        domain = (messages.kernel_domain() if self.plugin == KERNEL
                  else messages.plugin_domain(manifest.path))
        problems = messages.problems(domain, "zh_CN")
        assert not problems, _report(
            f"message ids of {self.plugin} without a good zh_CN translation in "
            f"{domain.po_path('zh_CN')} (run scripts/messages.py, then translate)",
            [f"{reason}: {msgid!r}" for msgid, reason in problems])

    # -- workflows, datasets, jobs -------------------------------------------

    def test_workflows_run_on_the_plugins_own_models(self, kernel: Kernel) -> None:
        self.manifest(kernel)
        models = plugin_models(kernel, self.plugin)
        offenders = []
        for wf in declared(kernel, self.plugin, "register_workflows"):
            model = models.get(wf.model)
            if model is None:
                offenders.append(f"workflow {wf.model}: no model of {self.plugin} has that key")
                continue
            state = model.__table__.columns.get("state")
            if state is None:
                offenders.append(f"workflow {wf.model}: the model has no 'state' column")
                continue
            default = state.default.arg if state.default is not None else None
            if default != wf.initial:
                offenders.append(f"workflow {wf.model}: a new record starts in {default!r}, "
                                 f"not the initial state {wf.initial!r}")
            longest = max(wf.states, key=len)
            if isinstance(state.type, String) and state.type.length and len(longest) > state.type.length:
                offenders.append(f"workflow {wf.model}: state {longest!r} is longer than the column")
        assert not offenders, _report(f"workflows of {self.plugin}", offenders)

    def test_datasets_and_jobs_carry_the_plugin_prefix(self, kernel: Kernel) -> None:
        self.manifest(kernel)
        offenders = [f"dataset {d.key}" for d in declared(kernel, self.plugin, "register_report_datasets")
                     if not d.key.startswith(f"{self.plugin}.")]
        offenders += [f"job {j.name}" for j in declared(kernel, self.plugin, "register_jobs")
                      if not j.name.startswith(f"{self.plugin}.")]
        assert not offenders, _report(f"names without the prefix {self.plugin}.", offenders)

"""The plugin conformance checks (core/testing.py) applied to the kernel, to
the example third-party plugin, and to every in-repo plugin without any
per-plugin work; plus proof that the checks catch what they claim to."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    Base,
    Crud,
    DatasetDecl,
    Form,
    IdMixin,
    JobDecl,
    ListView,
    PermissionDecl,
    RoleDecl,
    RoleGrant,
    Routes,
    Transition,
    WorkflowDecl,
    hookimpl,
    model_permissions,
)
from core.app import Kernel
from core.config import Settings
from core.plugins import Manifest, discover
from core.testing import PluginConformance

ROOT = Path(__file__).resolve().parents[2]
PLUGINS_DIR = ROOT / "plugins"


# ------------------------------------------------------------------ the kernel


class TestKernelConformance(PluginConformance):
    """The kernel is the plugin ``core``: pages under core/templates/core/,
    documentation in docs/kernel.md."""

    plugin = "core"
    custom_actions = frozenset({"manage", "restore", "purge"})
    permission_groups = frozenset({"plugin", "recycle", "audit", "sequence"})
    internal_columns = frozenset({
        "core.org.path", "core.department.path",  # tree paths the kernel maintains
        "core.user.password_hash", "core.user.password_changed_at",
        "core.role.grants_all", "core.role.plugin",  # set by shipped roles, never edited
    })


# ------------------------------------------------------------------ the example plugin


class TestNotesConformance(PluginConformance):
    """What a third-party plugin's own test-suite writes (plus its docs_path)."""

    plugin = "notes"
    docs_path = ROOT / "tests" / "example_plugin" / "docs" / "notes.md"


# ------------------------------------------------------------------ in-repo plugins


def in_repo_entry_points() -> dict[str, str]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        project = tomllib.load(fh)["project"]
    return dict(project.get("entry-points", {}).get("suanpan.plugins", {}))


def in_repo_plugins() -> list[str]:
    """Installed plugins whose package lives under plugins/."""
    installed, _errors = discover()
    return sorted(n for n, m in installed.items() if m.path.resolve().is_relative_to(PLUGINS_DIR))


def plugin_packages() -> list[str]:
    if not PLUGINS_DIR.is_dir():
        return []
    return sorted(p.name for p in PLUGINS_DIR.iterdir() if (p / "__init__.py").is_file())


IN_REPO = in_repo_plugins()

#: what an in-repo plugin declares beyond the defaults (its actions outside
#: ACTIONS, documented in its docs/plugins/<name>.md)
DECLARED: dict[str, dict[str, object]] = {
    "crm": {"custom_actions": frozenset({"claim", "release"})},
    "sales": {"custom_actions": frozenset({"terminate", "pay", "void", "refund"})},
    "exhibitions": {"custom_actions": frozenset({"sell", "release", "confirm", "admit", "dispatch", "resolve",
                                                 "send", "accept", "review", "permit", "inspect", "deposit",
                                                 "plan"}),
                    "permission_groups": frozenset({"insights"})},
}

# One conformance class per in-repo plugin, made here: a new plugin is checked
# the day it has an entry point, with no test written for it.
for _name in IN_REPO:
    _cls = type(f"Test{_name.capitalize()}Conformance", (PluginConformance,),
                {"plugin": _name, **DECLARED.get(_name, {})})
    globals()[_cls.__name__] = _cls


def test_every_in_repo_plugin_gets_the_conformance_checks(example_plugin):
    # given the entry points pyproject.toml declares and the packages under plugins/
    declared = in_repo_entry_points()
    # then discovery finds exactly those, each a package of the same name
    assert "notes" in discover()[0], "discovery works (it finds the example plugin)"
    assert sorted(declared) == IN_REPO, (
        "installed in-repo plugins differ from pyproject.toml's entry points: "
        "reinstall the suite (make setup) after adding one")
    assert sorted(declared) == plugin_packages(), (
        "every package under plugins/ needs an entry point in pyproject.toml, and each entry "
        f"point a package: entry points {sorted(declared)}, packages {plugin_packages()}")
    assert all(value == f"plugins.{name}" for name, value in declared.items())
    # and each has its conformance class in this module
    generated = {n for n, v in globals().items()
                 if isinstance(v, type) and issubclass(v, PluginConformance) and n.startswith("Test")}
    assert {f"Test{n.capitalize()}Conformance" for n in IN_REPO} <= generated


# ------------------------------------------------------------------ the checks are not vacuous


class ShoddyThing(IdMixin, Base):
    """A model breaking the rules: no label, an unlabelled column, a column
    masked as a kind that does not exist, a state column whose default is not
    the workflow's initial state. Its table stays in
    ``Base.metadata`` for the session; no kernel counts it as its own, since no
    other test enables a plugin called ``shoddy``."""

    __tablename__ = "shoddy_thing"

    title: Mapped[str] = mapped_column(String(200))
    mobile: Mapped[str] = mapped_column(String(40), info={"label": "Mobile", "mask": "phnoe"})
    state: Mapped[str] = mapped_column(String(20), default="new", info={"label": "State"})


class ShoddyConformance(PluginConformance):
    """Not collected (no ``Test`` prefix): the checks are called by hand below."""

    plugin = "shoddy"


SHODDY_FILES = {
    "__init__.py": 'name = "shoddy"\nlabel = {"en": "Shoddy"}\n',
    "routes.py": 'from core import N_\nPAGE = "shoddy/missing.html"\nTITLE = N_("Things")\n',
    "templates/stray.html": "<p>outside the namespace</p>\n",
    "templates/shoddy/orphan.html": "<p>a fragment without an underscore</p>\n",
    "templates/shoddy/broken.html": "{% if %}\n",
    "templates/shoddy/page.html": '{% extends "base.html" %}\n',
    "templates/shoddy/thing_list.html": '{% extends "base.html" %}\n'
                                        '{% block content %}{% include "shoddy/row.html" %}{% endblock %}\n',
    "templates/shoddy/notes.txt": "not a template\n",
}

#: each check, and an offender it must report for the shoddy plugin
SHODDY_OFFENDERS = {
    "test_plugin_is_enabled_and_loaded_without_error": "label lacks ['zh_CN']",
    "test_routes_are_named_noun_view": "'Things'",
    "test_templates_the_routes_and_code_name_exist": "names shoddy/nowhere_detail.html",
    "test_templates_compile_and_what_they_include_exists": "include shoddy/row.html",
    "test_templates_are_namespaced_and_partials_start_with_underscore": "stray.html is outside",
    "test_pages_are_named_after_their_routes": "shoddy/page.html",
    "test_permission_codes_are_plugin_model_action": "'frobnicate' is not in ACTIONS",
    "test_every_permission_used_is_declared": "grants 'shoddy.thing.read' with scope 'everywhere'",
    "test_every_permission_code_is_documented": "has no documentation at",
    "test_models_and_states_are_documented": "has no documentation at",
    "test_models_are_named_and_labelled": "column shoddy.thing.title has no info",
    "test_models_match_the_migrations": "add_table shoddy_thing",
    "test_migrations_are_one_branch_on_the_kernel": "has tables but no migrations/versions/ folder",
    "test_zh_cn_catalog_is_complete": "missing (no catalog): 'Things'",
    "test_workflows_run_on_the_plugins_own_models": "starts in 'new', not the initial state 'draft'",
    "test_datasets_and_jobs_carry_the_plugin_prefix": "dataset things",
}


def shoddy_hooks(package: str) -> ModuleType:
    """register_* hooks declaring one of each mistake the checks look for."""
    routes = Routes()
    routes.get("/things", name="Things", permission="shoddy.thing.read")(lambda ctx: None)
    Crud(model=ShoddyThing, noun="thing", path="", title="Things", list_view=ListView(ShoddyThing, []),
         form=Form([]), create=lambda db, actor, values: ShoddyThing(),
         update=lambda db, actor, record, values: None, detail_fields=[],
         detail_template="shoddy/nowhere_detail.html").register(routes)
    draft = WorkflowDecl("shoddy.thing", ("draft", "done"), "draft",
                         (Transition("finish", ("draft",), "done", "shoddy.thing.update"),))
    hooks = {
        "register_models": lambda: [ShoddyThing],
        "register_permissions": lambda: [
            *model_permissions(ShoddyThing, ("read", "create", "update")),
            PermissionDecl("shoddy.thing.frobnicate", "Frobnicate")],
        "register_roles": lambda: [RoleDecl("clerk", "职员", "Clerk",
                                            grants={"shoddy.thing.read": "everywhere"})],
        "register_role_grants": lambda: [RoleGrant("nobody.clerk", {"shoddy.thing.read": "own"}),
                                         RoleGrant("shoddy.clerk", {"shoddy.thing.paint": "own"})],
        "register_routes": lambda: routes,
        "register_workflows": lambda: [draft],
        "register_report_datasets": lambda: [DatasetDecl("things", "Things", ShoddyThing, ("state",),
                                                         {"n": "count"})],
        "register_jobs": lambda: [JobDecl("cleanup", lambda: None, "0 3 * * *")],
    }
    module = ModuleType(package)
    module.__path__ = []  # type: ignore[attr-defined]  # no <package>.hookspecs
    for name, fn in hooks.items():
        fn.__name__ = name
        setattr(module, name, hookimpl(fn))
    return module


@pytest.fixture
def shoddy(kernel: Kernel, base_settings: Settings, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Kernel]:
    """A kernel with the shoddy plugin loaded, on the fixture kernel's emptied database."""
    package = tmp_path / "suanpan_shoddy"
    for name, text in SHODDY_FILES.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    module = shoddy_hooks("suanpan_shoddy")
    monkeypatch.setitem(sys.modules, "suanpan_shoddy", module)
    manifest = Manifest(name="shoddy", module="suanpan_shoddy", path=package, label={"en": "Shoddy"})
    k = Kernel(base_settings, extra_plugins=[(manifest, module)])
    assert "shoddy" in k.enabled, k.errors
    yield k
    k.db.dispose()


@pytest.mark.parametrize("check", sorted(SHODDY_OFFENDERS))
def test_a_check_names_the_offender_of_a_plugin_breaking_its_rule(shoddy, check):
    # given a plugin that loads but breaks every convention the checks know
    # when a check runs on it
    with pytest.raises(AssertionError) as failed:
        getattr(ShoddyConformance(), check)(shoddy)
    # then it fails, naming what is wrong
    assert SHODDY_OFFENDERS[check] in str(failed.value)


def test_grants_to_an_unknown_role_or_of_an_unknown_code_are_named(shoddy):
    with pytest.raises(AssertionError) as failed:
        ShoddyConformance().test_every_permission_used_is_declared(shoddy)
    assert "grants to an unknown role 'nobody.clerk'" in str(failed.value)
    assert "grants 'shoddy.thing.paint' to shoddy.clerk" in str(failed.value)


def test_a_column_masked_as_an_unknown_kind_is_named(shoddy):
    with pytest.raises(AssertionError) as failed:
        ShoddyConformance().test_models_are_named_and_labelled(shoddy)
    assert "column shoddy.thing.mobile masks as 'phnoe'" in str(failed.value)


def test_every_check_has_a_plugin_that_fails_it():
    checks = {name for name in dir(PluginConformance) if name.startswith("test_")}
    assert checks == set(SHODDY_OFFENDERS)

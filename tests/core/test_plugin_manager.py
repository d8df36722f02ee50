"""The plugin manager: static manifests, dependency order, and one clear
error per broken plugin while the rest of the suite starts and serves.

Plugins here are real distributions written into a folder on ``sys.path``
(a ``.dist-info`` with an entry point, as pip would install them), or
throwaway hook modules passed to ``Kernel(extra_plugins=...)``.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

import pluggy
import pytest
from sqlalchemy import select

from core import PUBLIC, Routes, hookimpl
from core.app import Kernel
from core.plugins import Manifest, PluginError, PluginManager, discover, read_manifest, resolve

WRITER = ("notes.writer",)


class Site:
    """A folder on ``sys.path`` to install throwaway plugin distributions into."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.token = uuid4().hex[:8]

    def install(self, name: str, *, depends: tuple[str, ...] = ("core",), hooks: str = "",
                init: str = "", hookspecs: str | None = None, entry_point: str | None = None) -> str:
        """Write package ``<name>_<token>`` and its dist-info; return the package name."""
        package = f"{name}_{self.token}"
        folder = self.root / package
        folder.mkdir()
        (folder / "__init__.py").write_text(
            f"name = {name!r}\nlabel = {{'en': {name.title()!r}}}\nversion = '1.2.3'\n"
            f"depends = {list(depends)!r}\n" + textwrap.dedent(init), encoding="utf-8")
        (folder / "hooks.py").write_text(
            "from core import hookimpl\n" + textwrap.dedent(hooks), encoding="utf-8")
        if hookspecs is not None:
            (folder / "hookspecs.py").write_text(
                "from core import hookspec\n" + textwrap.dedent(hookspecs), encoding="utf-8")
        dist = self.root / f"{package}-1.2.3.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.2.3\n", encoding="utf-8")
        (dist / "entry_points.txt").write_text(
            f"[suanpan.plugins]\n{entry_point or name} = {package}\n", encoding="utf-8")
        return package


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    root = tmp_path / "site-packages"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))  # also invalidates the import caches
    return Site(root)


def throwaway(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
              **hooks: Callable[..., Any]) -> tuple[Manifest, ModuleType]:
    """A (manifest, hooks module) pair for ``Kernel(extra_plugins=...)``."""
    package = f"suanpan_test_{name}_{uuid4().hex[:8]}"
    module = ModuleType(package)
    module.__path__ = []  # a package without submodules: no <package>.hookspecs
    monkeypatch.setitem(sys.modules, package, module)
    for hook_name, fn in hooks.items():
        setattr(module, hook_name, hookimpl(fn))
    return Manifest(name=name, module=package, path=tmp_path), module


@pytest.fixture
def serves_notes(browser: Callable[..., Any], make: Any) -> Callable[[Kernel], None]:
    """Check that the suite starts and a note writer can work: the broken
    plugin took nothing else down."""

    def check(kernel: Kernel) -> None:
        assert "notes" in kernel.enabled
        writer = make.user(roles=WRITER)
        client = browser(kernel)
        assert client.get("/login").status_code == 200
        client.login(writer.username)
        assert client.get("/").status_code == 200
        assert client.get("/notes/").status_code == 200

    return check


def manifest(name: str, *depends: str) -> Manifest:
    return Manifest(name=name, module=name, path=Path("."), depends=depends)


def manifests(*items: Manifest) -> dict[str, Manifest]:
    return {m.name: m for m in items}


# ----------------------------------------------------------------- resolve()


def test_resolve_puts_dependencies_first_and_ignores_the_kernel():
    found = manifests(manifest("sales", "core", "crm"), manifest("crm", "core"),
                      manifest("printing"))
    order, errors = resolve(found, ["sales", "printing", "crm"])
    assert errors == {}
    assert order.index("crm") < order.index("sales")
    assert sorted(order) == ["crm", "printing", "sales"]


def test_resolve_reports_a_dependency_cycle_for_each_member_and_its_dependants():
    found = manifests(manifest("alpha", "beta"), manifest("beta", "alpha"),
                      manifest("gamma", "alpha"), manifest("crm"))
    order, errors = resolve(found, found)
    assert order == ["crm"]
    assert errors["alpha"] == "dependency cycle: alpha -> beta -> alpha"
    assert errors["beta"] == "dependency cycle: alpha -> beta -> alpha"
    assert errors["gamma"] == "depends on 'alpha', which cannot be loaded"


def test_resolve_reports_a_missing_dependency():
    found = manifests(manifest("sales", "crm"), manifest("printing"))
    order, errors = resolve(found, found)
    assert order == ["printing"]
    assert errors == {"sales": "depends on 'crm', which is not installed"}


def test_resolve_reports_a_disabled_dependency():
    found = manifests(manifest("sales", "crm"), manifest("crm"), manifest("printing"))
    order, errors = resolve(found, ["sales", "printing"])
    assert order == ["printing"]
    assert errors == {"sales": "depends on 'crm', which is not enabled"}


def test_resolve_reports_a_wanted_plugin_that_is_not_installed():
    order, errors = resolve(manifests(manifest("crm")), ["crm", "ghost"])
    assert order == ["crm"]
    assert errors == {"ghost": "is not installed"}


# ----------------------------------------------------------------- manifests


def test_manifest_is_read_without_executing_plugin_code(site):
    package = site.install("quiet", init="""
        optional_depends = ["printing"]
        default_enabled = False
        description = {"zh_CN": "安静", "en": "Quiet"}
        raise RuntimeError("plugin code ran while reading the manifest")
        """)
    found = read_manifest(package)
    assert package not in sys.modules
    assert found.name == "quiet"
    assert found.module == package
    assert found.path == site.root / package
    assert found.label_for("en") == "Quiet"
    assert found.label_for("zh_CN") == "Quiet"  # falls back to English, then to the name
    assert (found.version, found.depends, found.optional_depends) == ("1.2.3", ("core",),
                                                                      ("printing",))
    assert found.default_enabled is False
    assert found.description["zh_CN"] == "安静"


def test_discovery_reads_entry_points_without_importing_the_plugins(site):
    package = site.install("quiet", init='raise RuntimeError("imported")\n')
    found, errors = discover()
    assert found["quiet"].module == package
    assert "quiet" not in errors
    assert package not in sys.modules


def test_a_manifest_field_that_is_not_a_literal_is_an_error_naming_the_plugin(site):
    package = site.install("clever", init="version = str(1 + 1)\n")
    with pytest.raises(PluginError, match=rf"plugin '{package}': manifest field 'version' is not "
                                          "a literal"):
        read_manifest(package)
    _found, errors = discover()
    assert "not a literal" in errors["clever"]


def test_a_manifest_without_a_name_is_refused(site):
    package = site.install("nameless")
    init = site.root / package / "__init__.py"
    init.write_text(init.read_text().replace("name = 'nameless'\n", ""))
    with pytest.raises(PluginError, match="manifest has no 'name'"):
        read_manifest(package)


def test_an_entry_point_naming_another_plugin_is_refused(site):
    site.install("real", entry_point="alias")
    found, errors = discover()
    assert "alias" not in found and "real" not in found
    assert errors["alias"] == "entry point 'alias' names a plugin called 'real'"


# ----------------------------------------------------------------- the kernel starts anyway


def test_a_dependency_cycle_leaves_its_members_out_and_the_suite_serves(site, start, serves_notes):
    site.install("alpha", depends=("core", "beta"))
    site.install("beta", depends=("core", "alpha"))
    kernel = start()
    assert kernel.errors["alpha"] == "dependency cycle: alpha -> beta -> alpha"
    assert kernel.errors["beta"] == "dependency cycle: alpha -> beta -> alpha"
    assert not {"alpha", "beta"} & set(kernel.enabled)
    serves_notes(kernel)


def test_a_missing_dependency_leaves_the_plugin_out_and_the_suite_serves(site, start, serves_notes):
    site.install("deals", depends=("core", "leadbook"))
    kernel = start()
    assert kernel.errors["deals"] == "depends on 'leadbook', which is not installed"
    assert "deals" not in kernel.enabled
    serves_notes(kernel)


def test_a_disabled_dependency_leaves_the_plugin_out_and_the_suite_serves(site, start, serves_notes):
    site.install("leadbook")
    site.install("deals", depends=("core", "leadbook"))
    kernel = start(plugins={"notes", "deals"})
    assert kernel.errors == {"deals": "depends on 'leadbook', which is not enabled"}
    assert kernel.enabled == ["notes"]
    serves_notes(kernel)


def test_a_hooks_module_that_fails_to_import_leaves_out_the_plugin_and_its_dependants(
    site, start, serves_notes
):
    site.install("broken", hooks='raise RuntimeError("boom")\n')
    site.install("fan", depends=("core", "broken"))
    kernel = start()
    assert kernel.errors["broken"] == "failed to import: RuntimeError: boom"
    assert kernel.errors["fan"] == "depends on 'broken', which failed to load"
    assert not {"broken", "fan"} & set(kernel.enabled)
    serves_notes(kernel)


def test_a_hookimpl_with_an_argument_the_hook_does_not_have_leaves_the_plugin_out(
    site, start, serves_notes
):
    site.install("sloppy", hooks="""
        @hookimpl
        def record_panels(session, model, record, actor):
            return []
        """)
    kernel = start()
    assert "sloppy" not in kernel.enabled
    assert kernel.errors["sloppy"].startswith("failed to import: PluginValidationError")
    assert "record_panels" in kernel.errors["sloppy"]
    serves_notes(kernel)


def test_a_route_with_an_undeclared_permission_drops_its_plugin(start, serves_notes, monkeypatch,
                                                                tmp_path):
    routes = Routes()
    routes.get("/", name="thing_list", permission="ghost.thing.read")(lambda ctx: None)
    routes.get("/about", name="about", permission=PUBLIC)(lambda ctx: None)
    ghost = throwaway("ghost", monkeypatch, tmp_path, register_routes=lambda: routes)
    kernel = start(extra_plugins=[ghost])
    assert kernel.errors["ghost"] == "routes without a declared permission: thing_list"
    assert "ghost" not in kernel.enabled
    assert "ghost" not in kernel.routes
    serves_notes(kernel)


def test_dropping_a_plugin_for_its_routes_drops_its_dependants_too(start, monkeypatch, tmp_path):
    routes = Routes()
    routes.get("/", name="thing_list", permission="ghost.thing.read")(lambda ctx: None)
    ghost = throwaway("ghost", monkeypatch, tmp_path, register_routes=lambda: routes)
    fan_manifest, fan = throwaway("fan", monkeypatch, tmp_path)
    fan_manifest = Manifest(name="fan", module=fan_manifest.module, path=tmp_path,
                            depends=("ghost",))
    kernel = start(extra_plugins=[ghost, (fan_manifest, fan)])
    assert "ghost" not in kernel.enabled
    assert "fan" not in kernel.enabled
    assert kernel.errors["fan"] == "depends on 'ghost', which failed to load"


def test_dropping_a_plugin_for_its_routes_forgets_what_it_declared(start, monkeypatch, tmp_path):
    from core import PermissionDecl, RoleDecl

    routes = Routes()
    routes.get("/", name="thing_list", permission="ghost.thing.read")(lambda ctx: None)
    ghost = throwaway(
        "ghost", monkeypatch, tmp_path, register_routes=lambda: routes,
        register_permissions=lambda: [PermissionDecl("ghost.thing.export")],
        register_roles=lambda: [RoleDecl("haunter", "鬼", "Ghost",
                                          grants={"ghost.thing.export": "all"})],
    )
    kernel = start(extra_plugins=[ghost])
    assert "ghost" not in kernel.enabled
    assert "ghost.thing.export" not in kernel.registry.permissions
    assert ("ghost", "haunter") not in kernel.registry.roles


# ----------------------------------------------------------------- hook validation


def test_check_pending_rejects_a_misspelled_hookimpl():
    module = ModuleType("typo_hooks")

    @hookimpl
    def register_modles():
        return []

    module.register_modles = register_modles  # type: ignore[attr-defined]
    pm = PluginManager()
    pm.register(module, name="typo")
    with pytest.raises(pluggy.PluginValidationError, match="register_modles") as caught:
        pm.check_pending()
    assert caught.value.plugin is module


def test_a_misspelled_hookimpl_leaves_its_plugin_out(site, start):
    # Like every other plugin error: the plugin is left out, named, and the
    # suite starts (a hook renamed in an upgrade must not stop an installation).
    site.install("typo", hooks="""
        @hookimpl
        def register_modles():
            return []
        """)
    kernel = start()
    assert kernel.errors["typo"] == "implements unknown hook 'register_modles'"
    assert "typo" not in kernel.enabled


def test_a_service_plugin_declares_prefixed_hooks_that_other_plugins_implement(site, start):
    site.install("board", hookspecs="""
        @hookspec
        def board_widgets() -> list[str]:
            \"\"\"Return widget names for the dashboard.\"\"\"
        """)
    site.install("deals", depends=("core", "board"), hooks="""
        @hookimpl
        def board_widgets():
            return ["sales.pipeline"]
        """)
    kernel = start()
    assert not {"board", "deals"} & set(kernel.errors)
    assert kernel.pm.hook.board_widgets() == [["sales.pipeline"]]


def test_an_optional_hookimpl_of_a_disabled_service_plugin_is_harmless(site, start, serves_notes):
    site.install("board", hookspecs="""
        @hookspec
        def board_widgets() -> list[str]:
            \"\"\"Return widget names for the dashboard.\"\"\"
        """)
    site.install("deals", init="optional_depends = ['board']\n", hooks="""
        @hookimpl(optionalhook=True)
        def board_widgets():
            return ["sales.pipeline"]
        """)
    kernel = start(plugins={"notes", "deals"})
    assert sorted(kernel.enabled) == ["deals", "notes"]
    assert not kernel.errors
    serves_notes(kernel)


# ----------------------------------------------------------------- grants to other plugins' roles


def test_register_role_grants_adds_a_plugins_codes_to_another_plugins_role(start, monkeypatch, tmp_path):
    from core import PermissionDecl, RoleGrant
    from core.admin.services import sync_shipped_roles
    from core.models import Role, RolePermission

    # given a plugin that gives its export right to the example plugin's writer role,
    # and a grant to a role nobody ships
    ledger = throwaway(
        "ledger", monkeypatch, tmp_path,
        register_permissions=lambda: [PermissionDecl("ledger.entry.export", "Export entries")],
        register_role_grants=lambda: [RoleGrant("notes.writer", {"ledger.entry.export": "own"}),
                                      RoleGrant("nobody.clerk", {"ledger.entry.export": "all"})],
    )
    kernel = start(extra_plugins=[ledger])
    assert "ledger" in kernel.enabled
    with kernel.db.session() as db:
        # when the shipped roles are synchronised
        sync_shipped_roles(db, kernel.registry)
        writer = db.scalar(select(Role).where(Role.key == "notes.writer"))
        assert writer is not None
        # then the writer holds the code with its scope, next to its own grants
        grants = {p.code: p.scope for p in writer.permissions}
        assert grants["ledger.entry.export"] == "own"
        assert grants["notes.note.read"] == "own"
        assert db.scalar(select(Role).where(Role.key == "nobody.clerk")) is None
        # and an administrator's narrower scope survives the next sync
        changed = db.scalar(select(RolePermission).where(RolePermission.role_id == writer.id,
                                                         RolePermission.code == "ledger.entry.export"))
        assert changed is not None
        changed.scope = "department"
        db.flush()
        sync_shipped_roles(db, kernel.registry)
        db.refresh(changed)
        assert changed.scope == "department"

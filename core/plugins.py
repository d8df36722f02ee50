"""Plugin discovery, static manifests, dependency ordering and loading.

A plugin is a Python package announced through the entry-point group
``suanpan.plugins``. Its ``__init__.py`` holds the manifest as plain
assignments (``name``, ``label``, ``version``, ``depends``, ...), read with
``ast`` without executing any plugin code (design rule 1). Its ``hooks``
module holds the ``@hookimpl`` functions and is imported only when the
plugin is enabled.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from core import hookspecs

ENTRY_POINT_GROUP = "suanpan.plugins"
NAME_RE = re.compile(r"[a-z][a-z0-9]{1,30}")
KERNEL = "core"
_MANIFEST_KEYS = {"name", "label", "version", "depends", "optional_depends", "default_enabled",
                  "description"}


@dataclass(frozen=True)
class Manifest:
    name: str
    module: str
    path: Path
    label: Mapping[str, str] = field(default_factory=dict)
    version: str = "0"
    depends: tuple[str, ...] = ()
    optional_depends: tuple[str, ...] = ()
    default_enabled: bool = True
    description: Mapping[str, str] = field(default_factory=dict)

    def label_for(self, locale: str) -> str:
        return self.label.get(locale) or self.label.get("en") or self.name


class PluginError(Exception):
    """A plugin could not be read or loaded; the message names it and says why."""


def read_manifest(module: str) -> Manifest:
    """Read a plugin's manifest from its ``__init__.py`` without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin or not spec.submodule_search_locations:
        raise PluginError(f"plugin module {module!r} is not an importable package")
    origin = Path(spec.origin)
    tree = ast.parse(origin.read_text(encoding="utf-8"), filename=str(origin))
    # literal_eval gives Any: the manifest's literals are whatever the plugin wrote
    values: dict[str, Any] = {}
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and value is not None and target.id in _MANIFEST_KEYS:
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError as exc:
                raise PluginError(
                    f"plugin {module!r}: manifest field {target.id!r} is not a literal"
                ) from exc
    if "name" not in values:
        raise PluginError(f"plugin {module!r}: manifest has no 'name'")
    if not NAME_RE.fullmatch(str(values["name"])):
        raise PluginError(f"plugin {module!r}: name {values['name']!r} must match {NAME_RE.pattern} "
                          "(it prefixes tables, permissions and routes)")
    return Manifest(
        name=str(values["name"]),
        module=module,
        path=origin.parent,
        label=dict(values.get("label", {})),
        version=str(values.get("version", "0")),
        depends=tuple(values.get("depends", ())),
        optional_depends=tuple(values.get("optional_depends", ())),
        default_enabled=bool(values.get("default_enabled", True)),
        description=dict(values.get("description", {})),
    )


def discover() -> tuple[dict[str, Manifest], dict[str, str]]:
    """Find installed plugins; return their manifests and the errors met."""
    manifests: dict[str, Manifest] = {}
    errors: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            manifest = read_manifest(ep.value)
        except (PluginError, SyntaxError, ImportError) as exc:
            errors[ep.name] = str(exc)
            continue
        if manifest.name != ep.name:
            errors[ep.name] = f"entry point {ep.name!r} names a plugin called {manifest.name!r}"
            continue
        manifests[manifest.name] = manifest
    return manifests, errors


def resolve(
    manifests: Mapping[str, Manifest], wanted: Iterable[str]
) -> tuple[list[str], dict[str, str]]:
    """Order the wanted plugins so that dependencies come first.

    Returns the load order and, for each plugin left out, the reason: an
    unknown or disabled dependency, or a dependency cycle. A plugin left out
    takes every plugin that depends on it along.
    """
    wanted_set = set(wanted)
    errors: dict[str, str] = {}
    order: list[str] = []
    state: dict[str, str] = {}  # "visiting" | "done" | "failed"

    def visit(name: str, chain: tuple[str, ...]) -> bool:
        if state.get(name) == "done":
            return True
        if state.get(name) == "failed":
            return False
        if state.get(name) == "visiting":
            cycle = " -> ".join((*chain[chain.index(name):], name))
            for member in chain[chain.index(name):]:
                errors.setdefault(member, f"dependency cycle: {cycle}")
                state[member] = "failed"
            return False
        state[name] = "visiting"
        manifest = manifests[name]
        for dep in manifest.depends:
            if dep == KERNEL:
                continue
            if dep not in manifests:
                errors[name] = f"depends on {dep!r}, which is not installed"
            elif dep not in wanted_set:
                errors[name] = f"depends on {dep!r}, which is not enabled"
            elif not visit(dep, (*chain, name)):
                errors.setdefault(name, f"depends on {dep!r}, which cannot be loaded")
            if name in errors:
                state[name] = "failed"
                return False
        if state.get(name) == "failed":
            return False
        state[name] = "done"
        order.append(name)
        return True

    for name in sorted(wanted_set):
        if name not in manifests:
            errors[name] = "is not installed"
            continue
        visit(name, ())
    return order, errors


class PluginManager(pluggy.PluginManager):
    """pluggy's manager with the kernel's specs, plus the manifests loaded."""

    def __init__(self) -> None:
        super().__init__("suanpan")
        self.add_hookspecs(hookspecs)
        self.manifests: dict[str, Manifest] = {}
        self.errors: dict[str, str] = {}

    def load(
        self, manifests: Mapping[str, Manifest], order: Iterable[str],
        *, modules: Mapping[str, ModuleType] | None = None,
    ) -> None:
        """Import and register each plugin in ``order``; record failures.

        ``modules`` gives hooks modules directly (tests, embedded plugins)
        instead of importing ``<package>.hooks``.
        """
        modules = modules or {}
        for name in order:
            manifest = manifests[name]
            failed = [d for d in manifest.depends if d in self.errors]
            if failed:
                self.errors[name] = f"depends on {failed[0]!r}, which failed to load"
                continue
            try:
                self.register_plugin(manifest, hooks=modules.get(name))
            except Exception as exc:  # noqa: BLE001 - any import error must not stop the suite
                self.errors[name] = f"failed to import: {type(exc).__name__}: {exc}"

    def register_plugin(self, manifest: Manifest, hooks: ModuleType | None = None) -> None:
        specs = _optional_module(f"{manifest.module}.hookspecs")
        hooks = hooks or importlib.import_module(f"{manifest.module}.hooks")
        if specs is not None:
            self.add_hookspecs(specs)
        self.register(hooks, name=manifest.name)
        self.manifests[manifest.name] = manifest


def _optional_module(name: str) -> ModuleType | None:
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:  # the parent is a plain module, not a package
        return None
    return importlib.import_module(name)

"""The hook contract keeps its promises (house style, habits 2-4):

* every hook in core/hookspecs.py is documented in docs/plugins.md under a
  heading of its name, with its exact signature and whether the first result wins;
* every hook has a test somewhere under tests/;
* the kernel never imports a plugin;
* plugins import the kernel through its public surface ``core`` only.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from types import FunctionType

import core
from core import hookspecs
from core.plugins import discover

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins.md"
THIS = Path(__file__).resolve()
HEADING = re.compile(r"^(#{2,4})\s+`?(\w+)`?\s*$")


def hooks() -> dict[str, FunctionType]:
    return {
        name: fn for name, fn in vars(hookspecs).items()
        if isinstance(fn, FunctionType) and hasattr(fn, "suanpan_spec")
    }


def signature_line(fn: FunctionType) -> str:
    """``def name(arg: Type, ...) -> Return:`` as written in hookspecs.py."""
    params = []
    for p in inspect.signature(fn).parameters.values():
        params.append(p.name if p.annotation is inspect.Parameter.empty
                      else f"{p.name}: {p.annotation}")
    ret = fn.__annotations__.get("return")
    arrow = f" -> {ret}" if ret is not None else ""
    return f"def {fn.__name__}({', '.join(params)}){arrow}:"


def squash(text: str) -> str:
    """Compare code without caring how it is wrapped."""
    return re.sub(r"\s+", "", text).replace(",)", ")")


def guide_sections() -> dict[str, str]:
    """Each heading of the guide that names a single identifier, with its body."""
    sections: dict[str, str] = {}
    current: str | None = None
    level = 0
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        match = HEADING.match(line)
        if match:
            current, level = match.group(2), len(match.group(1))
            sections[current] = ""
        elif line.startswith("#") and current is not None and len(line) - len(
                line.lstrip("#")) <= level:
            current = None
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


# ----------------------------------------------------------------- documented


def test_the_contract_has_the_hooks_the_guide_is_built_around():
    assert {"register_models", "record_panels", "on_record_deleted"} <= set(hooks())


def test_every_hook_is_documented_with_its_exact_signature():
    sections = guide_sections()
    missing = sorted(name for name in hooks() if name not in sections)
    assert not missing, f"hooks without a heading in docs/plugins.md: {', '.join(missing)}"
    wrong = []
    for name, fn in hooks().items():
        expected = signature_line(fn)
        blocks = python_blocks(sections[name])
        if not blocks or squash(expected) not in squash(blocks[0]):
            wrong.append(f"{name}: expected `{expected}` in the first python block")
    assert not wrong, "docs/plugins.md signatures differ from the code:\n" + "\n".join(wrong)


def test_every_hook_says_whether_the_first_result_wins():
    sections = guide_sections()
    wrong = []
    for name, fn in hooks().items():
        expected = "yes" if fn.suanpan_spec["firstresult"] else "no"  # type: ignore[attr-defined]
        found = re.search(r"firstresult:\*?\*?\s*(yes|no)", sections.get(name, ""), re.I)
        if found is None or found.group(1).lower() != expected:
            wrong.append(f"{name}: should say 'firstresult: {expected}'")
    assert not wrong, "\n".join(wrong)


def test_the_guide_documents_no_hook_that_does_not_exist():
    text = GUIDE.read_text(encoding="utf-8")
    reference = text.split("## Hook reference", 1)[1].split("\n## ", 1)[0]
    documented = {m.group(2) for line in reference.splitlines() if (m := HEADING.match(line))
                  and line.startswith("### ")}
    stale = sorted(documented - set(hooks()))
    assert not stale, f"docs/plugins.md documents hooks that hookspecs.py lacks: {stale}"


def test_the_guide_covers_the_whole_public_surface():
    text = GUIDE.read_text(encoding="utf-8")
    missing = sorted(name for name in core.__all__ if f"`{name}`" not in text)
    assert not missing, f"names core exports that docs/plugins.md never mentions: {missing}"


# ----------------------------------------------------------------- tested


def bodies_of_tests(path: Path) -> Iterator[str]:
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test_"):
            yield ast.get_source_segment(source, node) or ""


def test_every_hook_has_a_test():
    bodies = [
        body
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        if path.resolve() != THIS and "build" not in path.parts
        for body in bodies_of_tests(path)
    ]
    untested = sorted(name for name in hooks()
                      if not any(name in body for body in bodies))
    assert not untested, f"hooks that no test mentions: {', '.join(untested)}"


# ----------------------------------------------------------------- imports


def imported_modules(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) of each absolute import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module, [a.name for a in node.names]


def test_the_kernel_never_imports_a_plugin(example_plugin):
    installed, _errors = discover()
    assert "notes" in installed
    plugin_packages = {"plugins"} | {m.module.split(".")[0] for m in installed.values()}
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "core").rglob("*.py"))
        for line, module, _names in imported_modules(path)
        if module.split(".")[0] in plugin_packages
    ]
    assert not offences, "\n".join(offences)


def plugin_sources() -> Iterator[Path]:
    """Plugin code: in-repo plugins and the example third-party plugin.

    Migration versions are left out: Alembic renders column types by their
    defining module (``core.db.UTCDateTime``), so they import ``core.db``.
    """
    roots = [ROOT / "plugins", ROOT / "tests" / "example_plugin"]
    for root in roots:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else ():
            parts = path.relative_to(root).parts
            if "build" in parts or "versions" in parts or any(p.endswith(".egg-info") for p in parts):
                continue
            yield path


def test_plugins_import_the_kernel_only_through_core():
    public = set(core.__all__)
    offences = []
    for path in plugin_sources():
        for line, module, names in imported_modules(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if module.startswith("core."):
                offences.append(f"{where} imports the private module {module}")
            elif module == "core":
                offences += [f"{where} imports {n}, which core does not export"
                             for n in names if n not in public]
    assert not offences, "plugins must import from core only:\n" + "\n".join(offences)


def test_the_import_rules_see_the_example_plugin():
    sources = {p.name for p in plugin_sources()}
    assert {"__init__.py", "hooks.py", "models.py"} <= sources

"""The sandbox every print template runs in, the plugin's defaults and the
administrators' versions alike (design rule 9).

A template sees only what the engine hands it (``doc``, ``text``, ``fields``,
``org``, ``print``, ``lang`` and ``_``): plain values, never ORM objects.
Jinja's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` refuses
attributes that start with an underscore and any change to those values;
the loader serves one template only, the kernel's ``print/layout.html``.
:func:`problems` finds what would fail before a template is saved, with the
line it is on; :func:`render` turns every failure at run time into a
:class:`TemplateProblem` saying what went wrong, and where.
"""

from __future__ import annotations

import traceback
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from threading import Lock
from typing import Any

from jinja2 import (
    BaseLoader,
    Environment,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    nodes,
    pass_context,
)
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from core import N_
from plugins.printing import formats

#: the one template a print template may extend (a theme may override it)
LAYOUT = "print/layout.html"
#: how much HTML a template may write before it is stopped
MAX_OUTPUT_CHARS = 5_000_000
#: compiled templates kept per process, by their source
CACHE_SIZE = 64


@dataclass(eq=False)
class TemplateProblem(Exception):
    """Why a template cannot print: a message id with its ``params``, and the
    line (of the template, or of the layout when ``in_layout``)."""

    message: str
    line: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    in_layout: bool = False

    def __str__(self) -> str:
        return self.message.format(**self.params) + (f" (line {self.line})" if self.line else "")


class LayoutOnlyLoader(BaseLoader):
    """Serves ``print/layout.html`` from the kernel's loader (so a theme's
    overrides it), and nothing else: no file, no other template."""

    def __init__(self, kernel_loader: BaseLoader) -> None:
        self.kernel_loader = kernel_loader

    def get_source(self, environment: Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template != LAYOUT:
            raise TemplateNotFound(template)
        return self.kernel_loader.get_source(environment, template)


# ------------------------------------------------------------------ filters


def _filter(fmt: Callable[..., str]) -> Callable[..., str]:
    """A format of :mod:`plugins.printing.formats` as a filter, in the print's
    language; a masked value prints as it is."""

    @pass_context
    def apply(context: Context, value: Any, *args: Any) -> str:
        if isinstance(value, formats.Masked):
            return str(value)
        return fmt(value, context.get("lang", "zh_CN"), *args)

    return apply


def _upper(value: Any) -> str:
    return str(value) if isinstance(value, formats.Masked) else formats.upper(value)


FILTERS: dict[str, Callable[..., str]] = {
    "money": _filter(formats.money), "number": _filter(formats.number), "date": _filter(formats.when),
    "datetime": _filter(formats.moment), "rmb_upper": _upper,
}


# ------------------------------------------------------------------ environment


class Sandbox:
    """One sandboxed environment per kernel, with compiled templates cached."""

    def __init__(self, kernel_loader: BaseLoader) -> None:
        self.env = ImmutableSandboxedEnvironment(
            loader=LayoutOnlyLoader(kernel_loader), autoescape=True, undefined=StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, auto_reload=True)
        self.env.filters.update(FILTERS)
        self.env.globals.pop("lipsum", None)
        self._compiled: OrderedDict[str, Template] = OrderedDict()
        self._lock = Lock()

    def compile(self, source: str) -> Template:
        """The template of ``source``, checked (:func:`problems`) and compiled once."""
        key = sha256(source.encode()).hexdigest()
        with self._lock:
            found = self._compiled.get(key)
            if found is not None:
                self._compiled.move_to_end(key)
                return found
        found_problems = problems(self.env, source)
        if found_problems:
            raise found_problems[0]
        template = self.env.from_string(source)
        with self._lock:
            self._compiled[key] = template
            while len(self._compiled) > CACHE_SIZE:
                self._compiled.popitem(last=False)
        return template

    def render(self, source: str, context: Mapping[str, Any]) -> str:
        """The HTML ``source`` writes for ``context``, or TemplateProblem."""
        template = self.compile(source)
        out: list[str] = []
        size = 0
        try:
            for chunk in template.generate(dict(context)):
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    raise TemplateProblem(N_("The template wrote more than {mb} MB of HTML; it was stopped."),
                                          params={"mb": MAX_OUTPUT_CHARS // 1_000_000})
                out.append(chunk)
        except TemplateProblem:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure of a template is the author's to see
            raise _runtime_problem(exc) from exc
        return "".join(out)


def _runtime_problem(exc: Exception) -> TemplateProblem:
    line, in_layout = _line_of(exc)
    error = str(exc) or type(exc).__name__
    if isinstance(exc, SecurityError):
        message = N_("The template reached for something a print may not read: {error}")
    elif isinstance(exc, UndefinedError):
        message = N_("The template names something the document does not have: {error}")
    elif isinstance(exc, TemplateNotFound):
        message = N_("A print template may extend only print/layout.html and include nothing: {error}")
    else:
        message = N_("The template failed: {error}")
    return TemplateProblem(message, line, {"error": error}, in_layout)


def _line_of(exc: BaseException) -> tuple[int | None, bool]:
    """The line of the template (or the layout) where ``exc`` happened."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == "<template>":
            return frame.lineno, False
        if frame.filename.replace("\\", "/").endswith(LAYOUT):
            return frame.lineno, True
    return None, False


# ------------------------------------------------------------------ static checks


def problems(env: Environment, source: str) -> list[TemplateProblem]:
    """What would make ``source`` fail or reach beyond its document, before it
    runs: a syntax error, an ``extends`` of anything but the layout, an
    ``include`` or ``import``, a name starting with an underscore."""
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        return [TemplateProblem(N_("Syntax error: {error}"), exc.lineno, {"error": exc.message or ""})]
    found = []
    extends = list(tree.find_all(nodes.Extends))
    top = [n for n in tree.body if not _blank(n)]
    first_is_layout = bool(top) and isinstance(top[0], nodes.Extends) and _names_layout(top[0])
    if not first_is_layout or len(extends) != 1 or not all(_names_layout(e) for e in extends):
        line = extends[0].lineno if extends else 1
        found.append(TemplateProblem(N_("A print template must start with {tag} and extend nothing else."),
                                     line, {"tag": '{% extends "print/layout.html" %}'}))
    for statement in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport)):
        found.append(TemplateProblem(N_("A print template cannot include or import other templates."),
                                     statement.lineno))
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else _const(getattr(node, "arg", None))
        if isinstance(name, str) and name.startswith("_"):
            found.append(TemplateProblem(N_("{name} starts with an underscore: a print may not read it."),
                                         node.lineno, {"name": name}))
    return sorted(found, key=lambda p: p.line or 0)


def _blank(node: nodes.Node) -> bool:
    """Whitespace or a comment before the ``extends``."""
    return isinstance(node, nodes.Output) and all(
        isinstance(n, nodes.TemplateData) and not n.data.strip() for n in node.nodes)


def _names_layout(node: nodes.Extends) -> bool:
    return bool(_const(node.template) == LAYOUT)


def _const(node: nodes.Node | None) -> Any:
    return node.value if isinstance(node, nodes.Const) else None

"""The route table and what the report and workbench pages share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import N_, BadParameter, Ctx, DatasetDecl, Routes
from plugins.dashboard.services import tables
from plugins.dashboard.specs import ReportSpec

routes = Routes()


def formatter(ctx: Ctx) -> tables.Formatter:
    return tables.Formatter(ctx._, ctx.t.date)


def linker(ctx: Ctx, spec: ReportSpec) -> tables.Linker:
    """Links from each number to the records behind it (the drill-down page)."""
    base = ctx.url_for("dashboard:record_list")

    def link(keys: Mapping[str, Any]) -> str:
        return base + "?" + spec.query_string(*((f"k.{n}", tables.key_param(k)) for n, k in keys.items()))

    return link


def datasets(ctx: Ctx) -> list[DatasetDecl]:
    """The datasets the user may run, by label in their language."""
    found = [d for d in ctx.kernel.registry.datasets.values()
             if ctx.user.can(f"{d.model.__model_key__}.{d.action}")]
    return sorted(found, key=lambda d: ctx._(d.label))


def errors_of(ctx: Ctx, errors: Mapping[str, str]) -> dict[str, str]:
    return {name: ctx._(message) for name, message in errors.items()}


def bad_parameter(spec: ReportSpec, errors: Mapping[str, str]) -> BadParameter:
    """A report query the kernel refused (``core.describe``, ``core.aggregate``:
    a dataset, dimension, measure or filter it does not offer the reader), as
    the address's parameter that asked for it: a 400 naming ``row``, ``col``,
    ``measure``, ``f.<filter>`` or ``dataset``."""
    name, problem = next(iter(errors.items()))
    if name in ("dataset", "row", "rows", "limit"):
        param = "row" if name == "rows" else name
    elif name in spec.measures:
        param = "measure"
    elif name in spec.columns:
        param = "col"
    elif name in spec.filters:
        param = f"f.{name}"
    else:
        param = "row"
    value = name.partition(":")[0] if param in ("row", "col") and name != "rows" else name
    if param in ("dataset", "limit"):
        value = spec.dataset if param == "dataset" else ""
    return BadParameter(param, N_("{name} “{value}”: {problem}"), value=value[:50], problem=problem)

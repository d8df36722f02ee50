"""A report's definition (:class:`ReportSpec`): as a URL's query (the
builder's form is a GET, so every report has an address), as the JSON a
saved report keeps, and as the kernel's :class:`core.ReportQuery`.

Parameters: ``dataset``; ``row``, ``col`` and ``measure``, each repeated in
order; ``chart``; and per filter ``f.<name>`` (repeated: any of the values)
or ``f.<name>.from`` / ``f.<name>.to`` (a range). ``~`` stands for an empty
value (a claim without an owner). The kernel checks every name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from core import N_, ReportQuery, ValidationError
from plugins.dashboard.models import CHARTS

NONE = "~"
#: groups a report shows at most (tables page nothing: beyond this, narrow it)
LIMIT = 2_000
MAX_DIMENSIONS = 4


def values_of(source: Any, key: str) -> list[str]:
    """Every value of ``key`` in a query (``getlist``) or a form (a str or a list)."""
    if hasattr(source, "getlist"):
        found: list[Any] = source.getlist(key)
    else:
        raw = source.get(key)
        found = raw if isinstance(raw, list) else [] if raw is None else [raw]
    return [v.strip() for v in found if isinstance(v, str) and v.strip()]


@dataclass(frozen=True)
class ReportSpec:
    dataset: str
    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    #: filter -> list of values, or {"from": ..., "to": ...}
    filters: Mapping[str, Any] = field(default_factory=dict)
    chart: str = "table"

    # -- from and to a request ----------------------------------------------

    @classmethod
    def from_params(cls, source: Any) -> ReportSpec:
        """The spec a builder form (or its URL) describes; names unchecked."""
        dataset = next(iter(values_of(source, "dataset")), "")
        filters: dict[str, Any] = {}
        keys = source.keys() if hasattr(source, "keys") else ()
        for key in dict.fromkeys(keys):
            if not key.startswith("f.") or len(key) < 3:
                continue
            name, _, end = key[2:].partition(".")
            if end in ("from", "to"):
                bound = next(iter(values_of(source, key)), None)
                if bound is not None:
                    filters.setdefault(name, {"from": None, "to": None})[end] = bound
            elif not end and (chosen := values_of(source, key)):
                filters[name] = chosen
        chart = next(iter(values_of(source, "chart")), "table")
        return cls(dataset, tuple(values_of(source, "row")), tuple(values_of(source, "col")),
                   tuple(values_of(source, "measure")), filters, chart if chart in CHARTS else "table")

    def params(self) -> list[tuple[str, str]]:
        out = [("dataset", self.dataset), *(("row", r) for r in self.rows),
               *(("col", c) for c in self.columns), *(("measure", m) for m in self.measures)]
        for name, value in self.filters.items():
            if isinstance(value, Mapping):
                out += [(f"f.{name}.{end}", str(value[end])) for end in ("from", "to") if value.get(end)]
            else:
                out += [(f"f.{name}", str(v)) for v in value]
        out.append(("chart", self.chart))
        return out

    def query_string(self, *extra: tuple[str, str]) -> str:
        return urlencode([*self.params(), *extra])

    # -- stored ------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"rows": list(self.rows), "columns": list(self.columns), "measures": list(self.measures),
                "filters": {k: dict(v) if isinstance(v, Mapping) else list(v) for k, v in self.filters.items()}}

    @classmethod
    def from_json(cls, dataset: str, data: Mapping[str, Any], chart: str = "table") -> ReportSpec:
        return cls(dataset, tuple(data.get("rows") or ()), tuple(data.get("columns") or ()),
                   tuple(data.get("measures") or ()), dict(data.get("filters") or {}), chart)

    # -- for the kernel --------------------------------------------------------

    def query(self, *, rows: Iterable[str] | None = None, columns: Iterable[str] | None = None,
              limit: int = LIMIT) -> ReportQuery:
        """The kernel's query (``rows`` and ``columns`` replaced for subtotals)."""
        if len(self.rows) + len(self.columns) > MAX_DIMENSIONS:
            raise ValidationError({"row": N_("Group by at most four dimensions.")})
        filters: dict[str, Any] = {}
        for name, value in self.filters.items():
            if isinstance(value, Mapping):
                low, high = value.get("from") or None, value.get("to") or None
                if low is not None or high is not None:
                    filters[name] = (low, high)
            elif value:
                filters[name] = [None if v == NONE else v for v in value]
        return ReportQuery(self.dataset, tuple(self.rows if rows is None else rows),
                           tuple(self.columns if columns is None else columns), self.measures, filters, limit)

    def chosen(self, name: str) -> list[str]:
        """The values a choice filter keeps (for the builder's selects)."""
        value = self.filters.get(name)
        return [] if value is None or isinstance(value, Mapping) else [str(v) for v in value]

    def bound(self, name: str, end: str) -> str:
        value = self.filters.get(name)
        return str(value.get(end) or "") if isinstance(value, Mapping) else ""

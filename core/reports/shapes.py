"""What a report asks (:class:`ReportQuery`) and what it finds
(:class:`ReportResult`), and the dimensions and measures in between."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.db import Base
from core.i18n import N_
from core.registry import DatasetDecl, WorkflowDecl

#: how a date dimension may be grouped, labelled
GRAIN_LABELS = {"day": N_("Day"), "month": N_("Month"), "quarter": N_("Quarter"), "year": N_("Year")}
#: what a report shows for an empty key (a claim without an owner)
NONE_LABEL = N_("(none)")
BOOL_LABELS = {True: N_("Yes"), False: N_("No")}


class Registry(Protocol):
    """What reports read of the kernel's registry."""

    @property
    def datasets(self) -> Mapping[str, DatasetDecl]: ...

    @property
    def models(self) -> Mapping[str, type[Base]]: ...

    @property
    def workflows(self) -> Mapping[str, WorkflowDecl]: ...



@dataclass(frozen=True)
class ReportQuery:
    """A report over one dataset: group by ``rows`` and ``columns`` (dimension
    names, a date's grain after a colon: ``created_at:month``), show
    ``measures`` (all when empty), keep the rows ``filters`` allow (a declared
    filter column -> a value, a list of values (any of them), or a
    ``(low, high)`` pair with either end ``None``), at most ``limit`` groups."""

    dataset: str
    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    filters: Mapping[str, Any] = field(default_factory=dict)
    limit: int = 10_000

    @property
    def grouped(self) -> tuple[str, ...]:
        return (*self.rows, *self.columns)


@dataclass(frozen=True)
class Dimension:
    """A way to group or filter a dataset: one column of its model.

    ``name`` is how a query names it (``created_at:month``); ``kind`` is
    ``ref`` (a foreign key, shown by the referenced record's name),
    ``choice`` (a workflow's states for its ``state`` column, or
    ``info["choices"]``, shown by label), ``bool``, ``date`` (grouped at
    ``grain``), ``number`` or ``text``; ``choices`` are ``(value, label)``
    in declared order; labels are message ids.
    """

    name: str
    column: str
    label: str
    kind: str
    grain: str | None = None
    choices: tuple[tuple[Any, str], ...] = ()


@dataclass(frozen=True)
class Measure:
    """A number a dataset gives: ``aggregate`` of ``column`` (None for a row
    count); ``kind`` is ``count`` (an int), ``decimal``, ``number`` or ``date``."""

    name: str
    aggregate: str
    column: str | None
    label: str
    kind: str


@dataclass(frozen=True)
class DatasetView:
    """A dataset as one reader may use it: the fields hidden from them left out."""

    key: str
    label: str
    model: type[Base]
    dimensions: tuple[Dimension, ...]
    measures: tuple[Measure, ...]
    filters: tuple[Dimension, ...]


@dataclass(frozen=True)
class ResultRow:
    """One group: the keys of the row dimensions, those of the column
    dimensions, and the measures' values, each in the query's order."""

    keys: tuple[Any, ...]
    columns: tuple[Any, ...]
    values: tuple[Any, ...]


@dataclass
class ReportResult:
    """What :func:`aggregate` found. ``dimensions`` are the row dimensions,
    then the column ones; ``totals`` the measures over every row the
    filters keep; ``truncated`` when more groups exist than ``limit``."""

    query: ReportQuery
    title: str
    dimensions: tuple[Dimension, ...]
    measures: tuple[Measure, ...]
    rows: list[ResultRow]
    totals: tuple[Any, ...]
    truncated: bool
    #: dimension name -> key -> display text, where it is not the key itself
    names: dict[str, dict[Any, str]] = field(default_factory=dict)

    @property
    def row_dimensions(self) -> tuple[Dimension, ...]:
        return self.dimensions[:len(self.query.rows)]

    @property
    def column_dimensions(self) -> tuple[Dimension, ...]:
        return self.dimensions[len(self.query.rows):]

    def label(self, dimension: str, key: Any) -> str:
        """The display text of ``key``: a referenced record's name (``#id``
        when the reader may not open it), a state's or choice's label (a
        message id: translate it as you render), a date at its grain as is."""
        if key is None:
            return NONE_LABEL
        found = self.names.get(dimension, {}).get(key)
        if found is not None:
            return found
        dim = next((d for d in self.dimensions if d.name == dimension), None)
        return f"#{key}" if dim is not None and dim.kind == "ref" else str(key)

"""Reports: the datasets plugins declare (``register_report_datasets``),
aggregated in SQL under the reader's permissions.

:func:`aggregate` runs one ``GROUP BY`` over the rows of the dataset's model
that ``scope(actor, model, action)`` lets the reader see, and one query for
the totals; :func:`records_behind` selects the records behind one of its
numbers (the drill-down). Nothing from a request reaches SQL but through the
names a dataset declares (rule 7). A field hidden from the reader by a field
rule cannot be grouped, measured or filtered on: naming one is a
``ValidationError`` naming that field (the report is allowed, that choice is
not), as is any name the dataset does not declare.

Keys of a date dimension are text at the chosen grain, in China's time for
date-times: ``2026-03-05`` (day), ``2026-03`` (month), ``2026-Q1``
(quarter), ``2026`` (year): UTC+8, which China has kept all year since
1991. SQLite computes them with ``strftime(..., '+8 hours')``, PostgreSQL
with ``date_trunc`` on the time plus eight hours and ``to_char`` of each
group: one expression per dialect.
"""

from __future__ import annotations

from core.reports.datasets import describe
from core.reports.shapes import (
    GRAIN_LABELS,
    DatasetView,
    Dimension,
    Measure,
    ReportQuery,
    ReportResult,
    ResultRow,
)
from core.reports.sql import aggregate, records_behind

__all__ = [
    "GRAIN_LABELS", "DatasetView", "Dimension", "Measure", "ReportQuery", "ReportResult", "ResultRow",
    "aggregate", "describe", "records_behind",
]

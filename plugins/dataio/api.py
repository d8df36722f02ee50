"""What other plugins hand the dataio plugin: import declarations and
duplicate match rules (returned from the hooks in hookspecs.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor

#: ``row(session, actor, values, record)``: a custom row function; ``record``
#: is the record to update (``None`` to insert); returns the record written.
RowFunction = Callable[["Session", "Actor", dict[str, Any], Any], Any]

#: kinds of match rules
MATCH_KINDS = ("name", "phone", "email", "uscc")


@dataclass(frozen=True)
class ImportDecl:
    """``model`` (a key in ``kernel.registry.cruds``) may be imported.

    Rows go through the model's ``Crud``: its form fields are the columns,
    its ``create``/``update`` services write the records. ``match_keys`` are
    the fields an update or upsert may find records by (``"id"`` is allowed
    too); ``row`` replaces the Crud's services when given.
    """

    model: str
    match_keys: tuple[str, ...] = ()
    row: RowFunction | None = None


@dataclass(frozen=True)
class MatchRule:
    """Records of ``model`` whose ``field`` has the same key under ``kind``
    (``name``, ``phone``, ``email``, ``uscc``) are duplicates; ``fuzzy``
    (names only) also offers similar names as candidates."""

    model: str
    field: str
    kind: str
    fuzzy: bool = False

    def __post_init__(self) -> None:
        if self.kind not in MATCH_KINDS:
            raise ValueError(f"match rule {self.model}.{self.field}: unknown kind {self.kind!r}")

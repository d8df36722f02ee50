"""Hooks the dataio plugin offers other plugins (documented, with their
signatures, in docs/plugins/dataio.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import hookspec

if TYPE_CHECKING:
    from plugins.dataio.api import ImportDecl, MatchRule


@hookspec
def dataio_importables() -> list[ImportDecl]:
    """Return the models of this plugin that users may import into.

    Each model must be shown through the kit's ``Crud`` (a key of
    ``kernel.registry.cruds``); rows are validated by its form fields and
    written by its services. Called whenever the import pages or the import
    job need the list; return the same data each time. firstresult: no.
    """


@hookspec
def dataio_match_rules() -> list[MatchRule]:
    """Return the duplicate match rules of this plugin's models.

    Used when a record is created (the candidates shown before saving), by
    the import's dry run and by the merge wizard. Return the same data each
    time. firstresult: no.
    """

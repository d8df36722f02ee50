"""Permission codes of the search plugin, as data.

Searching needs no code of its own: every hit is a record the reader may
already read (its model's ``read`` scope). Rebuilding the index is an
administrator's job.
"""

from __future__ import annotations

from core import N_, PermissionDecl

PERMISSIONS: list[PermissionDecl] = [
    PermissionDecl("search.entry.update", N_("Rebuild the search index")),
]

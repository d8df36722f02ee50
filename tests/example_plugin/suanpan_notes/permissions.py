"""Permission codes and default roles of the notes plugin, as data."""

from __future__ import annotations

from core import PermissionDecl, RoleDecl, model_permissions
from suanpan_notes.models import Note

#: notes.note.read, notes.note.create, ... notes.note.share
PERMISSIONS: list[PermissionDecl] = model_permissions(Note)

#: shipped as the role ``notes.writer`` (the kernel prefixes the plugin name)
ROLES: list[RoleDecl] = [
    RoleDecl("writer", "便签作者", "Note writer", grants={
        "notes.note.read": "own", "notes.note.create": "own", "notes.note.update": "own",
        "notes.note.delete": "own",
    }),
]

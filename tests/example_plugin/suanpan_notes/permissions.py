"""Permission codes and default roles of the notes plugin, as data."""

from __future__ import annotations

from core import PermissionDecl, RoleDecl, model_permissions
from suanpan_notes.models import Expense, Note

#: notes.note.read, notes.note.create, ... notes.note.share
PERMISSIONS: list[PermissionDecl] = [*model_permissions(Note), *model_permissions(Expense)]

#: shipped as the role ``notes.writer`` (the kernel prefixes the plugin name)
ROLES: list[RoleDecl] = [
    RoleDecl("writer", "便签作者", "Note writer", grants={
        "notes.note.read": "own", "notes.note.create": "own", "notes.note.update": "own",
        "notes.note.delete": "own",
        "notes.expense.read": "own", "notes.expense.create": "own", "notes.expense.update": "own",
        "notes.expense.delete": "own",
    }),
    RoleDecl("reviewer", "报销审核人", "Expense reviewer", grants={
        "notes.expense.read": "org", "notes.expense.approve": "org",
    }),
]

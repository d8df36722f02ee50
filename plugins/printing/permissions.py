"""Permission codes and the shipped role of the printing plugin, as data.

Printing a record needs nothing of its own: ``<model>.read`` on the record
(a record outside the reader's scope is a 404). Issuing a copy that is kept
(contracts, invoices) needs ``<model>.print`` on it. These codes are the
administrators': the templates are the installation's (scope ``all``), a
letterhead is an organisation's (scope ``org`` in it, or ``all``).
"""

from __future__ import annotations

from core import N_, PermissionDecl, RoleDecl

PERMISSIONS: list[PermissionDecl] = [
    PermissionDecl("printing.template.update", N_("Edit the print templates of document types")),
    PermissionDecl("printing.letterhead.update", N_("Set an organisation's letterhead, logo and seal")),
]

ROLES: list[RoleDecl] = [
    RoleDecl("designer", "打印管理员", "Print administrator", grants={
        "printing.template.update": "all",
        "printing.letterhead.update": "org",
    }, description=N_("Edit the print templates and set the letterhead, logo and company seal "
                      "of the organisation.")),
]

"""Permission codes and shipped roles of the dashboard, as data.

Running a report needs the permission of its dataset (``<model>.read`` for
most) and counts only the rows that permission's scope reaches; these codes
govern the dashboard's own things: saved reports and layouts.
"""

from __future__ import annotations

from core import N_, PermissionDecl, RoleDecl

PERMISSIONS: list[PermissionDecl] = [
    PermissionDecl("dashboard.report.read",
                   N_("Run reports; open your saved reports and those shared with you")),
    PermissionDecl("dashboard.report.create", N_("Save reports")),
    PermissionDecl("dashboard.report.delete", N_("Delete other people's saved reports")),
    PermissionDecl("dashboard.report.share", N_("Share saved reports with roles or the organisation")),
    PermissionDecl("dashboard.report.export", N_("Export reports to Excel")),
    PermissionDecl("dashboard.schedule.create", N_("E-mail saved reports on a schedule")),
    PermissionDecl("dashboard.layout.update", N_("Set the default workbench of a role")),
]

ROLES: list[RoleDecl] = [
    RoleDecl("analyst", "报表分析员", "Report analyst", grants={
        "dashboard.report.read": "own", "dashboard.report.create": "own", "dashboard.report.share": "own",
        "dashboard.report.export": "own", "dashboard.schedule.create": "own",
    }, description=N_("Run, save, share, export and schedule reports on the data one may read.")),
    RoleDecl("reader", "报表查看者", "Report reader", grants={
        "dashboard.report.read": "own", "dashboard.report.export": "own",
    }, description=N_("Run reports and open the saved reports shared with one.")),
    RoleDecl("manager", "报表管理员", "Report administrator", grants={
        "dashboard.report.read": "org", "dashboard.report.delete": "org", "dashboard.layout.update": "org",
    }, description=N_("Open and tidy the saved reports of an organisation and set its roles' workbenches.")),
]

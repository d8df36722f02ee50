"""Permission codes and default roles of the kernel, as data."""

from __future__ import annotations

from core.i18n import N_
from core.models import ApprovalChain, Department, Org, Role, User
from core.registry import PermissionDecl, RoleDecl, model_permissions

PERMISSIONS: list[PermissionDecl] = [
    *model_permissions(Org, ("read", "create", "update")),
    # import: the dataio plugin declares departments importable (create and update from a file)
    *model_permissions(Department, ("read", "create", "update", "delete", "import")),
    *model_permissions(User, ("read", "create", "update", "assign")),
    *model_permissions(Role, ("read", "create", "update")),
    *model_permissions(ApprovalChain, ("read", "create", "update", "delete")),
    PermissionDecl("core.plugin.manage", N_("Enable and disable plugins")),
    PermissionDecl("core.sequence.manage", N_("Set document numbering patterns")),
    PermissionDecl("core.recycle.read", N_("See the recycle bin")),
    PermissionDecl("core.recycle.restore", N_("Restore deleted records")),
    PermissionDecl("core.recycle.purge", N_("Purge deleted records")),
    PermissionDecl("core.audit.read", N_("Read the audit trail")),
    PermissionDecl("core.job.read", N_("See background jobs and their logs")),
    PermissionDecl("core.job.manage", N_("Run parked jobs again")),
]

ROLES: list[RoleDecl] = [
    RoleDecl("admin", "系统管理员", "Administrator", grants_all=True,
             description=N_("Every permission of every enabled plugin, in all organisations.")),
    RoleDecl(
        "org_admin", "机构管理员", "Organisation administrator",
        grants={
            "core.org.read": "org", "core.org.update": "org",
            "core.department.read": "org", "core.department.create": "org",
            "core.department.update": "org", "core.department.delete": "org",
            "core.user.read": "org", "core.user.create": "org", "core.user.update": "org",
            "core.user.assign": "org", "core.role.read": "all", "core.recycle.read": "org",
            "core.recycle.restore": "org", "core.audit.read": "org", "core.job.read": "org",
            "core.approval_chain.read": "org", "core.approval_chain.create": "org",
            "core.approval_chain.update": "org", "core.approval_chain.delete": "org",
        },
    ),
    RoleDecl(
        "staff", "员工", "Staff",
        grants={"core.org.read": "org", "core.department.read": "org", "core.user.read": "org"},
    ),
]

"""The kernel's public surface: what a plugin may import.

Plugins import from ``core`` only, never from its private modules (house
style, habit 3). Everything re-exported here is covered by the plugin guide
(docs/plugins.md).
"""

from __future__ import annotations

from core.approvals import WaitingApproval, waiting_approvals
from core.audit import TrailEntry
from core.audit import trail as audit_trail
from core.bulk import create_many
from core.conflicts import Difference, Stale, form_differences, record_name, same_value
from core.conflicts import stale as stale_panel
from core.db import (
    AuditedMixin,
    Base,
    BigId,
    ExtraMixin,
    IdMixin,
    Money,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    utcnow,
)
from core.errors import BadParameter, BadRequest, Conflict, Forbidden, NotFound, StaleVersion, ValidationError
from core.fields import (
    clean_extra,
    convert_extra,
    editable_extra,
    extra_column,
    extra_errors,
    extra_fields_of,
    extra_value,
    has_extra,
    visible_extra,
)
from core.fields import forget as forget_extra_fields
from core.hookspecs import hookimpl, hookspec
from core.i18n import N_
from core.jobs import JobContext, enqueue
from core.kit import (
    Column,
    Crud,
    Filter,
    Filtered,
    Form,
    FormField,
    ListView,
    Page,
    check_version,
    extra_form_field,
    load_refs,
    set_extra,
    shown_columns,
    shown_values,
)
from core.masking import MASK_KINDS, is_hidden, is_masked, looks_masked, mask_kind, mask_value, shown_value
from core.models import Department, User
from core.notify import Notification, notify
from core.numbering import next_number
from core.people import manager_chain, manager_of, permission_holders, role_members
from core.permissions import Actor, covers, get_for, load_actor, scope
from core.registry import (
    ACTIONS,
    EXTRA_KINDS,
    ApprovalPoint,
    DatasetDecl,
    ExtraField,
    JobDecl,
    MenuItem,
    Panel,
    PermissionDecl,
    PrintDecl,
    RoleDecl,
    RoleGrant,
    SearchDecl,
    SequenceDecl,
    TaskDecl,
    Transition,
    WidgetDecl,
    WorkflowDecl,
    model_permissions,
)
from core.reports import (
    GRAIN_LABELS,
    DatasetView,
    Dimension,
    Measure,
    ReportQuery,
    ReportResult,
    ResultRow,
    aggregate,
    describe,
    records_behind,
)
from core.static import static_dirs
from core.web import AUTHENTICATED, PUBLIC, Ctx, Routes
from core.workflows import allowed_transitions, amend, ensure_editable, transition

__all__ = [
    "ACTIONS", "AUTHENTICATED", "PUBLIC", "N_",
    "Actor", "AuditedMixin", "BadParameter", "BadRequest", "Base", "BigId", "Column", "Conflict", "Crud", "Ctx",
    "DatasetDecl", "Filter", "Forbidden", "Form", "FormField", "IdMixin", "JobContext", "JobDecl",
    "ListView",
    "MenuItem", "Money", "NotFound", "OrgScopedMixin", "Panel", "PermissionDecl", "RoleDecl",
    "Routes", "SequenceDecl", "SoftDeleteMixin", "TaskDecl", "TimestampMixin", "Transition", "UTCDateTime",
    "ValidationError",
    "VersionedMixin", "WorkflowDecl", "check_version", "enqueue", "get_for", "hookimpl", "hookspec",
    "TrailEntry", "allowed_transitions", "audit_trail", "ensure_editable", "model_permissions", "scope",
    "transition", "utcnow", "create_many",
    "ApprovalPoint", "Notification", "manager_chain",
    "PrintDecl", "WidgetDecl", "RoleGrant",
    "EXTRA_KINDS", "ExtraField", "ExtraMixin", "SearchDecl", "extra_fields_of", "has_extra",
    "clean_extra", "convert_extra", "editable_extra", "extra_column", "extra_errors", "extra_value",
    "forget_extra_fields", "visible_extra",
    "manager_of", "notify", "role_members", "set_extra", "extra_form_field",
    "GRAIN_LABELS", "DatasetView", "Dimension", "Measure", "ReportQuery", "ReportResult", "ResultRow",
    "aggregate", "describe", "records_behind",
    "WaitingApproval", "waiting_approvals",
    "static_dirs",
    "Filtered", "Page", "load_refs", "shown_columns", "shown_values", "User", "Department", "covers",
    "load_actor",
    "permission_holders", "amend",
    "next_number",
    "MASK_KINDS", "is_hidden", "is_masked", "looks_masked", "mask_kind", "mask_value", "shown_value",
    "StaleVersion", "Stale", "Difference", "form_differences", "record_name", "same_value", "stale_panel",
]

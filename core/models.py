"""The kernel's own tables: organisations, users, roles, sessions, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import (
    AuditedMixin,
    Base,
    BigId,
    ExtraMixin,
    IdMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    utcnow,
)
from core.i18n import N_

SCOPES = ("own", "department", "department_tree", "org", "all")
SCOPE_LABELS = {
    "own": N_("Own records"),
    "department": N_("Own department"),
    "department_tree": N_("Department and below"),
    "org": N_("Whole organisation"),
    "all": N_("All organisations"),
}


class Org(IdMixin, TimestampMixin, VersionedMixin, ExtraMixin, AuditedMixin, Base):
    """An organisation (company, branch) in a tree."""

    __tablename__ = "core_org"
    __label__ = N_("Organisation")
    __scope_columns__: ClassVar[dict[str, str]] = {"org": "id"}
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset({"path"})

    code: Mapped[str] = mapped_column(String(40), unique=True, info={"label": N_("Code")})
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_org.id"), index=True, info={"label": N_("Parent organisation")}
    )
    path: Mapped[str] = mapped_column(String(400), default="/", index=True)
    address: Mapped[str] = mapped_column(String(400), default="", info={"label": N_("Address")})
    phone: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Phone")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class Department(IdMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin, AuditedMixin, Base):
    """A department in an organisation's tree; ``path`` is ``/1/4/9/``."""

    __tablename__ = "core_department"
    __label__ = N_("Department")
    __scope_columns__: ClassVar[dict[str, str]] = {"org": "org_id", "department": "id"}
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset({"path"})

    org_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("core_org.id"), index=True, info={"label": N_("Organisation")}
    )
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_department.id"), index=True, info={"label": N_("Parent department")}
    )
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    path: Mapped[str] = mapped_column(String(400), default="/", index=True)
    head_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_user.id", use_alter=True), info={"label": N_("Head")}
    )


class User(IdMixin, TimestampMixin, VersionedMixin, ExtraMixin, AuditedMixin, Base):
    __tablename__ = "core_user"
    __label__ = N_("User")
    __scope_columns__: ClassVar[dict[str, str]] = {
        "org": "org_id",
        "owner": "id",
        "department": "department_id",
    }
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset({"password_hash", "password_changed_at"})

    username: Mapped[str] = mapped_column(String(80), unique=True, info={"label": N_("Username")})
    display_name: Mapped[str] = mapped_column(String(200), info={"label": N_("Full name")})
    email: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("E-mail"), "mask": "email"})
    phone: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Mobile"), "mask": "phone"})
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(10), default="", info={"label": N_("Language")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})
    org_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("core_org.id"), index=True, info={"label": N_("Organisation")}
    )
    department_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_department.id"), index=True, info={"label": N_("Department")}
    )
    position: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Position")})
    manager_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_user.id"), info={"label": N_("Manager")}
    )
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Membership(IdMixin, Base):
    """A user's position in an organisation other than (or as well as) the home one."""

    __tablename__ = "core_membership"
    __table_args__ = (UniqueConstraint("user_id", "org_id"),)

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_user.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_department.id"))
    position: Mapped[str] = mapped_column(String(100), default="")


class Role(IdMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    __tablename__ = "core_role"
    __label__ = N_("Role")
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset({"plugin"})

    key: Mapped[str] = mapped_column(String(80), unique=True, info={"label": N_("Key")})
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Description")})
    #: the administrator role: every permission of every enabled plugin, scope "all".
    grants_all: Mapped[bool] = mapped_column(Boolean, default=False,
                                             info={"label": N_("All permissions")})
    #: ``plugin`` that ships this role (rule 2: external ids), or None if user-made.
    plugin: Mapped[str | None] = mapped_column(String(80))

    permissions: Mapped[list[RolePermission]] = relationship(
        back_populates="role", cascade="all, delete-orphan", order_by="RolePermission.code"
    )


class RolePermission(IdMixin, Base):
    """A permission code granted by a role, with the row scope it applies to."""

    __tablename__ = "core_role_permission"
    __table_args__ = (UniqueConstraint("role_id", "code"),)

    role_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_role.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(120), index=True)
    scope: Mapped[str] = mapped_column(String(20), default="org")

    role: Mapped[Role] = relationship(back_populates="permissions")


class RoleAssignment(IdMixin, Base):
    """User holds role in org: the matrix of regional and business-line roles."""

    __tablename__ = "core_role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role_id", "org_id"),)

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("core_user.id", ondelete="CASCADE"), index=True
    )
    role_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_role.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id"))


class FieldRule(IdMixin, Base):
    """A field of a model hidden, masked or read-only for a role."""

    __tablename__ = "core_field_rule"
    __table_args__ = (UniqueConstraint("role_id", "model", "field"),)

    role_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_role.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(120))
    field: Mapped[str] = mapped_column(String(120))
    mode: Mapped[str] = mapped_column(String(20))  # core.permissions.FIELD_MODES


class AclStamp(Base):
    """One row: a counter that moves forward with every change to what an
    actor is built from (roles, their grants and field rules, role
    assignments, memberships, a user's organisation or department, a
    department's place in the tree). A process keeps the actors it built
    until the counter moves (core.permissions.ActorCache)."""

    __tablename__ = "core_acl_stamp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class RecordShare(IdMixin, Base):
    """A record shared explicitly with one user, beyond their role's scope."""

    __tablename__ = "core_record_share"
    __table_args__ = (
        UniqueConstraint("model", "record_id", "user_id"),
        Index("ix_core_record_share_user_model", "user_id", "model"),
    )

    model: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[int] = mapped_column(BigId)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_user.id", ondelete="CASCADE"))
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)
    shared_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuthSession(Base):
    """A server-side login session; the cookie holds a token, we keep its hash."""

    __tablename__ = "core_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("core_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class ApiToken(IdMixin, Base):
    __tablename__ = "core_api_token"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("core_user.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginThrottle(Base):
    """Failed logins per account (``user:<name>``) and per address (``ip:<addr>``)."""

    __tablename__ = "core_login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditLog(IdMixin, Base):
    """Who changed what and when, field by field. Never soft-deleted."""

    __tablename__ = "core_audit"
    __table_args__ = (Index("ix_core_audit_record", "model", "record_id", "id"),)

    model: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[int] = mapped_column(BigId)
    action: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PluginState(Base):
    """Which plugins this installation has enabled."""

    __tablename__ = "core_plugin_state"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ExternalId(IdMixin, Base):
    """Rule 2: records a plugin ships are registered under ``(plugin, key)``."""

    __tablename__ = "core_external_id"
    __table_args__ = (UniqueConstraint("plugin", "key"),)

    plugin: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[int] = mapped_column(BigId)


class Sequence(IdMixin, Base):
    """The next number of one document type, per organisation and period."""

    __tablename__ = "core_sequence"
    __table_args__ = (UniqueConstraint("org_id", "key", "period"),)

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id"))
    key: Mapped[str] = mapped_column(String(120))
    #: the year for yearly sequences, 0 for sequences that never reset
    period: Mapped[int] = mapped_column(Integer)
    next_value: Mapped[int] = mapped_column(Integer, default=1)


class SequencePattern(IdMixin, Base):
    """An administrator's pattern for a sequence in one organisation."""

    __tablename__ = "core_sequence_pattern"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id"))
    key: Mapped[str] = mapped_column(String(120))
    pattern: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class WorkflowHistory(IdMixin, Base):
    """One transition of one record (:mod:`core.workflows`). Never changed."""

    __tablename__ = "core_workflow_history"
    __table_args__ = (Index("ix_core_workflow_history_record", "model", "record_id", "id"),)

    model: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[int] = mapped_column(BigId)
    transition: Mapped[str] = mapped_column(String(80))
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")


CHAIN_STATES = {"draft": N_("Draft"), "published": N_("Published"), "retired": N_("Retired")}


class ApprovalChain(IdMixin, TimestampMixin, AuditedMixin, Base):
    """An administrator's approval chain for one approval point of a workflow.

    Edited as a draft, then published; a published chain is never changed
    (requests keep pointing to the version they started with): editing it
    makes a new draft, and publishing that retires the old one. ``org_id``
    None applies to every organisation without a chain of its own.
    """

    __tablename__ = "core_approval_chain"
    __label__ = N_("Approval chain")
    __shareable__ = False

    model: Mapped[str] = mapped_column(String(120), info={"label": N_("Document type")})
    point: Mapped[str] = mapped_column(String(80), info={"label": N_("Submitted by")})
    org_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_org.id"), index=True, info={"label": N_("Organisation")})
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    version: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Version")})
    status: Mapped[str] = mapped_column(String(20), default="draft", info={"label": N_("Status")})
    #: the steps, as :meth:`core.approvals.Step.to_dict` writes them
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, info={"label": N_("Steps")})
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Published")})
    published_by: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_user.id"), info={"label": N_("Published by")})


class ApprovalRequest(IdMixin, Base):
    """One run of a chain for one document, from submission to decision."""

    __tablename__ = "core_approval_request"
    __table_args__ = (Index("ix_core_approval_request_record", "model", "record_id", "id"),)

    chain_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_approval_chain.id"))
    model: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[int] = mapped_column(BigId)
    org_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_org.id"))
    submitter_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_user.id"))
    #: pending, approved, rejected, withdrawn
    status: Mapped[str] = mapped_column(String(20), default="pending")
    stage: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApprovalStep(IdMixin, Base):
    """A step of a request: a copy of the chain's step, with its clock."""

    __tablename__ = "core_approval_step"

    request_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("core_approval_request.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    stage: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: waiting, active, approved, rejected, skipped, void
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApprovalTask(IdMixin, Base):
    """One approver's part in a step: pending until they decide (or the step
    no longer needs them: void)."""

    __tablename__ = "core_approval_task"
    __table_args__ = (Index("ix_core_approval_task_inbox", "user_id", "status", "id"),
                      Index("ix_core_approval_task_record", "model", "record_id", "user_id"))

    request_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("core_approval_request.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_approval_step.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[int] = mapped_column(BigId)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_user.id"))
    #: pending, approved, rejected, void
    status: Mapped[str] = mapped_column(String(20), default="pending")
    comment: Mapped[str] = mapped_column(Text, default="")
    #: "" for the step's own approvers, "escalation" for one added on timeout
    via: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


JOB_STATES = ("queued", "running", "done", "parked")
JOB_STATE_LABELS = {
    "queued": N_("Queued"),
    "running": N_("Running"),
    "done": N_("Done"),
    "parked": N_("Parked"),
}


class Job(IdMixin, Base):
    """A job of the transactional outbox (:mod:`core.jobs`): queued in the
    transaction of the change that needs it, run by a worker after it commits."""

    __tablename__ = "core_job"
    __label__ = N_("Job")
    __table_args__ = (Index("ix_core_job_state_run_at", "state", "run_at"),)
    __scope_columns__: ClassVar[dict[str, str]] = {"org": "org_id", "owner": "created_by_id"}
    __shareable__: ClassVar[bool] = False

    task: Mapped[str] = mapped_column(String(120), info={"label": N_("Task name")})
    payload: Mapped[Any] = mapped_column(JSON, default=dict, info={"label": N_("Payload")})
    #: the idempotency key: a second job with the same key is never queued
    key: Mapped[str | None] = mapped_column(String(255), unique=True,
                                            info={"label": N_("Idempotency key")})
    state: Mapped[str] = mapped_column(String(20), default="queued", info={"label": N_("State")})
    #: runs started so far (a worker counts one when it claims the job)
    attempts: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Attempts")})
    max_attempts: Mapped[int] = mapped_column(Integer, default=5,
                                              info={"label": N_("Maximum attempts")})
    run_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                             info={"label": N_("Due at")})
    locked_by: Mapped[str | None] = mapped_column(String(200), info={"label": N_("Worker")})
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(),
                                                          info={"label": N_("Locked until")})
    last_error: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Last error")})
    log: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Log")})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(),
                                                         info={"label": N_("Finished at")})
    org_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_org.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_user.id"), index=True, info={"label": N_("Created by")})


class JobSchedule(Base):
    """When a scheduled (cron) job runs next; see :func:`core.jobs.tick`."""

    __tablename__ = "core_job_schedule"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    #: the schedule ``next_run_at`` was computed from (a changed one is recomputed)
    schedule: Mapped[str] = mapped_column(String(100))
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())


KERNEL_MODELS: tuple[type[Base], ...] = (Org, Department, User, Role, Job, ApprovalChain)

"""Declarations plugins return from ``register_*`` hooks, and the registry
the kernel builds from them at start-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.cron import CronError
from core.cron import parse as parse_cron
from core.db import Base
from core.i18n import N_

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ACTIONS = (
    "read", "create", "update", "delete", "export",
    "import", "print", "approve", "assign", "share",
)
ACTION_LABELS = {
    "read": N_("Read"),
    "create": N_("Create"),
    "update": N_("Update"),
    "delete": N_("Delete"),
    "export": N_("Export"),
    "import": N_("Import"),
    "print": N_("Print"),
    "approve": N_("Approval"),
    "assign": N_("Assign"),
    "share": N_("Share"),
}


class DeclarationError(Exception):
    """A plugin declared something the kernel cannot accept."""


@dataclass(frozen=True)
class PermissionDecl:
    code: str
    label: str = ""

    @property
    def model(self) -> str:
        return self.code.rsplit(".", 1)[0]

    @property
    def action(self) -> str:
        return self.code.rsplit(".", 1)[1]


def model_permissions(model: type[Base], actions: Sequence[str] = ACTIONS) -> list[PermissionDecl]:
    """The permission codes of ``model`` for ``actions``."""
    return [PermissionDecl(f"{model.__model_key__}.{a}", model.__label__) for a in actions]


@dataclass(frozen=True)
class RoleDecl:
    key: str
    name: str
    name_en: str
    grants: dict[str, str] = field(default_factory=dict)  # code -> scope
    description: str = ""
    grants_all: bool = False


@dataclass(frozen=True)
class RoleGrant:
    """Permissions a plugin adds to a role another plugin ships
    (``register_role_grants``); ``role`` is the stored key, ``crm.salesperson``."""

    role: str
    grants: dict[str, str] = field(default_factory=dict)  # code -> scope


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    route: str
    permission: str
    icon: str = "circle"
    section: str = ""
    order: int = 100


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100
    #: keys of panels this one already shows (a timeline that includes the
    #: change history replaces ``"audit"``); those are left off the page
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transition:
    """One step of a state machine: ``name`` moves a record from one of
    ``source`` to ``target`` for holders of ``permission`` when ``guard``
    (if any) accepts the record. ``label`` is its button text (``N_``)."""

    name: str
    source: tuple[str, ...]
    target: str
    permission: str
    guard: Callable[[Any], bool] | None = None
    label: str = ""


@dataclass(frozen=True)
class ApprovalPoint:
    """Where an administrator may attach an approval chain (docs/kernel/workflows.md).

    Firing ``submit`` starts the published chain, if there is one; the
    chain's outcome fires ``approved`` or ``rejected`` (both must leave the
    state ``submit`` enters). While a chain runs, nobody fires those two by hand.

    ``default_steps`` is a chain the plugin ships, put in force for every
    organisation when the plugin is first set up (``suanpan setup`` /
    ``migrate``): steps as ``core.approvals.Step.to_dict`` writes them, a
    role approver named by its key (``"role": "crm.manager"``) instead of
    ``role_id``. It is shipped once, under an external id: an
    administrator edits, retires or replaces it like any chain, and an
    upgrade never brings it back. ``default_name`` names that chain.
    """

    submit: str
    approved: str
    rejected: str
    default_steps: tuple[dict[str, Any], ...] = ()
    default_name: str = ""


@dataclass(frozen=True)
class WorkflowDecl:
    """A document type's state machine. Validated at start-up."""

    model: str
    states: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]
    locked: tuple[str, ...] = ()
    #: state -> label (``N_``), for badges, filters and the diagram
    labels: Mapping[str, str] = field(default_factory=dict)
    #: transitions an approval chain may be attached to
    approvals: tuple[ApprovalPoint, ...] = ()
    #: the state a locked record moves to when it is amended (``core.workflows.amend``)
    amended: str | None = None

    def state_label(self, state: str) -> str:
        return self.labels.get(state, state)

    def transition_named(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def approval_point(self, name: str) -> ApprovalPoint | None:
        """The approval point whose submit (or outcome) transition is ``name``."""
        return next((p for p in self.approvals if name in (p.submit, p.approved, p.rejected)), None)

    def validate(self) -> None:
        known = set(self.states)
        if self.amended is not None and self.amended not in known:
            raise DeclarationError(f"workflow {self.model}: unknown amended state {self.amended!r}")
        for state in self.labels:
            if state not in known:
                raise DeclarationError(f"workflow {self.model}: label for unknown state {state!r}")
        names = [t.name for t in self.transitions]
        if len(set(names)) != len(names):
            raise DeclarationError(f"workflow {self.model}: two transitions share a name")
        for point in self.approvals:
            submit = self.transition_named(point.submit)
            if submit is None:
                raise DeclarationError(f"workflow {self.model}: approval on unknown transition "
                                       f"{point.submit!r}")
            for outcome in (point.approved, point.rejected):
                t = self.transition_named(outcome)
                if t is None or submit.target not in t.source:
                    raise DeclarationError(
                        f"workflow {self.model}: approval outcome {outcome!r} must leave "
                        f"{submit.target!r}")
        if self.initial not in known:
            raise DeclarationError(f"workflow {self.model}: unknown initial state {self.initial!r}")
        for state in self.locked:
            if state not in known:
                raise DeclarationError(f"workflow {self.model}: unknown locked state {state!r}")
        for t in self.transitions:
            for state in (*t.source, t.target):
                if state not in known:
                    raise DeclarationError(
                        f"workflow {self.model}: transition {t.name!r} names unknown state {state!r}"
                    )
        reachable = {self.initial}
        frontier = [self.initial]
        while frontier:
            here = frontier.pop()
            for t in self.transitions:
                if here in t.source and t.target not in reachable:
                    reachable.add(t.target)
                    frontier.append(t.target)
        for t in self.transitions:
            if not reachable.intersection(t.source):
                raise DeclarationError(
                    f"workflow {self.model}: transition {t.name!r} can never fire"
                )


#: what a custom field holds (:class:`ExtraField`)
EXTRA_KINDS = {
    "text": N_("Text"), "number": N_("Number"), "money": N_("Money"), "date": N_("Date"),
    "choice": N_("Choice"), "multi": N_("Multiple choice"), "user": N_("User"),
    "link": N_("Link to a record"), "bool": N_("Yes / no"),
}


@dataclass(frozen=True)
class ExtraField:
    """A field an administrator added to a model at run time (custom field).

    Its value lives in the record's ``extra`` JSON under ``name`` (``x_...``).
    ``labels`` and each choice's labels map a locale (``zh_CN``, ``en``) to
    text typed by the administrator (not message ids). ``ref`` is the model
    key a ``user`` (always ``core.user``) or ``link`` field points to.
    Visibility per role uses the kernel's field rules under ``name``.
    """

    name: str
    labels: Mapping[str, str]
    kind: str = "text"
    required: bool = False
    unique: bool = False
    default: Any = None
    choices: tuple[tuple[str, Mapping[str, str]], ...] = ()
    ref: str | None = None
    order: int = 100

    def label_for(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels.get("zh_CN") or self.labels.get("en") or self.name

    def choice_label(self, value: str, locale: str) -> str:
        for key, labels in self.choices:
            if key == value:
                return labels.get(locale) or labels.get("zh_CN") or labels.get("en") or key
        return value


@dataclass(frozen=True)
class SearchDecl:
    """What the global search indexes of one model (``register_search``).

    ``title`` names the attribute shown as the result's title; ``text``
    fields are matched as substrings (Chinese and Latin) and by pinyin
    (full spelling and initials); ``phones`` are normalised before matching
    (+86, spaces, dashes); ``emails`` and ``codes`` (document numbers,
    credit codes) match exactly or by prefix. ``subtitle`` is an attribute
    shown under the title. Results are filtered by the reader's ``read``
    scope; custom text fields of the model are indexed too.
    """

    model: str
    title: str
    text: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    subtitle: str | None = None
    icon: str = "file"

    def fields(self) -> tuple[str, ...]:
        return (self.title, *self.text, *self.phones, *self.emails, *self.codes,
                *((self.subtitle,) if self.subtitle else ()))


#: how a report may group a date or datetime dimension
DATE_GRAINS = ("day", "month", "quarter", "year")
#: aggregates a measure may use: ``"count"`` or ``"<aggregate>:<column>"``
AGGREGATES = ("count", "sum", "avg", "min", "max", "count_distinct", "count_readable")


@dataclass(frozen=True)
class DatasetDecl:
    """Numbers a report may show about one model (``register_report_datasets``).

    ``dimensions`` are columns to group by (a date or datetime column groups
    by day, month, quarter or year, as the report chooses; a foreign key shows
    the referenced record's name); ``measures`` map a name to ``"count"`` or
    ``"<sum|avg|min|max|count_distinct|count_readable>:<column>"``
    (``count_readable``: the distinct records a foreign key references that
    the reader may read, e.g. the customers on booths, not every customer);
    ``filters`` are the columns a report may filter on. The kernel aggregates
    in SQL over the rows the reader's ``<model>.<action>`` scope allows
    (:mod:`core.reports`).
    ``labels`` name the measures (and may name dimensions, which otherwise
    use their column's ``label``); ``action`` is the permission a reader needs.
    """

    key: str
    label: str
    model: type[Base]
    dimensions: tuple[str, ...]
    measures: dict[str, str]  # name -> aggregate "sum:amount" / "count"
    filters: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    action: str = "read"

    def validate(self) -> None:
        columns = set(self.model.__table__.columns.keys())
        for dim in self.dimensions:
            if dim not in columns:
                raise DeclarationError(f"dataset {self.key}: unknown dimension {dim!r}")
        for name in self.filters:
            if name not in columns:
                raise DeclarationError(f"dataset {self.key}: unknown filter {name!r}")
        for name, spec in self.measures.items():
            func, _, col = spec.partition(":")
            if func not in AGGREGATES:
                raise DeclarationError(f"dataset {self.key}: measure {name!r} has bad aggregate")
            if func != "count" and col not in columns:
                raise DeclarationError(f"dataset {self.key}: measure {name!r} unknown column")
            if func == "count_readable" and not self.model.__table__.columns[col].foreign_keys:
                raise DeclarationError(f"dataset {self.key}: measure {name!r} counts no reference")
        if not self.measures:
            raise DeclarationError(f"dataset {self.key}: no measures")
        if self.action not in ACTIONS:
            raise DeclarationError(f"dataset {self.key}: unknown action {self.action!r}")


@dataclass(frozen=True)
class PrintDecl:
    """A printable document type (``register_print_templates``; the printing
    plugin renders it with WeasyPrint).

    ``template`` is the default Jinja template (``.html``, in the plugin's
    ``templates/``), extending the kernel's ``print/layout.html``; it reads
    only ``doc`` (the record's fields the reader may see, custom fields
    included, plus what ``context(session, actor, record)`` adds: plain
    values, lists and dicts, such as the lines and the customer's name),
    ``org`` (the letterhead) and ``lang``. ``number`` names the attribute
    holding the document number (the QR code and the file name; the id when
    empty). ``keep_issued``: a copy of each issued PDF is kept with the data as
    printed (contracts, invoices). Printing needs ``<model>.read`` on the
    record.
    """

    key: str
    label: str
    model: type[Base]
    template: str
    number: str = ""
    context: Callable[[Any, Any, Any], dict[str, Any]] | None = None
    keep_issued: bool = False

    def validate(self) -> None:
        if not self.template.endswith(".html"):
            raise DeclarationError(f"print {self.key}: template {self.template!r} must end in .html")
        if self.number and self.number not in self.model.__table__.columns:
            raise DeclarationError(f"print {self.key}: unknown number column {self.number!r}")


#: widths of a workbench widget: a quarter, a half or the whole row
WIDGET_SIZES = ("sm", "md", "lg")


@dataclass(frozen=True)
class WidgetDecl:
    """A block users may put on their workbench (``register_widgets``; the
    dashboard plugin arranges them per user and per role).

    The dashboard renders ``template`` with what ``data(ctx)`` returns, when
    the widget is shown (each widget loads on its own); ``permission`` hides
    the widget from users without it (``AUTHENTICATED``: everyone). ``data``
    reads through the kernel's services, so it sees only what the user may.
    """

    key: str
    label: str
    template: str
    data: Callable[[Any], dict[str, Any]]
    permission: str = "authenticated"
    size: str = "md"
    icon: str = "layout-dashboard"

    def validate(self) -> None:
        if self.size not in WIDGET_SIZES:
            sizes = ", ".join(WIDGET_SIZES)
            raise DeclarationError(f"widget {self.key}: size {self.size!r} is none of {sizes}")


@dataclass(frozen=True)
class TaskDecl:
    """A kind of job (:mod:`core.jobs`): ``func(ctx: JobContext)`` runs it.

    A job that raises is retried with back-off until it has run
    ``max_attempts`` times, then parked. ``timeout_seconds`` is the longest
    an attempt may run: the worker renews its lease until then; after it (or
    once a dead worker's lease runs out), another worker may take the job
    over. ``on_give_up(session, payload, reason)`` runs in the transaction
    that parks the job (its last attempt failed, or its worker died in it):
    for a task whose records show a state of their own (an import batch
    "writing…"), to mark them failed.
    """

    name: str
    func: Callable[..., Any]
    max_attempts: int = 5
    timeout_seconds: int = 300
    on_give_up: Callable[[Session, Any, str], None] | None = None

    def validate(self) -> None:
        if not callable(self.func):
            raise DeclarationError(f"task {self.name}: func is not callable")
        if self.on_give_up is not None and not callable(self.on_give_up):
            raise DeclarationError(f"task {self.name}: on_give_up is not callable")
        if self.max_attempts < 1:
            raise DeclarationError(f"task {self.name}: max_attempts must be at least 1")
        if self.timeout_seconds < 1:
            raise DeclarationError(f"task {self.name}: timeout_seconds must be at least 1")


@dataclass(frozen=True)
class JobDecl:
    """A scheduled job: the task ``name`` (``func(ctx)``), enqueued by the
    scheduler whenever the five-field cron ``schedule`` fires (China time)."""

    name: str
    func: Callable[..., Any]
    schedule: str  # cron expression, "*/5 * * * *"

    def validate(self) -> None:
        try:
            parse_cron(self.schedule)
        except CronError as exc:
            raise DeclarationError(f"job {self.name}: {exc}") from None
        self.task().validate()

    def task(self) -> TaskDecl:
        """The task the job runs (default attempts and timeout)."""
        return TaskDecl(self.name, self.func)


@dataclass(frozen=True)
class SequenceDecl:
    """A document numbering sequence: per org and (by default) per year.

    ``pattern`` fields: ``{seq}`` (with a format spec, ``{seq:06}``), ``{year}``,
    ``{yy}``, ``{month:02}``, ``{org}`` (the organisation's code). An
    administrator may change the pattern per organisation.
    """

    key: str
    label: str
    pattern: str
    yearly: bool = True

    def validate(self) -> None:
        from core.numbering import check_pattern

        problem = check_pattern(self.pattern)
        if problem:
            raise DeclarationError(f"sequence {self.key}: {problem}")


@dataclass
class Registry:
    """Everything the enabled plugins declared, collected once at start-up."""

    models: dict[str, type[Base]] = field(default_factory=dict)
    model_plugin: dict[str, str] = field(default_factory=dict)
    permissions: dict[str, PermissionDecl] = field(default_factory=dict)
    roles: dict[tuple[str, str], RoleDecl] = field(default_factory=dict)
    #: (granting plugin, grant): codes added to roles of other plugins
    role_grants: list[tuple[str, RoleGrant]] = field(default_factory=list)
    menu: list[MenuItem] = field(default_factory=list)
    workflows: dict[str, WorkflowDecl] = field(default_factory=dict)
    datasets: dict[str, DatasetDecl] = field(default_factory=dict)
    jobs: dict[str, JobDecl] = field(default_factory=dict)
    #: every task by name: the declared ones and one per scheduled job
    tasks: dict[str, TaskDecl] = field(default_factory=dict)
    sequences: dict[str, SequenceDecl] = field(default_factory=dict)
    #: model key -> what the global search indexes of it
    search: dict[str, SearchDecl] = field(default_factory=dict)
    #: document type key -> how it prints
    prints: dict[str, PrintDecl] = field(default_factory=dict)
    #: widget key -> what a workbench may show
    widgets: dict[str, WidgetDecl] = field(default_factory=dict)
    #: model key -> (mount, the kit's ``Crud`` that shows it): the models a plugin
    #: exposes, for the API, import and export
    cruds: dict[str, tuple[str, Any]] = field(default_factory=dict)

"""The hook contract between the kernel and its plugins.

Every hook a plugin may implement is declared here, grouped by family:

* ``register_*`` hooks return declarations (data); the kernel collects the
  results of every enabled plugin and does the work.
* ``*_panels`` and ``*_menu_items`` hooks fill UI slots.
* ``on_*`` hooks are events; handlers run inside the request's database
  transaction, so they must not do anything outside the database (send
  e-mail through the job outbox instead).

Service plugins declare hooks of their own in a ``hookspecs.py`` module of
their package, names prefixed with the plugin's name; the kernel adds those
specifications before it registers any implementation.

Each hook is documented in ``docs/plugins.md`` with its exact signature; a
test fails when one is missing there or has no test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from starlette.responses import Response

    from core.db import Base
    from core.notify import Notification
    from core.permissions import Actor
    from core.registry import (
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
        WidgetDecl,
        WorkflowDecl,
    )
    from core.web import Ctx, Routes

hookspec = pluggy.HookspecMarker("suanpan")
hookimpl = pluggy.HookimplMarker("suanpan")

# ----------------------------------------------------------------- declarations


@hookspec
def register_models() -> list[type[Base]]:
    """Return the SQLAlchemy model classes this plugin owns.

    The kernel uses them for permission keys, the recycle bin, the audit
    trail and the migration check. Tables are named ``<plugin>_<noun>``.
    """


@hookspec
def register_permissions() -> list[PermissionDecl]:
    """Return the permission codes this plugin defines, as data.

    Codes are ``<plugin>.<model>.<action>`` with the actions read, create,
    update, delete, export, import, print, approve, assign, share. Every code
    a route or service checks must be declared here (deny by default).
    """


@hookspec
def register_roles() -> list[RoleDecl]:
    """Return the default roles this plugin ships, with their grants and scopes.

    Roles are registered under ``(plugin, key)``: an upgrade updates what the
    plugin shipped and never a role an administrator created.
    """


@hookspec
def register_role_grants() -> list[RoleGrant]:
    """Return permissions of this plugin to add to roles other plugins ship.

    A domain plugin gives its codes to the roles of the plugin it builds on
    (the sales plugin lets the CRM's salesperson make quotes), so that one
    role keeps describing one job. ``RoleGrant(role, grants)`` names the
    role by its stored key (``crm.salesperson``); a role that is not there
    (its plugin is off) is skipped. Like a role's own grants, a code is
    added only while the role lacks it: an administrator's change stays.
    firstresult: no.
    """


@hookspec
def register_routes() -> Routes | None:
    """Return the plugin's route table; the kernel mounts it once.

    Every route names the permission it needs (or says it is public); a route
    without one makes the application refuse to start.
    """


@hookspec
def register_menu_items() -> list[MenuItem]:
    """Return entries for the left navigation; each names its permission."""


@hookspec
def register_workflows() -> list[WorkflowDecl]:
    """Return the state machines of the plugin's document types, as data."""


@hookspec
def register_report_datasets() -> list[DatasetDecl]:
    """Return report datasets: a model, its dimensions, measures and filters."""


@hookspec
def register_print_templates() -> list[PrintDecl]:
    """Return the plugin's printable document types: a model, its default
    template (extending ``print/layout.html``) and what the template may read.

    The printing plugin renders them (PDF, batches, issued copies, the
    administrator's template versions); without it nothing prints.
    """


@hookspec
def register_widgets() -> list[WidgetDecl]:
    """Return blocks users may put on their workbench: a template and the
    function that gives its data for the request's user.

    The dashboard plugin shows and arranges them; without it they are unused.
    """


@hookspec(firstresult=True)
def home_page(ctx: Ctx) -> Response | None:
    """The page at ``/`` for a logged-in user, or None to leave it to the
    next plugin (and finally the kernel's own workbench of record counts).

    The first answer wins; pluggy asks the plugin loaded last first, so a
    plugin that depends on the dashboard may replace its workbench.
    """


@hookspec
def register_jobs() -> list[JobDecl]:
    """Return scheduled jobs: a name, a callable and a five-field cron schedule.

    Each is also a task of its name; the scheduler enqueues it when it is due.
    """


@hookspec
def register_tasks() -> list[TaskDecl]:
    """Return the tasks this plugin runs as jobs (:func:`core.jobs.enqueue`).

    A task is a function of one argument, a :class:`core.jobs.JobContext`;
    names are in the plugin's namespace (``visits.send_reminder``).
    """


@hookspec
def register_sequences() -> list[SequenceDecl]:
    """Return the document numbering sequences of the plugin's document types.

    Numbers come from :func:`core.numbering.next_number` inside the
    transaction that creates the document: gap-free and unique per org (and
    year) even under concurrency.
    """


@hookspec
def register_search() -> list[SearchDecl]:
    """Return what the global search indexes: per model, its title, text,
    phone, e-mail and code fields (:class:`core.SearchDecl`)."""


# ----------------------------------------------------------------- data of records


@hookspec
def extra_fields(session: Session, model_key: str) -> list[ExtraField]:
    """Return the run-time fields (custom fields) of ``model_key``, in order.

    Asked at most once per model and transaction (:func:`core.extra_fields_of`
    caches the answer in the session); models with the ``extra`` column
    (:class:`core.ExtraMixin`) show, bind, validate, filter and export them.
    """


# ----------------------------------------------------------------- UI slots


@hookspec
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """Return panels to show on a record's detail page (timeline, audit, ...).

    Called for every detail page; return an empty list for models you do not
    extend. Panels render their own template with the record in context.
    """


@hookspec
def list_actions(session: Session, model_key: str, actor: Actor) -> list[Panel]:
    """Return buttons for the header of a model's list page (export, import).

    Called for every full list page of the kit; each item's template is
    included with the page's variables (``crud``, ``page``, ``request``)
    plus ``item``. Check the actor's permissions yourself.
    """


@hookspec
def form_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """Return panels shown under a model's form (``record`` is None on the
    new-record form): a duplicate warning, a help text.

    Each panel's template is included inside the ``<form>`` with the page's
    variables plus ``panel``; it may use htmx to react to the fields.
    """


@hookspec
def topbar_items(session: Session, actor: Actor) -> list[Panel]:
    """Return items for the page's top bar, next to the user menu (the
    notification bell with its unread count, a phone status).

    Called once per full page for the signed-in ``actor``; keep it to one
    cheap query. Each item renders its own template.
    """


# ----------------------------------------------------------------- data


@hookspec
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    """Insert demo records on the first ``make run``.

    ``orgs`` and ``users`` map the kernel's demo keys to ids, so a plugin can
    give its records an organisation and an owner.
    """


# ----------------------------------------------------------------- events


@hookspec
def on_record_created(session: Session, actor: Actor | None, record: Any) -> None:
    """A record of an audited model was inserted (inside the transaction)."""


@hookspec
def on_records_created(session: Session, actor: Actor | None, model: type[Base],
                       rows: Sequence[Mapping[str, Any]]) -> None:
    """Many records of ``model`` were inserted at once (:func:`core.create_many`,
    inside the transaction); each row maps every column to its value, ``id``
    included. A plugin that implements this is not also called with
    ``on_record_created`` for them (one that does not is, per record).
    Implement it when per-record work would be slow for an import of
    100,000 rows: write index or key rows with one statement."""


@hookspec
def on_record_updated(
    session: Session, actor: Actor | None, record: Any, changes: dict[str, list[Any]]
) -> None:
    """A record was updated; ``changes`` maps each field to ``[old, new]``."""


@hookspec
def on_record_deleted(session: Session, actor: Actor | None, record: Any, soft: bool) -> None:
    """A record was deleted: moved to the recycle bin (``soft``) or purged."""


@hookspec
def on_field_rules_changed(session: Session, role_id: int, model_keys: list[str]) -> None:
    """A role's field rules (hidden / masked / read-only fields) changed for ``model_keys``.

    Fired by the role page's service inside its transaction, after the new
    rules are flushed. A plugin that copied field values somewhere readers
    reach without the kit (a search index) re-derives them, through the job
    outbox when it is heavy.
    """


@hookspec
def on_record_transitioned(
    session: Session, actor: Actor, record: Any, transition: str, from_state: str, to_state: str,
    comment: str,
) -> None:
    """A workflow transition moved ``record`` from ``from_state`` to ``to_state``.

    Fired by :func:`core.workflows.transition` after the history row is
    written, inside the same transaction; ``transition`` is its name.
    """


@hookspec
def on_notification(session: Session, notification: Notification) -> None:
    """Someone should hear of something (:func:`core.notify`).

    Fired inside the sender's transaction. A delivering plugin stores what it
    shows in the suite and queues anything that leaves the machine (e-mail,
    SMS, chat) with :func:`core.enqueue`, so a rolled-back change sends
    nothing.
    """

"""Everything the activity plugin registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import (
    AUTHENTICATED,
    N_,
    JobDecl,
    MenuItem,
    Notification,
    Panel,
    PermissionDecl,
    RoleDecl,
    Routes,
    TaskDecl,
    WidgetDecl,
    hookimpl,
)
from plugins.activity import (
    routes_notifications,  # noqa: F401 - registers the notification pages
    routes_reminders,  # noqa: F401 - registers the reminder rule pages
    widgets,
)
from plugins.activity.channels import BUILT_IN, Channel
from plugins.activity.models import MODELS
from plugins.activity.permissions import PERMISSIONS, ROLES
from plugins.activity.routes import routes
from plugins.activity.services import notifications, reminders
from plugins.activity.services.demo import load_demo
from plugins.activity.services.purge import purge_record
from plugins.activity.services.records import OWN_KEYS
from plugins.activity.services.timeline import timeline
from plugins.activity.storage import BlobStore

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Base


@hookimpl
def register_models() -> list[type[Base]]:
    return list(MODELS)


@hookimpl
def register_permissions() -> list[PermissionDecl]:
    return PERMISSIONS


@hookimpl
def register_roles() -> list[RoleDecl]:
    return ROLES


@hookimpl
def register_routes() -> Routes:
    return routes


@hookimpl
def register_menu_items() -> list[MenuItem]:
    return [MenuItem("tasks", N_("My tasks"), "activity:task_list", AUTHENTICATED,
                     icon="checklist", order=10),
            MenuItem("notifications", N_("Notifications"), "activity:notification_list", AUTHENTICATED,
                     icon="bell", order=11),
            MenuItem("notification-channels", N_("E-mail and SMS"), "activity:channel_settings",
                     "activity.channel_settings.update", icon="mail-cog", section=N_("Administration"),
                     order=907),
            MenuItem("reminder-rules", N_("Reminder rules"), "activity:reminder_list",
                     "activity.reminder_rule.read", icon="alarm", section=N_("Administration"), order=908)]


@hookimpl
def register_tasks() -> list[TaskDecl]:
    return [TaskDecl(notifications.TASK, notifications.deliver, max_attempts=6, timeout_seconds=120),
            TaskDecl(reminders.TASK_DUE, reminders.remind_task, max_attempts=3)]


@hookimpl
def register_jobs() -> list[JobDecl]:
    """Reminder rules and due tasks, every hour (idempotent: nothing fires twice)."""
    return [JobDecl(reminders.JOB, reminders.run_reminders, "0 * * * *")]


@hookimpl
def register_widgets() -> list[WidgetDecl]:
    """My tasks due and my reminders, for the dashboard's workbench."""
    return widgets.WIDGETS


@hookimpl
def topbar_items(session: Session, actor: Actor) -> list[Panel]:
    """The bell, with the unread count, that the inbox page and the live stream update."""
    return [routes_notifications.bell(session, actor.user_id)]


@hookimpl
def on_notification(session: Session, notification: Notification) -> None:
    """Into the recipients' inboxes; out through the channels they get, after the commit."""
    notifications.receive(session, notification,
                          notifications.channels(session.info.get("hook")).values())


@hookimpl
def activity_notification_channels() -> list[Channel]:
    """The built-in channels register like anyone else's: e-mail and SMS."""
    return list(BUILT_IN)


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """The timeline, on the page of every record (the page checked it may be read)."""
    if model_key in OWN_KEYS or not hasattr(record, "id"):
        return []
    view = timeline(session, actor, model_key, record, hook=session.info.get("hook"),
                    store=_store(session))
    # the timeline shows the change history itself: the kernel's panel would repeat it
    return [Panel("activity-timeline", N_("Timeline"), "activity/_record_panel.html",
                  {"timeline": view}, order=50, replaces=("audit",))]


@hookimpl
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    load_demo(session, users)


@hookimpl
def on_record_deleted(session: Session, actor: Actor | None, record: Any, soft: bool) -> None:
    """A purged record takes its notes, activities and files along; one in the
    recycle bin keeps them (it may come back)."""
    key = getattr(record, "__model_key__", "")
    if not soft and key not in OWN_KEYS and hasattr(record, "id"):
        purge_record(session, _store(session), key, record.id)


def _store(session: Session) -> BlobStore | None:
    settings = session.info.get("settings")  # set by the kernel for web requests
    return BlobStore.from_settings(settings) if settings is not None else None

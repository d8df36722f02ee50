"""Permission codes and the shipped role of the activity plugin, as data.

Nothing here opens a timeline: reading one, or downloading a file, needs
read access to its parent record (design rule 4). These codes add writing,
and deleting or changing what *someone else* wrote (within the code's scope,
measured on the note's, activity's or file's organisation, author and
department). Authors may always delete their own entries on a record they
can still read.
"""

from __future__ import annotations

from core import N_, PermissionDecl, RoleDecl, model_permissions
from plugins.activity.models import ReminderRule

PERMISSIONS: list[PermissionDecl] = [
    PermissionDecl("activity.note.create", N_("Write notes on records you can read")),
    PermissionDecl("activity.note.delete", N_("Delete other people's notes")),
    PermissionDecl("activity.activity.create", N_("Log activities and create tasks")),
    PermissionDecl("activity.activity.update", N_("Complete or reopen other people's activities")),
    PermissionDecl("activity.activity.delete", N_("Delete other people's activities")),
    PermissionDecl("activity.activity.assign", N_("Assign tasks to other people")),
    PermissionDecl("activity.attachment.create", N_("Upload files to records you can read")),
    PermissionDecl("activity.attachment.delete", N_("Delete other people's files")),
    # reminder rules of an organisation (Administration -> Reminder rules)
    *model_permissions(ReminderRule, ("read", "create", "update")),
    PermissionDecl("activity.channel_settings.update", N_("Configure e-mail and SMS of an organisation")),
]

ROLES: list[RoleDecl] = [
    RoleDecl("contributor", "动态参与者", "Timeline contributor", grants={
        "activity.note.create": "org",
        "activity.activity.create": "org",
        "activity.activity.assign": "org",
        "activity.attachment.create": "org",
    }, description=N_("Write notes, log activities, assign tasks and upload files "
                      "on the records one can read.")),
    RoleDecl("moderator", "动态管理员", "Timeline moderator", grants={
        "activity.note.delete": "org",
        "activity.activity.update": "org",
        "activity.activity.delete": "org",
        "activity.attachment.delete": "org",
    }, description=N_("Tidy the timelines of an organisation: complete, reopen and delete "
                      "what others wrote.")),
]

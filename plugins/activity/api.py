"""The activity plugin's API for other plugins: import from here only.

A plugin that lists ``activity`` in ``depends`` may write notes and log
activities on its records, read their attachments, and add entries to
timelines through the hook ``activity_timeline_entries``, and add
notification channels (``Channel``) through ``activity_notification_channels``. Everything else
in this package may change without notice.
"""

from __future__ import annotations

from plugins.activity.channels import Channel, HttpSmsGateway, Rendered, SmsGateway
from plugins.activity.models import KINDS
from plugins.activity.services.activities import log_activity
from plugins.activity.services.notes import add_note
from plugins.activity.services.outbound import queue_message, set_task_done, system_task
from plugins.activity.services.timeline import TimelineEntry

__all__ = ["KINDS", "Channel", "HttpSmsGateway", "Rendered", "SmsGateway", "TimelineEntry", "add_note",
           "log_activity", "queue_message", "set_task_done", "system_task"]

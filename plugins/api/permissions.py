"""Permission codes of the api plugin, as data.

The REST resources declare no codes of their own: each answers under the
codes of the model it shows (``<model>.read``, ``.create``, ...), exactly
like that model's pages. Webhooks are an organisation's settings.
"""

from __future__ import annotations

from core import PermissionDecl, model_permissions
from plugins.api.models import Delivery, Webhook

PERMISSIONS: list[PermissionDecl] = [
    *model_permissions(Webhook, ("read", "create", "update")),
    # the delivery log; replaying a delivery needs api.webhook.update
    *model_permissions(Delivery, ("read",)),
]

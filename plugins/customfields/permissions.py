"""Permission codes of the customfields plugin, as data.

Field definitions are installation-wide: the codes need the scope "all"
(the administrator role has them). Who sees or changes a field's *values*
is the kernel's business: the model's own permissions and the role page's
field rules under the field's name.
"""

from __future__ import annotations

from core import PermissionDecl, model_permissions
from plugins.customfields.models import Field

PERMISSIONS: list[PermissionDecl] = model_permissions(Field, ("read", "create", "update", "delete"))

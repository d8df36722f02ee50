"""Permission codes of the dataio plugin. Importing and exporting a model
needs that model's own ``<model>.import`` and ``<model>.export``; merging
needs ``<model>.update`` on the survivor and ``<model>.delete`` on the others."""

from __future__ import annotations

from core import PermissionDecl, model_permissions
from plugins.dataio.models import Batch, MergeLog

#: dataio.batch.read: see other users' import batches (in the grant's scope);
#: dataio.merge_log.read: see the merge log
PERMISSIONS: list[PermissionDecl] = [
    *model_permissions(Batch, ("read",)),
    *model_permissions(MergeLog, ("read",)),
]

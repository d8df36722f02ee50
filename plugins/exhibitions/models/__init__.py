"""The exhibitions plugin's models, one module per concept; imported from here."""

from __future__ import annotations

from plugins.exhibitions.models.booths import Booth, FloorPlan
from plugins.exhibitions.models.decoration import (
    Builder,
    DecorationDeposit,
    DecorationProject,
    DecorationRound,
    DecorationRule,
)
from plugins.exhibitions.models.manual import ManualForm, ManualReminder, ManualSubmission
from plugins.exhibitions.models.sales import (
    Application,
    EditionDeal,
    PointsAdjustment,
    PriceRule,
    WaitlistEntry,
)
from plugins.exhibitions.models.services import ExhibitorService, ServiceBooking, ServiceOrder, ServiceOrderLine
from plugins.exhibitions.models.shows import Edition, ShowSeries
from plugins.exhibitions.models.storage import StorageLine, StorageReceipt
from plugins.exhibitions.models.venues import Space, SpaceBooking, Venue, Zone
from plugins.exhibitions.models.visitors import Admission, Visitor

__all__ = ["Admission", "Application", "Booth", "Edition", "EditionDeal", "ExhibitorService", "FloorPlan",
           "MODELS", "PointsAdjustment", "PriceRule", "ServiceBooking", "ServiceOrder", "ServiceOrderLine",
           "ShowSeries", "Space", "SpaceBooking", "Venue", "Visitor", "WaitlistEntry", "Zone",
           "Builder", "DecorationDeposit", "DecorationProject", "DecorationRound", "DecorationRule",
           "ManualForm", "ManualReminder", "ManualSubmission", "StorageLine", "StorageReceipt"]

#: every model, in the order register_models gives them (parents first)
MODELS = [Venue, Space, Zone, ShowSeries, Edition, SpaceBooking, FloorPlan, Booth, PriceRule, Application,
          WaitlistEntry, PointsAdjustment, EditionDeal, ExhibitorService, ServiceOrder, ServiceOrderLine,
          ServiceBooking, Visitor, Admission,
          Builder, DecorationRule, DecorationProject, DecorationRound, DecorationDeposit,
          ManualForm, ManualSubmission, ManualReminder, StorageReceipt, StorageLine]

"""The exhibitions plugin's models, one module per concept; imported from here."""

from __future__ import annotations

from plugins.exhibitions.models.badges import ExhibitorBadge
from plugins.exhibitions.models.booths import Booth, FloorPlan
from plugins.exhibitions.models.decoration import (
    Builder,
    DecorationDeposit,
    DecorationProject,
    DecorationRound,
    DecorationRule,
)
from plugins.exhibitions.models.desk import DeskRequest, DeskSla
from plugins.exhibitions.models.manual import ManualForm, ManualReminder, ManualSubmission
from plugins.exhibitions.models.portal import (
    ExhibitorProduct,
    ExhibitorProfile,
    Lead,
    PortalAccount,
    PortalSession,
)
from plugins.exhibitions.models.rebooking import RebookingOffer
from plugins.exhibitions.models.registration import VisitorGate, VisitorQuestion, VisitorSetup
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
from plugins.exhibitions.models.surveys import Survey, SurveyAnswer, SurveyInvite, SurveyQuestion
from plugins.exhibitions.models.venues import Space, SpaceBooking, Venue, Zone
from plugins.exhibitions.models.visitors import Admission, Visitor

__all__ = ["Admission", "Application", "Booth", "DeskRequest", "DeskSla", "Edition", "EditionDeal",
           "ExhibitorProduct", "ExhibitorProfile", "ExhibitorService", "FloorPlan", "Lead", "PortalAccount",
           "PortalSession", "RebookingOffer", "Survey", "SurveyAnswer", "SurveyInvite", "SurveyQuestion",
           "MODELS", "PointsAdjustment", "PriceRule", "ServiceBooking", "ServiceOrder", "ServiceOrderLine",
           "ShowSeries", "Space", "SpaceBooking", "Venue", "Visitor", "WaitlistEntry", "Zone",
           "Builder", "DecorationDeposit", "DecorationProject", "DecorationRound", "DecorationRule",
           "ManualForm", "ManualReminder", "ManualSubmission", "StorageLine", "StorageReceipt"]
__all__ += ["ExhibitorBadge", "VisitorGate", "VisitorQuestion", "VisitorSetup"]

#: every model, in the order register_models gives them (parents first); not PortalSession, whose
#: key is a token's hash (as the kernel's AuthSession, a table of the login's, not a record of anyone's)
MODELS = [Venue, Space, Zone, ShowSeries, Edition, SpaceBooking, FloorPlan, Booth, PriceRule, Application,
          WaitlistEntry, PointsAdjustment, EditionDeal, ExhibitorService, ServiceOrder, ServiceOrderLine,
          ServiceBooking, Visitor, Admission, VisitorSetup, VisitorQuestion, VisitorGate, ExhibitorBadge,
          Builder, DecorationRule, DecorationProject, DecorationRound, DecorationDeposit,
          ManualForm, ManualSubmission, ManualReminder, StorageReceipt, StorageLine,
          DeskRequest, DeskSla, PortalAccount, ExhibitorProfile, ExhibitorProduct, Lead,
          Survey, SurveyQuestion, SurveyInvite, SurveyAnswer, RebookingOffer]

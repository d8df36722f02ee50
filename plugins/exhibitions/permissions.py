"""Permission codes of the exhibitions and the roles the plugin ships, as data.

The exhibition manager (展会经理) sets up venues, shows, editions, floor
plans and prices for the organisation and confirms releases of unpaid
booths; space sellers (招展专员) hold, reserve and sell booths on every
plan of the organisation, for their own customers, and handle the
applications; the venue planner (场馆调度) books the halls.
"""

from __future__ import annotations

from core import N_, PermissionDecl, RoleDecl, RoleGrant, model_permissions
from plugins.exhibitions.models import (
    Application,
    Booth,
    Edition,
    ExhibitorService,
    FloorPlan,
    PointsAdjustment,
    PriceRule,
    RebookingOffer,
    ServiceOrder,
    ShowSeries,
    Space,
    SpaceBooking,
    Survey,
    Venue,
    Visitor,
    WaitlistEntry,
    Zone,
)

_SETUP = ("read", "create", "update", "delete")

PERMISSIONS: list[PermissionDecl] = [
    *model_permissions(Venue, _SETUP),
    *model_permissions(Space, _SETUP),
    *model_permissions(Zone, _SETUP),
    *model_permissions(SpaceBooking, _SETUP),
    *model_permissions(ShowSeries, _SETUP),
    *model_permissions(Edition, (*_SETUP, "export")),
    *model_permissions(FloorPlan, (*_SETUP, "print")),
    *model_permissions(Booth, (*_SETUP, "export")),
    PermissionDecl("exhibitions.booth.sell", N_("Hold, reserve and sell booths, and vacate them")),
    PermissionDecl("exhibitions.booth.release", N_("Release booths whose deposit is overdue")),
    *model_permissions(PriceRule, _SETUP),
    *model_permissions(Application, (*_SETUP, "export", "approve")),
    *model_permissions(WaitlistEntry, _SETUP),
    *model_permissions(PointsAdjustment, ("read", "create")),
    *model_permissions(ExhibitorService, _SETUP),
    *model_permissions(ServiceOrder, (*_SETUP, "export")),
    *model_permissions(Visitor, (*_SETUP, "export")),
    PermissionDecl("exhibitions.visitor.admit", N_("Admit visitors at the gates (scan their tickets)")),
    PermissionDecl("exhibitions.service_order.confirm",
                   N_("Confirm service orders (booking what is limited, making the sales order) "
                      "and cancel them")),
    *model_permissions(Survey, (*_SETUP, "send")),
    *model_permissions(RebookingOffer, (*_SETUP, "accept")),
    PermissionDecl("exhibitions.insights.read",
                   N_("See exhibitors' segments and rebooking likelihood, and make service plans")),
]

_SETUP_MODELS = ("venue", "space", "zone", "series", "edition", "floor_plan", "price_rule")


def _read_all(scope: str) -> dict[str, str]:
    return {f"exhibitions.{m}.read": scope for m in (*_SETUP_MODELS, "booth", "space_booking", "service")}


ROLES: list[RoleDecl] = [
    RoleDecl("manager", "展会经理", "Exhibition manager", grants={
        **{f"exhibitions.{m}.{a}": "org" for m in (*_SETUP_MODELS, "booth", "space_booking", "application",
                                                      "waitlist_entry", "service", "service_order", "visitor")
           for a in _SETUP},
        "exhibitions.visitor.export": "org", "exhibitions.visitor.admit": "org",
        "exhibitions.service_order.confirm": "org", "exhibitions.service_order.export": "org",
        "exhibitions.edition.export": "org", "exhibitions.booth.export": "org",
        "exhibitions.floor_plan.print": "org", "exhibitions.booth.sell": "org",
        "exhibitions.booth.release": "org", "exhibitions.application.export": "org",
        "exhibitions.application.approve": "org", "exhibitions.points_adjustment.read": "org",
        "exhibitions.points_adjustment.create": "org",
        "crm.customer.read": "org", "crm.contact.read": "org", "crm.opportunity.read": "org",
        "sales.contract.read": "org", "sales.quote.read": "org", "catalog.product.read": "all",
    }, description=N_("Sets up venues, shows, editions, floor plans and prices; sees every sale of the "
                      "organisation and releases booths whose deposit is overdue.")),
    RoleDecl("seller", "招展专员", "Space seller", grants={
        **_read_all("org"),
        "exhibitions.booth.update": "org", "exhibitions.booth.sell": "org",
        "exhibitions.floor_plan.print": "org",
        "exhibitions.application.read": "org", "exhibitions.application.create": "org",
        "exhibitions.application.update": "org", "exhibitions.application.approve": "org",
        "exhibitions.waitlist_entry.read": "org", "exhibitions.waitlist_entry.create": "org",
        "exhibitions.waitlist_entry.update": "org", "exhibitions.points_adjustment.read": "org",
    }, description=N_("Holds, reserves and sells booths on the organisation's floor plans and handles "
                      "exhibitors' applications.")),
    RoleDecl("services", "展商服务专员", "Exhibitor services", grants={
        **_read_all("org"),
        **{f"exhibitions.service_order.{a}": "org" for a in (*_SETUP, "confirm", "export")},
        "crm.customer.read": "org", "crm.contact.read": "org", "catalog.product.read": "all",
        "sales.contract.read": "org", "sales.contract.create": "org", "sales.contract.update": "org",
    }, description=N_("Takes exhibitors' service orders (power, furniture, meeting rooms, advertising), "
                      "confirms them into sales orders and cancels them.")),
    RoleDecl("gate", "检票员", "Gate staff", grants={
        "exhibitions.edition.read": "org", "exhibitions.visitor.read": "org",
        "exhibitions.visitor.admit": "org",
    }, description=N_("Scans visitors' tickets at the gates and reads the day's counts.")),
    RoleDecl("planner", "场馆调度", "Venue planner", grants={
        **_read_all("org"),
        **{f"exhibitions.{m}.{a}": "org" for m in ("venue", "space", "zone", "space_booking") for a in _SETUP},
    }, description=N_("Keeps the venues, halls and zones, and books the halls for editions and events.")),
]

#: the CRM's sales director sees the exhibitions of the organisation
ROLE_GRANTS: list[RoleGrant] = [
    RoleGrant("crm.director", _read_all("org")),
]

#: the cycle after the show (surveys, rebooking, insights): the manager runs it all, sellers offer and
#: accept rebookings and read the insights, the services desk reads the surveys
_CYCLE = {
    "manager": {**{f"exhibitions.{m}.{a}": "org" for m in ("survey", "rebooking_offer") for a in _SETUP},
                "exhibitions.survey.send": "org", "exhibitions.rebooking_offer.accept": "org",
                "exhibitions.insights.read": "org", "sales.contract.create": "org",
                "sales.contract.update": "org"},
    "seller": {**{f"exhibitions.rebooking_offer.{a}": "org" for a in ("read", "create", "update", "accept")},
               "exhibitions.insights.read": "org", "exhibitions.survey.read": "org"},
    "services": {"exhibitions.survey.read": "org"},
}
for _role in ROLES:
    _role.grants.update(_CYCLE.get(_role.key, {}))
ROLE_GRANTS.append(RoleGrant("crm.director", {
    "exhibitions.insights.read": "org", "exhibitions.survey.read": "org",
    "exhibitions.rebooking_offer.read": "org"}))

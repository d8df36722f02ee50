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
    Admission,
    Application,
    Booth,
    Builder,
    DecorationDeposit,
    DecorationProject,
    DecorationRound,
    DecorationRule,
    DeskRequest,
    DeskSla,
    Edition,
    ExhibitorBadge,
    ExhibitorProduct,
    ExhibitorProfile,
    ExhibitorService,
    FloorPlan,
    ManualForm,
    ManualReminder,
    ManualSubmission,
    PointsAdjustment,
    PortalAccount,
    PriceRule,
    RebookingOffer,
    ServiceOrder,
    ShowSeries,
    Space,
    SpaceBooking,
    StorageReceipt,
    Survey,
    Venue,
    Visitor,
    VisitorGate,
    VisitorQuestion,
    VisitorSetup,
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
    *model_permissions(DeskRequest, (*_SETUP, "export")),
    PermissionDecl("exhibitions.desk_request.dispatch", N_("Dispatch desk requests to staff")),
    PermissionDecl("exhibitions.desk_request.resolve", N_("Resolve desk requests")),
    *model_permissions(DeskSla, _SETUP),
    *model_permissions(PortalAccount, ("read", "create", "update")),
    *model_permissions(ExhibitorProfile, ("read",)),
    *model_permissions(ExhibitorProduct, ("read",)),
    *model_permissions(Survey, (*_SETUP, "send")),
    *model_permissions(RebookingOffer, (*_SETUP, "accept")),
    PermissionDecl("exhibitions.insights.read", N_("See exhibitors' segments and rebooking likelihood")),
    PermissionDecl("exhibitions.insights.plan",
                   N_("Make pre-show service plans (tasks for the key exhibitors' account managers)")),
    # special decoration, the exhibitor manual, storage (issue 10)
    *model_permissions(Builder, _SETUP),
    *model_permissions(DecorationRule, _SETUP),
    *model_permissions(DecorationProject, (*_SETUP, "review", "permit", "inspect", "deposit")),
    *model_permissions(DecorationRound, ("read",)),
    *model_permissions(DecorationDeposit, ("read",)),
    *model_permissions(ManualForm, _SETUP),
    *model_permissions(ManualSubmission, ("read", "create", "update")),
    *model_permissions(ManualReminder, ("read",)),
    *model_permissions(StorageReceipt, (*_SETUP, "print")),
]

#: the exhibitor portal: who manages its accounts and reads what exhibitors wrote there
_PORTAL = {"exhibitions.portal_account.read": "org", "exhibitions.portal_account.create": "org",
           "exhibitions.portal_account.update": "org", "exhibitions.exhibitor_profile.read": "org",
           "exhibitions.exhibitor_product.read": "org"}
# the registration and badges parts: visitor settings, questions and gates, staff badges
PERMISSIONS += [
    *model_permissions(VisitorSetup, ("read", "create", "update")),
    *model_permissions(VisitorQuestion, _SETUP),
    *model_permissions(VisitorGate, _SETUP),
    *model_permissions(ExhibitorBadge, _SETUP),
    *model_permissions(Admission, ("read",)),
]

_SETUP_MODELS = ("venue", "space", "zone", "series", "edition", "floor_plan", "price_rule")


def _read_all(scope: str) -> dict[str, str]:
    return {f"exhibitions.{m}.read": scope for m in (*_SETUP_MODELS, "booth", "space_booking", "service")}


#: what the decoration reviewer and the manager do with special decoration, the manual and storage
_ONSITE_PREP = {
    **{f"exhibitions.{m}.{a}": "org"
       for m in ("builder", "decoration_rule", "decoration_project", "manual_form") for a in _SETUP},
    **{f"exhibitions.decoration_project.{a}": "org" for a in ("review", "permit", "inspect", "deposit")},
    "exhibitions.decoration_round.read": "org", "exhibitions.decoration_deposit.read": "org",
    "exhibitions.manual_submission.read": "org", "exhibitions.manual_submission.create": "org",
    "exhibitions.manual_submission.update": "org", "exhibitions.manual_reminder.read": "org",
    "activity.attachment.create": "org",
}
_STORAGE = {**{f"exhibitions.storage_receipt.{a}": "org" for a in (*_SETUP, "print")}}

ROLES: list[RoleDecl] = [
    RoleDecl("manager", "展会经理", "Exhibition manager", grants={
        **{f"exhibitions.{m}.{a}": "org" for m in (*_SETUP_MODELS, "booth", "space_booking", "application",
                                                      "waitlist_entry", "service", "service_order", "visitor",
                                                      "desk_request", "desk_sla")
           for a in _SETUP},
        "exhibitions.desk_request.dispatch": "org", "exhibitions.desk_request.resolve": "org",
        "exhibitions.desk_request.export": "org",
        "exhibitions.visitor.export": "org", "exhibitions.visitor.admit": "org",
        "exhibitions.service_order.confirm": "org", "exhibitions.service_order.export": "org",
        "exhibitions.edition.export": "org", "exhibitions.booth.export": "org",
        "exhibitions.floor_plan.print": "org", "exhibitions.booth.sell": "org",
        "exhibitions.booth.release": "org", "exhibitions.application.export": "org",
        "exhibitions.application.approve": "org", "exhibitions.points_adjustment.read": "org",
        "exhibitions.points_adjustment.create": "org",
        "crm.customer.read": "org", "crm.contact.read": "org", "crm.opportunity.read": "org",
        "sales.contract.read": "org", "sales.quote.read": "org", "catalog.product.read": "all",
        **_PORTAL,
        **_ONSITE_PREP, **_STORAGE,
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
        **_PORTAL,
        **_STORAGE, "exhibitions.manual_form.read": "org", "exhibitions.manual_submission.read": "org",
        "exhibitions.manual_submission.create": "org", "exhibitions.manual_submission.update": "org",
        "activity.attachment.create": "org",
    }, description=N_("Takes exhibitors' service orders (power, furniture, meeting rooms, advertising), "
                      "confirms them into sales orders and cancels them.")),
    RoleDecl("gate", "检票员", "Gate staff", grants={
        "exhibitions.edition.read": "org", "exhibitions.visitor.read": "org",
        "exhibitions.visitor.admit": "org",
    }, description=N_("Scans visitors' tickets at the gates and reads the day's counts.")),
    RoleDecl("desk", "现场服务台", "On-site desk", grants={
        "exhibitions.edition.read": "org", "exhibitions.booth.read": "org",
        "exhibitions.floor_plan.read": "org",
        **{f"exhibitions.desk_request.{a}": "org" for a in ("read", "create", "update", "dispatch", "resolve",
                                                            "export")},
        "exhibitions.desk_sla.read": "org", "crm.customer.read": "org", "crm.contact.read": "org",
    }, description=N_("Takes exhibitors' requests and complaints during the show, dispatches them to the "
                      "technicians and closes them when the exhibitor agrees.")),
    RoleDecl("technician", "现场服务人员", "On-site technician", grants={
        "exhibitions.edition.read": "org", "exhibitions.desk_request.read": "org",
        "exhibitions.desk_request.resolve": "org",
    }, description=N_("Fixes what the desk dispatches (power, cleaning, damage) and says what was done.")),
    RoleDecl("planner", "场馆调度", "Venue planner", grants={
        **_read_all("org"),
        **{f"exhibitions.{m}.{a}": "org" for m in ("venue", "space", "zone", "space_booking") for a in _SETUP},
    }, description=N_("Keeps the venues, halls and zones, and books the halls for editions and events.")),
    RoleDecl("decoration", "特装审核员", "Decoration reviewer", grants={
        **_read_all("org"), **_ONSITE_PREP,
        "exhibitions.service_order.read": "org", "exhibitions.service_order.create": "org",
        "exhibitions.service_order.confirm": "org",
        "crm.customer.read": "org", "crm.contact.read": "org", "catalog.product.read": "all",
        "sales.contract.read": "org", "sales.contract.create": "org", "sales.contract.update": "org",
    }, description=N_("Keeps the stand builders, reviews special-decoration drawings, charges the management "
                      "fee, issues construction permits, inspects stands and settles their deposits; keeps the "
                      "exhibitor manual's forms.")),
]

# the registration and badges parts: the manager sets registration, questions, gates and badges up;
# exhibitor services keep the staff badges; gate staff read the gates (the hall of their gate)
_REGISTRATION = {f"exhibitions.{m}.{a}": "org" for m in ("visitor_question", "visitor_gate", "exhibitor_badge")
                 for a in _SETUP}
_REGISTRATION |= {f"exhibitions.visitor_setup.{a}": "org" for a in ("read", "create", "update")}
_BY_KEY = {r.key: r for r in ROLES}
_BY_KEY["manager"].grants.update(_REGISTRATION)
_BY_KEY["services"].grants.update({f"exhibitions.exhibitor_badge.{a}": "org" for a in _SETUP}
                       | {"exhibitions.visitor_setup.read": "org"})
_BY_KEY["gate"].grants.update({"exhibitions.visitor_gate.read": "org", "exhibitions.visitor_setup.read": "org",
                               "exhibitions.admission.read": "org"})
_BY_KEY["manager"].grants["exhibitions.admission.read"] = "org"

#: the CRM's sales director sees the exhibitions of the organisation
ROLE_GRANTS: list[RoleGrant] = [
    RoleGrant("crm.director", _read_all("org")),
]

#: the cycle after the show (surveys, rebooking, insights): the manager runs it all, sellers offer and
#: accept rebookings and read the insights, the services desk reads the surveys
_CYCLE = {
    "manager": {**{f"exhibitions.{m}.{a}": "org" for m in ("survey", "rebooking_offer") for a in _SETUP},
                "exhibitions.survey.send": "org", "exhibitions.rebooking_offer.accept": "org",
                "exhibitions.insights.read": "org", "exhibitions.insights.plan": "org",
                "sales.contract.create": "org", "sales.contract.update": "org"},
    "seller": {**{f"exhibitions.rebooking_offer.{a}": "org" for a in ("read", "create", "update", "accept")},
               "exhibitions.insights.read": "org", "exhibitions.survey.read": "org"},
    "services": {"exhibitions.survey.read": "org"},
}
for _role in ROLES:
    _role.grants.update(_CYCLE.get(_role.key, {}))
ROLE_GRANTS.append(RoleGrant("crm.director", {
    "exhibitions.insights.read": "org", "exhibitions.survey.read": "org",
    "exhibitions.rebooking_offer.read": "org"}))

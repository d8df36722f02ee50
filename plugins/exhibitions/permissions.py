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
    Builder,
    DecorationDeposit,
    DecorationProject,
    DecorationRound,
    DecorationRule,
    Edition,
    ExhibitorService,
    FloorPlan,
    ManualForm,
    ManualReminder,
    ManualSubmission,
    PointsAdjustment,
    PriceRule,
    ServiceOrder,
    ShowSeries,
    Space,
    SpaceBooking,
    StorageReceipt,
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
        **_STORAGE, "exhibitions.manual_form.read": "org", "exhibitions.manual_submission.read": "org",
        "exhibitions.manual_submission.create": "org", "exhibitions.manual_submission.update": "org",
        "activity.attachment.create": "org",
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

#: the CRM's sales director sees the exhibitions of the organisation
ROLE_GRANTS: list[RoleGrant] = [
    RoleGrant("crm.director", _read_all("org")),
]

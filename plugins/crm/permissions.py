"""Permission codes and the shipped sales roles of the CRM, as data.

Scopes carry the sales hierarchy: a salesperson reaches their own
customers (and the pools their roles may see), a sales manager their
department and those below it, a sales director the organisation.
"""

from __future__ import annotations

from core import N_, PermissionDecl, RoleDecl, model_permissions
from plugins.crm.models import (
    Care,
    CarePlan,
    Competitor,
    Contact,
    Customer,
    Enrollment,
    FollowUp,
    Lead,
    Opportunity,
    Segment,
    Sequence,
)

PERMISSIONS: list[PermissionDecl] = [
    *model_permissions(Customer),
    PermissionDecl("crm.customer.release", N_("Release one's customers to a public pool")),
    *model_permissions(Contact, ("read", "create", "update", "delete", "export", "import")),
    *model_permissions(Lead, ("read", "create", "update", "delete", "export", "import", "assign")),
    *model_permissions(FollowUp, ("read", "create", "update", "delete", "export")),
    *model_permissions(Opportunity, ("read", "create", "update", "delete", "export", "import", "assign")),
    *model_permissions(Competitor, ("read", "create", "update", "delete")),
    *model_permissions(Care, ("read", "create", "update", "delete", "export")),
    *model_permissions(CarePlan, ("read", "create", "update", "delete")),
    *model_permissions(Segment, ("read", "create", "update", "delete")),
    *model_permissions(Sequence, ("read", "create", "update", "delete")),
    *model_permissions(Enrollment, ("read", "create", "update")),
    PermissionDecl("crm.pool.read", N_("See the public pools one's roles are admitted to")),
    PermissionDecl("crm.pool.claim", N_("Claim customers from the public pools")),
    PermissionDecl("crm.pool.update", N_("Set up public pools, their caps and protection rules")),
    PermissionDecl("crm.pipeline.update", N_("Set up sales pipelines and their stages")),
    PermissionDecl("crm.webform.update", N_("Set up the web forms that bring in leads")),
    PermissionDecl("crm.settings.update", N_("Change the CRM settings of the organisation")),
    PermissionDecl("crm.customer_value.read",
                   N_("See how customer value scores were reached, and the value report")),
    PermissionDecl("crm.customer_value.update", N_("Recompute the customer value scores now")),
]

#: what a salesperson does to records they own
_OWN_WORK = ("read", "create", "update")


def _grants(scope: str, *, delete: bool, manage: bool) -> dict[str, str]:
    grants: dict[str, str] = {}
    for model in ("customer", "contact", "lead", "followup", "opportunity", "care", "enrollment"):
        for action in _OWN_WORK:
            grants[f"crm.{model}.{action}"] = scope
    grants.update({
        "crm.customer.release": scope, "crm.pool.read": scope, "crm.pool.claim": scope,
        "crm.competitor.read": "org", "crm.competitor.create": "org", "crm.competitor.update": "org",
        "crm.segment.read": scope, "crm.segment.create": scope, "crm.segment.update": scope,
        "crm.segment.delete": scope, "crm.sequence.read": "org", "crm.care_plan.read": scope,
        "crm.customer.print": scope, "crm.customer_value.read": scope,
        # a follow-up's next contact date is a task on the timeline (plugins/crm/activity.py)
        "activity.activity.create": scope,
    })
    if delete:
        for model in ("customer", "contact", "lead", "followup", "opportunity", "care"):
            grants[f"crm.{model}.delete"] = scope
    if manage:
        grants.update({
            "crm.customer.assign": scope, "crm.customer.export": scope, "crm.customer.import": scope,
            "crm.customer.share": scope, "crm.contact.export": scope, "crm.contact.import": scope,
            "crm.lead.assign": scope, "crm.lead.export": scope, "crm.lead.import": scope,
            "crm.opportunity.assign": scope, "crm.opportunity.export": scope, "crm.followup.export": scope,
            "crm.care.export": scope, "crm.care_plan.create": scope, "crm.care_plan.update": scope,
            "crm.care_plan.delete": scope, "crm.sequence.create": "org", "crm.sequence.update": "org",
            "crm.sequence.delete": "org", "crm.competitor.delete": "org",
            # a manager's follow-up on a salesperson's customer gives the owner the task
            "activity.activity.assign": scope, "core.user.read": scope,
            "crm.customer_value.update": scope,
        })
    return grants


ROLES: list[RoleDecl] = [
    RoleDecl("salesperson", "销售员", "Salesperson", grants=_grants("own", delete=False, manage=False),
             description=N_("Works their own customers, leads and opportunities; claims from the pools "
                            "their roles may see.")),
    RoleDecl("manager", "销售经理", "Sales manager",
             grants=_grants("department_tree", delete=True, manage=True),
             description=N_("Everything of the department and those below it: assigns, transfers and "
                            "recalls customers, imports and exports.")),
    RoleDecl("director", "销售总监", "Sales director", grants={
        **_grants("org", delete=True, manage=True),
        "crm.pool.update": "org", "crm.pipeline.update": "org", "crm.webform.update": "org",
        "crm.settings.update": "org",
    }, description=N_("Everything of the organisation, and its pools, pipelines, web forms and "
                      "CRM settings.")),
]

"""Permission codes of the sales documents, the roles the plugin ships and
what it adds to the CRM's sales roles, as data.

A salesperson quotes and contracts for their own customers; a sales
manager approves for the department and those below it; the sales director
for the organisation. The sales assistant (销售内勤) keeps the paperwork of
the whole organisation: deliveries, receipts, printing.
"""

from __future__ import annotations

from core import N_, PermissionDecl, RoleDecl, RoleGrant, model_permissions
from plugins.sales.models import Contract, PaymentTerm, Quote

PERMISSIONS: list[PermissionDecl] = [
    *model_permissions(Quote, ("read", "create", "update", "delete", "export", "print", "approve")),
    *model_permissions(Contract, ("read", "create", "update", "delete", "export", "print", "approve")),
    PermissionDecl("sales.contract.terminate", N_("Terminate an approved contract")),
    *model_permissions(PaymentTerm, ("read", "create", "update", "delete")),
    PermissionDecl("sales.settings.update", N_("Change the sales settings of the organisation")),
]

_DOCUMENTS = ("quote", "contract")


def _grants(scope: str, *, manage: bool) -> dict[str, str]:
    grants = {f"sales.{doc}.{action}": scope for doc in _DOCUMENTS
              for action in ("read", "create", "update", "print")}
    grants["sales.payment_term.read"] = "org"
    if manage:
        grants.update({f"sales.{doc}.{action}": scope for doc in _DOCUMENTS
                       for action in ("delete", "export", "approve")})
        grants["sales.contract.terminate"] = scope
    return grants


ROLES: list[RoleDecl] = [
    RoleDecl("assistant", "销售内勤", "Sales assistant", grants={
        **_grants("org", manage=False), "sales.quote.export": "org", "sales.contract.export": "org",
        "crm.customer.read": "org", "crm.contact.read": "org",
        "catalog.product.read": "all", "catalog.price_list.read": "all", "catalog.currency.read": "all",
        "catalog.unit.read": "all", "catalog.category.read": "all",
    }, description=N_("Keeps the sales paperwork of the organisation: quotes, contracts, deliveries, "
                      "receipts and their prints.")),
]

ROLE_GRANTS: list[RoleGrant] = [
    RoleGrant("crm.salesperson", _grants("own", manage=False)),
    RoleGrant("crm.manager", _grants("department_tree", manage=True)),
    RoleGrant("crm.director", {**_grants("org", manage=True), "sales.payment_term.create": "org",
                               "sales.payment_term.update": "org", "sales.payment_term.delete": "org",
                               "sales.settings.update": "org"}),
]

"""Permission codes of the sales documents, the roles the plugin ships and
what it adds to the CRM's sales roles, as data.

A salesperson quotes and contracts for their own customers; a sales
manager approves for the department and those below it; the sales director
for the organisation. The sales assistant (销售内勤) keeps the paperwork of
the whole organisation: deliveries, receipts, printing.
"""

from __future__ import annotations

from core import N_, PermissionDecl, RoleDecl, RoleGrant, model_permissions
from plugins.sales.models import CommissionRule, CommissionStatement, Contract, PaymentTerm, Quote, Target

PERMISSIONS: list[PermissionDecl] = [
    *model_permissions(Quote, ("read", "create", "update", "delete", "export", "print", "approve")),
    *model_permissions(Contract, ("read", "create", "update", "delete", "export", "print", "approve")),
    PermissionDecl("sales.contract.terminate", N_("Terminate an approved contract")),
    *model_permissions(PaymentTerm, ("read", "create", "update", "delete")),
    PermissionDecl("sales.settings.update", N_("Change the sales settings of the organisation")),
    # targets and commissions (plugins.sales.services.targets, .commissions)
    *model_permissions(Target, ("read", "update")),
    *model_permissions(CommissionRule, ("read", "create", "update", "delete")),
    *model_permissions(CommissionStatement, ("read", "export", "approve")),
    PermissionDecl("sales.commission_statement.pay", N_("Mark commission statements paid")),
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


#: targets and commissions: a salesperson reads their own targets and
#: statements; a manager those of their department and below; the director
#: the organisation's, and sets the targets and the commission rules,
#: confirms statements and marks them paid
TARGET_GRANTS: list[RoleGrant] = [
    RoleGrant("crm.salesperson", {"sales.target.read": "own", "sales.commission_statement.read": "own"}),
    RoleGrant("crm.manager", {"sales.target.read": "department_tree",
                              "sales.commission_statement.read": "department_tree",
                              "sales.commission_rule.read": "org"}),
    RoleGrant("crm.director", {"sales.target.read": "org", "sales.target.update": "org",
                               "sales.commission_rule.read": "org", "sales.commission_rule.create": "org",
                               "sales.commission_rule.update": "org", "sales.commission_rule.delete": "org",
                               "sales.commission_statement.read": "org",
                               "sales.commission_statement.export": "org",
                               "sales.commission_statement.approve": "org",
                               "sales.commission_statement.pay": "org"}),
]
ROLE_GRANTS += TARGET_GRANTS

# ------------------------------------------------------------------ receivables, deliveries, returns
# (receivable plans, receipts and refunds, the ageing report, delivery notes, returns)

from plugins.sales.models import Delivery, Instalment, Receipt, SalesReturn  # noqa: E402 - this section's own

PERMISSIONS += [
    *model_permissions(Instalment, ("read", "update", "export")),
    *model_permissions(Receipt, ("read", "create", "export", "print")),
    PermissionDecl("sales.receipt.void", N_("Void a receipt")),
    *model_permissions(Delivery, ("read", "create", "update", "delete", "export", "print")),
    *model_permissions(SalesReturn, ("read", "create", "update", "delete", "export", "print", "approve")),
    PermissionDecl("sales.return.refund", N_("Refund a return (records the refund receipt)")),
]


def _receivable_grants(scope: str, *, manage: bool) -> dict[str, str]:
    """What the sales roles get of receivables, deliveries and returns: a
    salesperson follows up their contracts' money, ships and takes goods
    back; a manager also approves returns and voids receipts."""
    grants = {"sales.instalment.read": scope, "sales.receipt.read": scope, "sales.receipt.print": scope,
              **{f"sales.{doc}.{action}": scope for doc in ("delivery", "return")
                 for action in ("read", "create", "update", "print")}}
    if manage:
        grants.update({"sales.instalment.update": scope, "sales.instalment.export": scope,
                       "sales.receipt.export": scope, "sales.delivery.export": scope,
                       "sales.delivery.delete": scope, "sales.return.export": scope,
                       "sales.return.delete": scope, "sales.return.approve": scope})
    return grants


ROLES += [
    RoleDecl("cashier", "出纳/应收会计", "Cashier (receivables)", grants={
        "sales.instalment.read": "org", "sales.instalment.update": "org", "sales.instalment.export": "org",
        "sales.receipt.read": "org", "sales.receipt.create": "org", "sales.receipt.void": "org",
        "sales.receipt.print": "org", "sales.receipt.export": "org",
        "sales.return.read": "org", "sales.return.refund": "org", "sales.return.print": "org",
        "sales.delivery.read": "org", "sales.contract.read": "org", "sales.contract.print": "org",
        "crm.customer.read": "org",
    }, description=N_("Records the money received and refunded on the organisation's contracts, keeps the "
                      "receivable plans and reads the ageing report.")),
]

ROLE_GRANTS += [
    RoleGrant("crm.salesperson", _receivable_grants("own", manage=False)),
    RoleGrant("crm.manager", _receivable_grants("department_tree", manage=True)),
    RoleGrant("crm.director", {**_receivable_grants("org", manage=True), "sales.receipt.void": "org",
                               "sales.receipt.create": "org",
                               "sales.return.refund": "org"}),
    RoleGrant("sales.assistant", {**_receivable_grants("org", manage=False), "sales.receipt.create": "org",
                                  "sales.delivery.export": "org", "sales.return.export": "org"}),
]

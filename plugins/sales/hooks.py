"""Everything the sales plugin registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import (
    N_,
    JobDecl,
    MenuItem,
    Panel,
    PermissionDecl,
    PrintDecl,
    RoleDecl,
    RoleGrant,
    Routes,
    SequenceDecl,
    WorkflowDecl,
    hookimpl,
)
from plugins.sales.models import MODELS
from plugins.sales.permissions import PERMISSIONS, ROLE_GRANTS, ROLES
from plugins.sales.routes import routes
from plugins.sales.workflows import WORKFLOWS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Base


# ----------------------------------------------------------------- declarations


@hookimpl
def register_models() -> list[type[Base]]:
    return list(MODELS)


@hookimpl
def register_permissions() -> list[PermissionDecl]:
    return PERMISSIONS


@hookimpl
def register_roles() -> list[RoleDecl]:
    return ROLES


@hookimpl
def register_role_grants() -> list[RoleGrant]:
    return ROLE_GRANTS


@hookimpl
def register_routes() -> Routes:
    return routes


@hookimpl
def register_menu_items() -> list[MenuItem]:
    return [*receivable_menu()]


@hookimpl
def register_workflows() -> list[WorkflowDecl]:
    return WORKFLOWS


@hookimpl
def register_sequences() -> list[SequenceDecl]:
    return [SequenceDecl("sales.quote", N_("Quote number"), "BJ-{year}-{seq:05}"),
            SequenceDecl("sales.contract", N_("Contract number"), "HT-{year}-{seq:05}"),
            *receivable_sequences()]


# ------------------------------------------------------------------ receivables, deliveries, returns


@hookimpl
def sales_contract_approved(session: Session, actor: Actor | None, contract: Any) -> None:
    """An approved contract gets its receivable plan (回款计划) from its payment terms."""
    from plugins.sales.services.receivables import generate_plan

    generate_plan(session, contract)


@hookimpl
def register_jobs() -> list[JobDecl]:
    from plugins.sales.services.receivables import run_reminders

    return [JobDecl("sales.receivable_reminders", run_reminders, "0 8 * * *")]


def receivable_sequences() -> list[SequenceDecl]:
    """The numbers of receipts, delivery notes and returns (in register_sequences)."""
    return [SequenceDecl("sales.receipt", N_("Receipt number"), "SK-{year}-{seq:05}"),
            SequenceDecl("sales.delivery", N_("Delivery number"), "FH-{year}-{seq:05}"),
            SequenceDecl("sales.return", N_("Return number"), "TH-{year}-{seq:05}")]


def receivable_menu() -> list[MenuItem]:
    """The menu entries of receivables, deliveries and returns (in register_menu_items)."""
    section = N_("Sales")
    return [
        MenuItem("sales.receivables", N_("Receivables"), "sales:receivable_list", "sales.instalment.read",
                 icon="calendar-dollar", section=section, order=40),
        MenuItem("sales.ageing", N_("Receivables ageing"), "sales:ageing_report", "sales.instalment.read",
                 icon="hourglass", section=section, order=41),
        MenuItem("sales.receipts", N_("Receipts"), "sales:receipt_list", "sales.receipt.read",
                 icon="cash", section=section, order=42),
        MenuItem("sales.deliveries", N_("Delivery notes"), "sales:delivery_list", "sales.delivery.read",
                 icon="truck-delivery", section=section, order=43),
        MenuItem("sales.returns", N_("Returns"), "sales:return_list", "sales.return.read",
                 icon="truck-return", section=section, order=44),
    ]


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    if model_key != "sales.contract":
        return []
    from plugins.sales.routes.receivables import contract_panels

    return contract_panels(session, actor, record)


@hookimpl
def crm_customer_panels(session: Session, actor: Actor, customer: Any) -> list[Panel]:
    from plugins.sales.routes.receivables import customer_panels

    return customer_panels(session, actor, customer)


@hookimpl
def register_print_templates() -> list[PrintDecl]:
    from plugins.sales.models import Delivery, Receipt
    from plugins.sales.services.deliveries import print_context as delivery_context
    from plugins.sales.services.receipts import print_context as receipt_context

    return [PrintDecl("sales.receipt", N_("Receipt voucher"), Receipt, "sales/print/receipt.html",
                      number="number", context=receipt_context),
            PrintDecl("sales.delivery", N_("Delivery note"), Delivery, "sales/print/delivery.html",
                      number="number", context=delivery_context)]

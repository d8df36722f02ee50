"""Everything the sales plugin registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import (
    N_,
    DatasetDecl,
    JobDecl,
    MenuItem,
    Panel,
    PermissionDecl,
    PrintDecl,
    RoleDecl,
    RoleGrant,
    Routes,
    SequenceDecl,
    WidgetDecl,
    WorkflowDecl,
    hookimpl,
)
from plugins.sales import reports, widgets
from plugins.sales.models import MODELS
from plugins.sales.permissions import PERMISSIONS, ROLE_GRANTS, ROLES
from plugins.sales.routes import routes
from plugins.sales.workflows import WORKFLOWS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Base

SECTION = N_("Sales")

MENU = [
    MenuItem("sales.quotes", N_("Quotes"), "sales:quote_list", "sales.quote.read", icon="file-dollar",
             section=SECTION, order=300),
    MenuItem("sales.contracts", N_("Contracts"), "sales:contract_list", "sales.contract.read",
             icon="file-certificate", section=SECTION, order=301),
    MenuItem("sales.receivables", N_("Receivables"), "sales:receivable_list", "sales.instalment.read",
             icon="calendar-dollar", section=SECTION, order=302),
    MenuItem("sales.ageing", N_("Receivables ageing"), "sales:ageing_report", "sales.instalment.read",
             icon="hourglass", section=SECTION, order=303),
    MenuItem("sales.receipts", N_("Receipts"), "sales:receipt_list", "sales.receipt.read",
             icon="cash", section=SECTION, order=304),
    MenuItem("sales.deliveries", N_("Delivery notes"), "sales:delivery_list", "sales.delivery.read",
             icon="truck-delivery", section=SECTION, order=305),
    MenuItem("sales.returns", N_("Returns"), "sales:return_list", "sales.return.read",
             icon="truck-return", section=SECTION, order=306),
    *widgets.MENU,
    MenuItem("sales.payment_terms", N_("Payment terms"), "sales:payment_term_list", "sales.payment_term.update",
             icon="calendar-dollar", section=N_("Administration"), order=932),
]


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
    return MENU


@hookimpl
def register_workflows() -> list[WorkflowDecl]:
    return WORKFLOWS


@hookimpl
def register_sequences() -> list[SequenceDecl]:
    return [SequenceDecl("sales.quote", N_("Quote number"), "BJ-{year}-{seq:05}"),
            SequenceDecl("sales.contract", N_("Contract number"), "HT-{year}-{seq:05}"),
            SequenceDecl("sales.receipt", N_("Receipt number"), "SK-{year}-{seq:05}"),
            SequenceDecl("sales.delivery", N_("Delivery number"), "FH-{year}-{seq:05}"),
            SequenceDecl("sales.return", N_("Return number"), "TH-{year}-{seq:05}")]


@hookimpl
def register_jobs() -> list[JobDecl]:
    from plugins.sales.services import contracts, quotes, receivables

    return [JobDecl("sales.expire_quotes", quotes.expire_quotes, "10 1 * * *"),
            JobDecl("sales.renewal_reminders", contracts.remind_renewals, "20 8 * * *"),
            JobDecl("sales.receivable_reminders", receivables.run_reminders, "0 8 * * *")]


@hookimpl
def register_print_templates() -> list[PrintDecl]:
    from plugins.sales.prints import PRINTS

    return list(PRINTS)


@hookimpl
def register_report_datasets() -> list[DatasetDecl]:
    return reports.DATASETS


@hookimpl
def register_widgets() -> list[WidgetDecl]:
    return widgets.WIDGETS


@hookimpl
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    from plugins.sales.services import demo

    demo.load(session, orgs, users)


# ----------------------------------------------------------------- panels


@hookimpl
def crm_customer_panels(session: Session, actor: Actor, customer: Any) -> list[Panel]:
    """The customer 360 view: quotes and contracts, and receivables."""
    from plugins.sales.crm import customer_panels
    from plugins.sales.routes.receivables import customer_panels as receivable_panels

    return [*customer_panels(session, actor, customer), *receivable_panels(session, actor, customer)]


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """The receivable plan on a contract's page; "create quote" on an opportunity's."""
    if model_key == "sales.contract":
        from plugins.sales.routes.receivables import contract_panels

        return contract_panels(session, actor, record)
    from plugins.sales.crm import opportunity_panels

    return opportunity_panels(session, model_key, record, actor)


# ----------------------------------------------------------------- events


@hookimpl
def on_record_transitioned(session: Session, actor: Actor, record: Any, transition: str, from_state: str,
                           to_state: str, comment: str) -> None:
    """A quote or contract is submitted only with lines (from any page, the
    API or a service); a contract reaching ``approved`` (by hand or by its
    approval chain) is stamped and ``sales_contract_approved`` fires."""
    key = getattr(record, "__model_key__", "")
    if key in ("sales.quote", "sales.contract") and transition == "submit":
        from plugins.sales.services.documents import ensure_lines

        ensure_lines(session, record)
    if key == "sales.contract" and to_state == "approved":
        from plugins.sales.services.contracts import on_approved

        on_approved(session, actor, record)


@hookimpl
def sales_contract_approved(session: Session, actor: Actor | None, contract: Any) -> None:
    """An approved contract gets its receivable plan (回款计划) from its payment terms."""
    from plugins.sales.services.receivables import generate_plan

    generate_plan(session, contract)


@hookimpl
def sales_receipt_recorded(session: Session, actor: Actor | None, receipt: Any, reversed: bool) -> None:
    """Commissions: the receipt's month is computed again (plugins.sales.services.commissions)."""
    from plugins.sales.services.commissions import on_receipt

    on_receipt(session, receipt, reversed)

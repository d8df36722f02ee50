"""What the storage part registers (gathered by plugins.exhibitions.hooks):
the menu entry of the advance-warehouse receipts, their numbers, the
printed package labels, and the demo's receipts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, MenuItem, PrintDecl, SequenceDecl
from plugins.exhibitions.models import StorageReceipt
from plugins.exhibitions.services.storage import label_context

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MENU = [
    MenuItem("exhibitions.storage", N_("Storage receipts"), "exhibitions:storage_receipt_list",
             "exhibitions.storage_receipt.read", icon="building-warehouse", section=N_("Exhibitions"),
             order=473),
]

SEQUENCES = [SequenceDecl("exhibitions.storage_receipt", N_("Storage receipt number"), "CK-{year}-{seq:05}")]

PRINTS = [
    PrintDecl("exhibitions.storage_labels", N_("Package labels"), StorageReceipt,
              "exhibitions/print/storage_labels.html", number="number", context=label_context),
]


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Two receipts of the 25th edition's first exhibitors, received ten and
    five days before move-in: machines in crates and brochures in cartons."""
    from core import next_number
    from plugins.exhibitions.models import Booth, Edition, StorageLine
    from plugins.sales.services.documents import registry_of

    editions = made.get("editions") or {}
    edition = session.get(Edition, editions.get(25)) if editions.get(25) else None
    if edition is None or edition.opens_on is None:
        return
    move_in = edition.move_in_on or edition.opens_on
    exhibitors = list(dict.fromkeys(session.scalars(
        select(Booth.customer_id).where(Booth.edition_id == edition.id, Booth.customer_id.is_not(None),
                                        Booth.status.in_(("reserved", "sold"))).order_by(Booth.number))))[:2]
    pieces = ((("联合收割机样机（木箱）", 2, "18.5", "4200"), ("宣传册（纸箱）", 6, "0.9", "120")),
              (("智能灌溉设备（木箱）", 3, "4.2", "860"),))
    for k, customer_id in enumerate(exhibitors):
        assert customer_id is not None
        receipt = StorageReceipt(
            org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id, customer_id=customer_id,
            received_on=move_in - timedelta(days=10 - 5 * k), location=f"A-0{k + 1}-03",
            number=next_number(session, registry_of(session), "exhibitions.storage_receipt", edition.org_id))
        session.add(receipt)
        session.flush()
        session.add_all([StorageLine(receipt_id=receipt.id, description=d, packages=p, volume=Decimal(v),
                                     weight=Decimal(w), sequence=(i + 1) * 10)
                         for i, (d, p, v, w) in enumerate(pieces[k % 2])])
    session.flush()

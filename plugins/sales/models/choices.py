"""Choice lists and states of the sales documents (stored value -> label)."""

from __future__ import annotations

from core import N_

QUOTE_STATES = {
    "draft": N_("Draft"), "submitted": N_("Awaiting approval"), "approved": N_("Approved"),
    "sent": N_("Sent to customer"), "accepted": N_("Accepted"), "declined": N_("Declined"),
    "expired": N_("Expired"), "revised": N_("Revised"),
}

CONTRACT_STATES = {
    "draft": N_("Draft"), "pending": N_("Pending approval"), "approved": N_("Approved"),
    "signed": N_("Signed"), "executing": N_("Executing"), "completed": N_("Completed"),
    "terminated": N_("Terminated"), "amended": N_("Amended"),
}

CONTRACT_KINDS = {"contract": N_("Contract"), "order": N_("Sales order")}

INSTALMENT_STATES = {"open": N_("Open"), "partial": N_("Partly received"), "paid": N_("Received"),
                     "cancelled": N_("Cancelled")}

RECEIPT_KINDS = {"receipt": N_("Receipt"), "refund": N_("Refund")}

PAYMENT_METHODS = {"transfer": N_("Bank transfer"), "cash": N_("Cash"), "cheque": N_("Cheque"),
                   "acceptance": N_("Bank acceptance bill"), "alipay": N_("Alipay"), "wechat": N_("WeChat Pay"),
                   "other": N_("Other")}

DELIVERY_STATES = {"draft": N_("Draft"), "shipped": N_("Shipped"), "received": N_("Received by customer"),
                   "cancelled": N_("Cancelled")}

RETURN_STATES = {"draft": N_("Draft"), "approved": N_("Approved"), "received": N_("Goods received"),
                 "refunded": N_("Refunded"), "cancelled": N_("Cancelled")}

RETURN_REASONS = {"quality": N_("Quality problem"), "wrong": N_("Wrong goods delivered"),
                  "damaged": N_("Damaged in transport"), "changed": N_("Customer changed their mind"),
                  "other": N_("Other")}

TARGET_BASES = {"contracts": N_("Signed contracts"), "receipts": N_("Receipts")}

COMMISSION_STATES = {"draft": N_("Draft"), "confirmed": N_("Confirmed"), "paid": N_("Paid out")}

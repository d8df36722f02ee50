"""Choice lists and states of the sales documents (stored value -> label)."""

from __future__ import annotations

from core import N_

QUOTE_STATES = {
    "draft": N_("Draft"), "submitted": N_("Awaiting approval"), "approved": N_("Approved"),
    "sent": N_("Sent"), "accepted": N_("Accepted"), "declined": N_("Declined"),
    "expired": N_("Expired"), "revised": N_("Revised"),
}

CONTRACT_STATES = {
    "draft": N_("Draft"), "pending": N_("Pending approval"), "approved": N_("Approved"),
    "signed": N_("Signed"), "executing": N_("Executing"), "completed": N_("Completed"),
    "terminated": N_("Terminated"), "amended": N_("Amended"),
}

CONTRACT_KINDS = {"contract": N_("Contract"), "order": N_("Sales order")}

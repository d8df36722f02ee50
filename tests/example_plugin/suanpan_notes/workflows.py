"""The life of a note and of an expense claim, as data."""

from __future__ import annotations

from core import N_, ApprovalPoint, Transition, WorkflowDecl

NOTE = WorkflowDecl(
    model="notes.note",
    states=("draft", "published"),
    initial="draft",
    transitions=(Transition("publish", ("draft",), "published", "notes.note.update", label=N_("Publish")),),
    locked=("published",),
    labels={"draft": N_("Draft"), "published": N_("Published")},
)

#: a claim is submitted, approved by the chain an administrator sets up (or by
#: a holder of notes.expense.approve when there is none), then paid; an
#: approved claim is locked: it is cancelled and amended instead
EXPENSE = WorkflowDecl(
    model="notes.expense",
    states=("draft", "submitted", "approved", "paid", "cancelled"),
    initial="draft",
    transitions=(
        Transition("submit", ("draft",), "submitted", "notes.expense.update", label=N_("Submit for approval")),
        Transition("approve", ("submitted",), "approved", "notes.expense.approve", label=N_("Approve")),
        Transition("reject", ("submitted",), "draft", "notes.expense.approve", label=N_("Reject")),
        Transition("pay", ("approved",), "paid", "notes.expense.update", label=N_("Mark paid")),
        Transition("cancel", ("approved",), "cancelled", "notes.expense.update", label=N_("Void")),
    ),
    locked=("approved", "paid", "cancelled"),
    labels={"draft": N_("Draft"), "submitted": N_("Awaiting approval"), "approved": N_("Approved"),
            "paid": N_("Paid"), "cancelled": N_("Cancelled")},
    approvals=(ApprovalPoint("submit", approved="approve", rejected="reject"),),
    amended="cancelled",
)

WORKFLOWS: list[WorkflowDecl] = [NOTE, EXPENSE]

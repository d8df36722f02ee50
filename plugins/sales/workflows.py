"""The life of a quote and of a contract, as data (kernel workflows).

A quote or a contract is submitted for approval; the chain an
administrator set up decides (the plugin ships one: a manager approves a
discount above 10 % or a total above 200,000: ``MANAGER_APPROVAL``),
else a holder of ``approve`` does. Approved documents are locked; they
change by revision (quotes) or amendment (contracts).
"""

from __future__ import annotations

from core import N_, ApprovalPoint, Transition, WorkflowDecl
from plugins.sales.models.choices import CONTRACT_STATES, QUOTE_STATES

#: the chain shipped for quotes and contracts: the submitter's manager approves a
#: discount above 10 % or a total above 200,000 (an administrator changes it on 审批流程)
MANAGER_APPROVAL = (
    {"name": "销售经理审批", "approver": "manager", "level": 1, "required": 1, "match": "any",
     "conditions": [{"field": "max_discount", "op": ">", "value": "10"},
                    {"field": "total", "op": ">", "value": "200000"}]},
)

QUOTE = WorkflowDecl(
    model="sales.quote",
    states=tuple(QUOTE_STATES),
    initial="draft",
    transitions=(
        Transition("submit", ("draft",), "submitted", "sales.quote.update", label=N_("Submit for approval")),
        Transition("approve", ("submitted",), "approved", "sales.quote.approve", label=N_("Approve")),
        Transition("reject", ("submitted",), "draft", "sales.quote.approve", label=N_("Reject")),
        Transition("send", ("approved",), "sent", "sales.quote.update", label=N_("Mark sent")),
        Transition("accept", ("approved", "sent"), "accepted", "sales.quote.update",
                   label=N_("Customer accepted")),
        Transition("decline", ("approved", "sent"), "declined", "sales.quote.update",
                   label=N_("Customer declined")),
        Transition("expire", ("approved", "sent"), "expired", "sales.quote.update", label=N_("Expire")),
    ),
    locked=("submitted", "approved", "sent", "accepted", "declined", "expired", "revised"),
    labels=QUOTE_STATES,
    approvals=(ApprovalPoint("submit", approved="approve", rejected="reject", default_steps=MANAGER_APPROVAL,
                             default_name="报价审批（折扣超过 10% 或金额超过 20 万）"),),
    amended="revised",
)

CONTRACT = WorkflowDecl(
    model="sales.contract",
    states=tuple(CONTRACT_STATES),
    initial="draft",
    transitions=(
        Transition("submit", ("draft",), "pending", "sales.contract.update", label=N_("Submit for approval")),
        Transition("approve", ("pending",), "approved", "sales.contract.approve", label=N_("Approve")),
        Transition("reject", ("pending",), "draft", "sales.contract.approve", label=N_("Reject")),
        Transition("sign", ("approved",), "signed", "sales.contract.update", label=N_("Signed")),
        Transition("execute", ("signed",), "executing", "sales.contract.update", label=N_("Start execution")),
        Transition("complete", ("executing",), "completed", "sales.contract.update", label=N_("Complete")),
        Transition("terminate", ("approved", "signed", "executing"), "terminated", "sales.contract.terminate",
                   label=N_("Terminate")),
    ),
    locked=("pending", "approved", "signed", "executing", "completed", "terminated", "amended"),
    labels=CONTRACT_STATES,
    approvals=(ApprovalPoint("submit", approved="approve", rejected="reject", default_steps=MANAGER_APPROVAL,
                             default_name="合同审批（折扣超过 10% 或金额超过 20 万）"),),
    amended="amended",
)

WORKFLOWS: list[WorkflowDecl] = [QUOTE, CONTRACT]

"""The life of a note, as data: a draft is published, then locked."""

from __future__ import annotations

from core import Transition, WorkflowDecl

NOTE = WorkflowDecl(
    model="notes.note",
    states=("draft", "published"),
    initial="draft",
    transitions=(Transition("publish", ("draft",), "published", "notes.note.update"),),
    locked=("published",),
)

WORKFLOWS: list[WorkflowDecl] = [NOTE]

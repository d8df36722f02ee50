"""The notes pages: the kernel's kit does the list, detail and form work.

Mounted at ``/notes``; route names are ``notes:note_list``, ``notes:note_detail``, ...
"""

from __future__ import annotations

from core import N_, Column, Crud, Form, FormField, ListView, Routes
from suanpan_notes import services
from suanpan_notes.models import CATEGORIES, Expense, Note
from suanpan_notes.workflows import EXPENSE, NOTE

#: how the states read (the workflow's labels)
STATES = dict(NOTE.labels)

routes = Routes()

notes = Crud(
    model=Note, noun="note", path="", title=N_("Notes"), title_attr="title",
    list_view=ListView(Note, [
        Column("title", N_("Title"), link=True),
        Column("state", N_("State"), kind="choice", choices=STATES),
        Column("updated_at", N_("Updated"), kind="datetime"),
    ], search=("title", "body")),
    form=Form([
        FormField("title", N_("Title"), required=True),
        FormField("body", N_("Body"), "textarea", max_length=5000),
    ]),
    create=services.create_note, update=services.update_note, create_many=services.create_notes,
    detail_fields=[Column("title", N_("Title")), Column("body", N_("Body")),
                   Column("state", N_("State"), kind="choice", choices=STATES)],
)
notes.register(routes)

expenses = Crud(
    model=Expense, noun="expense", path="/expenses", title=N_("Expense claims"), title_attr="title",
    list_view=ListView(Expense, [
        Column("title", N_("Title"), link=True),
        Column("amount", N_("Amount"), kind="money"),
        Column("category", N_("Category"), kind="choice", choices=CATEGORIES),
        Column("state", N_("State"), kind="choice", choices=dict(EXPENSE.labels)),
    ], search=("title",)),
    form=Form([
        FormField("title", N_("Title"), required=True),
        FormField("amount", N_("Amount"), "decimal", required=True),
        FormField("category", N_("Category"), "select", choices=list(CATEGORIES.items()), required=True),
    ]),
    create=services.create_expense, update=services.update_note,
    detail_fields=[Column("title", N_("Title")), Column("amount", N_("Amount"), kind="money"),
                   Column("category", N_("Category"), kind="choice", choices=CATEGORIES),
                   Column("state", N_("State"), kind="choice", choices=dict(EXPENSE.labels))],
)
expenses.register(routes)

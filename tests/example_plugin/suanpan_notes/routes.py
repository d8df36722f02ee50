"""The notes pages: the kernel's kit does the list, detail and form work.

Mounted at ``/notes``; route names are ``notes:note_list``, ``notes:note_detail``, ...
"""

from __future__ import annotations

from core import N_, Column, Crud, Form, FormField, ListView, Routes
from suanpan_notes import services
from suanpan_notes.models import Note

#: how the states read (the workflow names them "draft" and "published")
STATES = {"draft": N_("Draft"), "published": N_("Published")}

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
    create=services.create_note, update=services.update_note,
    detail_fields=[Column("title", N_("Title")), Column("body", N_("Body")),
                   Column("state", N_("State"), kind="choice", choices=STATES)],
)
notes.register(routes)

"""The import itself: which models are importable, column mapping, the row
checks of the dry run, the all-or-nothing commit and the undo of a batch.

Rows go through the model's ``Crud``: its editable form fields are the
columns, its services write the records. The checks repeat the rules of
``Form.clean`` (which needs a request's ``Ctx``) with the choices resolved
once per import instead of once per row. Custom fields the actor may edit
(``editable_extra``) are columns too: checked by the kernel's
``clean_extra``, stored by ``set_extra`` after the service, in the same
transaction.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import Table as SaTable
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    Base,
    Conflict,
    Crud,
    ExtraField,
    Forbidden,
    FormField,
    NotFound,
    SoftDeleteMixin,
    ValidationError,
    VersionedMixin,
    clean_extra,
    editable_extra,
    extra_fields_of,
    scope,
    set_extra,
    utcnow,
)
from plugins.dataio.api import ImportDecl
from plugins.dataio.duplicates import BULK, MEMO, keys_of, matching_ids, rules_of, write_bulk
from plugins.dataio.models import Batch, BatchRow
from plugins.dataio.reading import Table

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INT_RE = re.compile(r"-?\d{1,18}")
#: errors kept in a report (the count is always complete)
REPORT_LIMIT = 1000
#: rows written between two flushes
FLUSH_EVERY = 2000
#: the batch's row log, written with Core statements (thousands of rows, no ORM bookkeeping)
BATCH_ROWS = cast(SaTable, BatchRow.__table__)
#: rows checked between two progress reports
PROGRESS_EVERY = 2000

# what a bad cell is, with the message shown for it
ERRORS: dict[str, str] = {
    "required": N_("{label} is required."),
    "type": N_("{label}: wrong type."),
    "too_long": N_("{label} is too long."),
    "choice": N_("{label}: unknown choice."),
    "link": N_("{label}: no such linked record."),
    "duplicate": N_("{label}: duplicate."),
    "not_found": N_("{label}: no record with this key."),
    "unmapped": N_("{label} is required but no column is mapped to it."),
    "unique": N_("{label}: this value is already used by another record."),
}
#: the messages of ``clean_extra`` (custom fields) as the report's codes
EXTRA_CODES: dict[str, str] = {
    "{label} is required.": "required",
    "{label} is too long.": "too_long",
    "{label} must be a number.": "type",
    "{label} must be a date (YYYY-MM-DD).": "type",
    "{label}: send one value.": "type",
    "{label}: choose one of the offered values.": "choice",
    "{label}: choose a record you can see.": "link",
    "{label}: this value is already used by another record.": "unique",
}
#: what separates the values of a multiple-choice cell
MULTI_SEP = re.compile(r"[,，、;；|]")


@dataclass(frozen=True)
class Target:
    """An importable model: its declaration and its Crud."""

    decl: ImportDecl
    crud: Crud

    @property
    def key(self) -> str:
        return self.decl.model

    @property
    def model(self) -> type[Base]:
        return self.crud.model


def targets(hook: Any, registry: Any) -> dict[str, Target]:
    """Model key -> Target, for every declared importable shown through a Crud."""
    out: dict[str, Target] = {}
    for group in hook.dataio_importables():
        for decl in group:
            entry = registry.cruds.get(decl.model)
            if entry is not None:
                out.setdefault(decl.model, Target(decl, entry[1]))
    return out


def target_for(hook: Any, registry: Any, actor: Actor, model_key: str, action: str) -> Target:
    """The importable ``model_key``, if the actor holds ``<model>.<action>``."""
    target = targets(hook, registry).get(model_key)
    if target is None:
        raise NotFound()
    actor.require(f"{model_key}.{action}")
    return target


def fields_for(target: Target, actor: Actor) -> list[FormField]:
    """The columns a row may fill: the form's fields the actor may edit."""
    return [f for f in target.crud.form.editable(actor, target.model) if f.kind != "password"]


def extra_for(session: Session, target: Target, actor: Actor) -> list[ExtraField]:
    """The custom-field columns a row may fill: those the actor may edit."""
    return editable_extra(session, actor, target.model)


def column_names(session: Session, target: Target, actor: Actor) -> list[str]:
    """Every field a column may be mapped to, declared then custom."""
    return [f.name for f in fields_for(target, actor)] + [f.name for f in extra_for(session, target, actor)]


# ------------------------------------------------------------------ mapping


def _norm_header(text: str) -> str:
    return re.sub(r"[\s_\-:：*()（）]+", "", text).lower()


def auto_map(headers: Sequence[str], fields: Sequence[FormField],
             labels: Callable[[FormField], Iterable[str]], extra: Sequence[ExtraField] = ()) -> dict[str, str]:
    """field name -> header, matching a header to a field's name or one of its
    translated labels (``labels(field)``; a custom field's zh_CN and en
    labels), spaces, case and ``*`` ignored."""
    by_text: dict[str, str] = {}
    for f in fields:
        for text in (f.name, *labels(f)):
            by_text.setdefault(_norm_header(text), f.name)
    for x in extra:
        for text in (x.name, x.label_for("zh_CN"), x.label_for("en")):
            by_text.setdefault(_norm_header(text), x.name)
    mapping: dict[str, str] = {}
    for header in headers:
        name = by_text.get(_norm_header(header))
        if name and name not in mapping:
            mapping[name] = header
    return mapping


# ------------------------------------------------------------------ checking


@dataclass
class Problem:
    row: int  # the row's number in the file (the header is row 1)
    column: str  # the file's column header (or the field's name when unmapped)
    field: str
    code: str
    detail: str = ""


@dataclass
class Plan:
    """The checked rows: what to write, or the problems found."""

    values: list[dict[str, Any]] = field(default_factory=list)
    extras: list[dict[str, Any]] = field(default_factory=list)  # custom-field values, per row
    rows: list[int] = field(default_factory=list)
    targets: list[Any] = field(default_factory=list)  # the record to update, or None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: match-rule keys computed by the check, by (kind, value), for the commit's events
    key_memo: dict[tuple[str, Any], str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> dict[str, Any]:
        inserts = sum(1 for t in self.targets if t is None)
        return {
            "rows": len(self.rows) + len({p.row for p in self.problems}),
            "inserts": inserts, "updates": len(self.targets) - inserts,
            "error_count": len(self.problems),
            "errors": [p.__dict__ for p in self.problems[:REPORT_LIMIT]],
            "warnings": [p.__dict__ for p in self.warnings[:REPORT_LIMIT]],
        }


class Checker:
    """Cleans one row's cells by the fields' rules; choices and links are
    resolved once for the whole file."""

    def __init__(self, session: Session, model: type[Base], fields: Sequence[FormField],
                 choices: Mapping[str, Sequence[tuple[str, str]]],
                 translate: Callable[[str], Iterable[str]], extra: Sequence[ExtraField] = ()) -> None:
        self.session = session
        self.model = model
        self.fields = {f.name: f for f in fields}
        self.extra = {f.name: f for f in extra}
        # custom choice fields: their keys and their labels in every language -> key
        self.extra_choices = {f.name: {text.strip(): key for key, labels in f.choices
                                       for text in (key, *labels.values()) if text.strip()}
                              for f in extra if f.kind in ("choice", "multi")}
        # accepted text -> stored value, per select field: the value, or its label in any language
        self.choices: dict[str, dict[str, str]] = {}
        for name, options in choices.items():
            accepted: dict[str, str] = {}
            for value, label in options:
                accepted[str(value)] = str(value)
                for text in translate(label):
                    accepted.setdefault(text.strip(), str(value))
            self.choices[name] = accepted

    def clean(self, f: FormField, text: str) -> tuple[Any, str | None]:
        """(value, None), or (None, error code)."""
        text = text.strip()
        if f.kind == "bool":
            return text.lower() in {"1", "on", "true", "yes", "是", "y"}, None
        if not text:
            if f.required:
                return None, "required"
            return (None if f.kind in {"int", "decimal", "date", "select"} else ""), None
        if len(text) > f.max_length:
            return None, "too_long"
        if f.kind == "int":
            return (int(text), None) if INT_RE.fullmatch(text) else (None, "type")
        if f.kind == "decimal":
            try:
                return Decimal(text.replace(",", "")), None
            except InvalidOperation:
                return None, "type"
        if f.kind == "date":
            try:
                return date.fromisoformat(text.replace("/", "-")), None
            except ValueError:
                return None, "type"
        if f.kind == "email":
            return (text, None) if EMAIL_RE.match(text) else (None, "type")
        if f.kind == "select":
            value = self.choices.get(f.name, {}).get(text)
            if value is None:
                return None, "choice"
            return (int(value) if value.isdigit() else value), None
        return text, None

    def extra_raw(self, name: str, text: str) -> Any:
        """A custom field's cell as ``clean_extra`` takes it: choices also by
        their labels, multiple choices separated by commas or 、, yes/no in Chinese."""
        text = text.strip()
        kind = self.extra[name].kind
        if kind == "choice":
            return self.extra_choices[name].get(text, text)
        if kind == "multi":
            items = [v.strip() for v in MULTI_SEP.split(text) if v.strip()]
            return [self.extra_choices[name].get(v, v) for v in items]
        if kind == "bool":
            return "1" if text.lower() in {"1", "on", "true", "yes", "是", "y"} else ""
        return text

    def broken_links(self, values: Sequence[Mapping[str, Any]]) -> dict[str, set[Any]]:
        """field -> ids that name no row of the table its foreign key points to."""
        out: dict[str, set[Any]] = {}
        table = self.model.__table__
        for name, f in self.fields.items():
            column = table.columns.get(name)
            if f.kind != "int" or column is None or not column.foreign_keys:
                continue
            target = next(iter(column.foreign_keys)).column
            wanted = {v[name] for v in values if v.get(name) is not None}
            found: set[Any] = set()
            for chunk in _chunks(sorted(wanted), 500):
                found |= set(self.session.scalars(select(target).where(target.in_(chunk))))
            if wanted - found:
                out[name] = wanted - found
        return out


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def check(session: Session, actor: Actor, target: Target, table: Table, mapping: Mapping[str, str],
          mode: str, match_key: str, checker: Checker,
          progress: Callable[[int], None] | None = None) -> Plan:
    """Every row checked: types, required fields, choices, links, duplicates
    within the file and against the database, and (update, upsert) the
    record each row updates. Writes nothing."""
    plan = Plan()
    fields = checker.fields
    columns = {name: table.headers.index(header) for name, header in mapping.items()
               if name in fields and header in table.headers}
    extra_cols = {name: table.headers.index(header) for name, header in mapping.items()
                  if name in checker.extra and header in table.headers}
    header_of = {name: table.headers[i] for name, i in (columns | extra_cols).items()}
    if mode in ("update", "upsert") and match_key not in columns:
        plan.problems.append(Problem(1, match_key, match_key, "unmapped"))
        return plan
    if mode != "update":
        for name, f in fields.items():
            if f.required and name not in columns:
                plan.problems.append(Problem(1, name, name, "unmapped"))
        for name, x in checker.extra.items():
            if x.required and x.kind != "bool" and x.default in (None, "", []) and name not in extra_cols:
                plan.problems.append(Problem(1, name, name, "unmapped"))
    if plan.problems:
        return plan
    cleaned: list[tuple[int, dict[str, Any]]] = []
    for index, row in enumerate(table.rows):
        row_no = index + 2
        values: dict[str, Any] = {}
        bad = False
        for name, col in columns.items():
            text = row[col] if col < len(row) else ""
            if mode != "insert" and not text.strip() and name != match_key:
                continue  # an update leaves blank cells alone (upsert: checked below for inserts)
            value, code = checker.clean(fields[name], text)
            if code:
                plan.problems.append(Problem(row_no, header_of[name], name, code, text[:100]))
                bad = True
            else:
                values[name] = value
        if not bad:
            cleaned.append((row_no, values))
        if progress and index and index % PROGRESS_EVERY == 0:
            progress(index)
    for name, missing in checker.broken_links([v for _, v in cleaned]).items():
        for row_no, values in cleaned:
            if values.get(name) in missing:
                plan.problems.append(Problem(row_no, header_of[name], name, "link", str(values[name])))
    existing = _existing(session, actor, target.model, match_key,
                         [v.get(match_key) for _, v in cleaned]) if mode != "insert" else {}
    _duplicates(session, target, cleaned, existing, match_key, mode, header_of, plan)
    extras: dict[int, dict[str, Any]] = {}
    if extra_fields_of(session, target.key):
        if mode == "insert":
            records: dict[int, Any] = {index + 2: None for index in range(len(table.rows))}
        else:
            records = {row_no: existing.get(values.get(match_key)) for row_no, values in cleaned}
            if mode == "update":
                records = {row_no: r for row_no, r in records.items() if r is not None}
        extras = _check_extra(session, actor, target, table, checker, extra_cols, records, header_of, plan)
    bad_rows = {p.row for p in plan.problems}
    for row_no, values in cleaned:
        if row_no in bad_rows:
            continue
        record = existing.get(values.get(match_key)) if mode != "insert" else None
        if mode == "update" and record is None:
            plan.problems.append(Problem(row_no, header_of[match_key], match_key, "not_found",
                                         str(values.get(match_key))))
            continue
        if record is None and mode == "upsert":
            absent = [n for n, f in fields.items() if f.required and values.get(n) in (None, "")]
            if absent:
                plan.problems += [Problem(row_no, header_of[n], n, "required") for n in absent]
                continue
            for n in columns:
                if n not in values:  # a blank cell of a new record: its empty value
                    values[n] = checker.clean(fields[n], "")[0]
        plan.rows.append(row_no)
        plan.values.append(values)
        plan.extras.append(extras.get(row_no, {}))
        plan.targets.append(record)
    plan.problems.sort(key=lambda p: (p.row, p.column))
    return plan


def _check_extra(session: Session, actor: Actor, target: Target, table: Table, checker: Checker,
                 columns: Mapping[str, int], records: Mapping[int, Any], header_of: Mapping[str, str],
                 plan: Plan) -> dict[int, dict[str, Any]]:
    """Row number -> custom-field values, checked by ``clean_extra`` for each
    row (``records``: the record a row updates, None for an insert); a unique
    value twice in the file is a duplicate. Blank cells of an update are left alone."""
    out: dict[int, dict[str, Any]] = {}
    first: dict[tuple[str, str], int] = {}
    unique = [name for name, f in checker.extra.items() if f.unique and name in columns]
    for row_no, record in records.items():
        row = table.rows[row_no - 2]
        texts = {name: row[col] if col < len(row) else "" for name, col in columns.items()}
        raw = {name: checker.extra_raw(name, text) for name, text in texts.items()
               if record is None or text.strip()}
        try:
            values = clean_extra(session, actor, target.model, record, raw, partial=record is not None)
        except ValidationError as exc:
            plan.problems += [Problem(row_no, header_of.get(name, name), name, EXTRA_CODES.get(message, "type"),
                                      texts.get(name, "")[:100]) for name, message in exc.errors.items()]
            continue
        for name in unique:
            if values.get(name) is not None:
                earlier = first.setdefault((name, str(values[name])), row_no)
                if earlier != row_no:
                    plan.problems.append(Problem(row_no, header_of[name], name, "duplicate", str(earlier)))
        out[row_no] = values
    return out


def _existing(session: Session, actor: Actor, model: type[Base], match_key: str,
              keys: Sequence[Any]) -> dict[Any, Any]:
    """Match-key value -> record the actor may update."""
    col = getattr(model, match_key)
    found: dict[Any, Any] = {}
    for chunk in _chunks(sorted({k for k in keys if k is not None and k != ""}), 500):
        for record in session.scalars(select(model).where(col.in_(chunk), scope(actor, model, "update"))):
            found.setdefault(getattr(record, match_key), record)
    return found


def _duplicates(session: Session, target: Target, cleaned: Sequence[tuple[int, dict[str, Any]]],
                existing: Mapping[Any, Any], match_key: str, mode: str, header_of: Mapping[str, str],
                plan: Plan) -> None:
    """Rows whose match-rule keys repeat an earlier row's, or an existing
    record's (other than the one the row updates)."""
    rules = [r for r in rules_of(session, target.key) if r.field in header_of]
    seen_key: dict[Any, int] = {}
    if mode != "insert":
        for row_no, values in cleaned:
            k = values.get(match_key)
            if k in seen_key:
                plan.problems.append(Problem(row_no, header_of[match_key], match_key, "duplicate",
                                             str(seen_key[k])))
            seen_key.setdefault(k, row_no)
    if not rules:
        return
    row_keys = [(row_no, values, keys_of(rules, values, plan.key_memo)) for row_no, values in cleaned]
    by_kind: dict[str, set[str]] = defaultdict(set)
    for _, _, pairs in row_keys:
        for rule, key in pairs:
            by_kind[rule.kind].add(key)
    stored = {kind: matching_ids(session, target.key, kind, keys) for kind, keys in by_kind.items()}
    first: dict[tuple[str, str], int] = {}
    for row_no, values, pairs in row_keys:
        own = existing.get(values.get(match_key)) if mode != "insert" else None
        own_id = getattr(own, "id", None)
        for rule, key in pairs:
            earlier = first.setdefault((rule.kind, key), row_no)
            if earlier != row_no:
                plan.problems.append(Problem(row_no, header_of[rule.field], rule.field, "duplicate",
                                             str(earlier)))
            elif stored[rule.kind].get(key, set()) - {own_id}:
                ids = sorted(stored[rule.kind][key] - {own_id})
                plan.problems.append(Problem(row_no, header_of[rule.field], rule.field, "duplicate",
                                             "#" + ",".join(map(str, ids[:5]))))


# ------------------------------------------------------------------ commit and undo


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _typed(model: type[Base], name: str, value: Any) -> Any:
    if value is None:
        return None
    try:
        kind = model.__table__.columns[name].type.python_type
    except (KeyError, NotImplementedError):
        return value
    if kind is date and isinstance(value, str):
        return date.fromisoformat(value)
    if kind is Decimal and isinstance(value, str):
        return Decimal(value)
    return value


def commit(session: Session, actor: Actor, target: Target, batch: Batch, plan: Plan) -> None:
    """Write every planned row through the Crud's services (or the declared
    row function), in the caller's transaction, and log what each did."""
    if not plan.ok:
        raise Conflict(N_("The file has errors: nothing was imported."))
    session.info[BULK], session.info[MEMO] = [], plan.key_memo
    try:
        _write(session, actor, target, batch, plan)
    finally:
        session.info.pop(BULK, None)
        session.info.pop(MEMO, None)


def _write(session: Session, actor: Actor, target: Target, batch: Batch, plan: Plan) -> None:
    crud, row_fn = target.crud, target.decl.row
    # new records all at once when the Crud can (core.create_many), else one by one
    many = crud.create_many if row_fn is None else None
    versioned = issubclass(target.model, VersionedMixin)
    # (row number, the record or its id, insert | update, values before)
    written: list[tuple[int, Any, str, dict[str, Any] | None]] = []
    fresh: list[tuple[int, dict[str, Any]]] = []
    rows = zip(plan.rows, plan.values, plan.extras, plan.targets, strict=True)
    for index, (row_no, values, extra, record) in enumerate(rows):
        if record is None and many is not None:
            fresh.append((row_no, {**values, "extra": extra} if extra else values))
            continue
        if record is None:
            new = row_fn(session, actor, values, None) if row_fn else crud.create(session, actor, values)
            if extra:
                set_extra(new, extra)
            written.append((row_no, new, "insert", None))
        else:
            before = {name: _plain(getattr(record, name, None)) for name in values}
            if extra:
                stored = getattr(record, "extra", None) or {}
                before["extra"] = {name: stored.get(name) for name in extra}
            if row_fn:
                row_fn(session, actor, values, record)
            else:
                crud.update(session, actor, record, values)
            if extra:
                set_extra(record, extra)
            written.append((row_no, record, "update", before))
        if (index + 1) % FLUSH_EVERY == 0:
            session.flush()
            write_bulk(session)
    if fresh and many is not None:
        ids = many(session, actor, [values for _, values in fresh])
        written += [(row_no, new_id, "insert", None) for (row_no, _), new_id in zip(fresh, ids, strict=True)]
    session.flush()
    write_bulk(session)
    log = [{"batch_id": batch.id, "row_no": row_no, "action": action, "before": before,
            **({"record_id": record, "version": 1 if versioned else None} if isinstance(record, int)
               else {"record_id": record.id, "version": getattr(record, "version", None)})}
           for row_no, record, action, before in sorted(written, key=lambda w: w[0])]
    for chunk in _chunks(log, 5000):
        session.execute(insert(BATCH_ROWS), list(chunk))
    batch.inserted = sum(1 for w in written if w[2] == "insert")
    batch.updated = len(written) - batch.inserted
    batch.state, batch.finished_at = "done", utcnow()


def undo(session: Session, actor: Actor, target: Target, batch: Batch) -> int:
    """Undo a committed batch: inserted records go to the recycle bin (or are
    deleted), updated ones get their values back. Refused, naming the
    record, when one changed since the import."""
    if batch.state != "done":
        raise Conflict(N_("Only an imported batch can be undone."))
    model = target.model
    rows = list(session.scalars(select(BatchRow).where(BatchRow.batch_id == batch.id)
                                .order_by(BatchRow.row_no)))
    records: dict[int, Any] = {}
    ident = model.__table__.c.id
    for chunk in _chunks([r.record_id for r in rows], 500):
        records |= {cast(Any, r).id: r for r in session.scalars(select(model).where(
            ident.in_(chunk), scope(actor, model, "update", include_deleted=True)))}
    for row in rows:
        record = records.get(row.record_id)
        if record is None:
            raise Forbidden(f"{target.key}.update")
        if isinstance(record, VersionedMixin) and row.version is not None and record.version != row.version:
            # the version counter moved: someone (or something) wrote the record since
            raise ChangedSince(row.record_id, row.row_no)
    for row in rows:
        record = records[row.record_id]
        if row.action == "insert":
            if isinstance(record, SoftDeleteMixin):
                record.deleted_at = utcnow()
            else:
                session.delete(record)
        else:
            before = dict(row.before or {})
            extra = before.pop("extra", None)
            for name, value in before.items():
                setattr(record, name, _typed(model, name, value))
            if extra:
                # the custom fields the row set, back to their values (None: it had none)
                restored = {k: v for k, v in {**(record.extra or {}), **extra}.items() if v is not None}
                record.extra = restored
    batch.state, batch.finished_at = "undone", utcnow()
    return len(rows)


class ChangedSince(Conflict):
    """A record the batch wrote changed afterwards."""

    def __init__(self, record_id: int, row_no: int) -> None:
        super().__init__(N_("Record #{id} (row {row}) changed after the import: the batch cannot be undone."),
                         id=str(record_id), row=str(row_no))
        self.record_id, self.row_no = record_id, row_no

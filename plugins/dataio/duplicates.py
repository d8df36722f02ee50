"""The duplicate service: match rules declared by plugins, match keys kept
current on every write, and :func:`candidates` for a record about to be
saved.

A candidate the actor may not read is reported without its content: only
that it exists, under which rule, and who owns it (so a salesperson learns
"this customer is already 张伟's" and nothing else).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from core import Actor, Base, scope
from plugins.dataio.api import MatchRule
from plugins.dataio.models import MatchKey
from plugins.dataio.normalise import company_name, key_of, name_similarity

#: fuzzy names: how many stored keys sharing a prefix are compared at most
FUZZY_POOL = 200
#: fuzzy names: the similarity from which a name is a candidate
FUZZY_THRESHOLD = 0.8
_RULES = "dataio.rules"
#: while set in ``session.info``, match keys collect here and the import writes them in bulk
BULK = "dataio.bulk_keys"
#: the key table, for Core inserts of many rows (no ORM bookkeeping per row)
MATCH_KEYS = cast(Table, MatchKey.__table__)
#: while set in ``session.info``: (kind, value) -> key, the keys the import's check already
#: computed, so the records' events do not normalise every name a second time
MEMO = "dataio.key_memo"


@dataclass(frozen=True)
class Candidate:
    """A record that may duplicate the one being saved."""

    model: str
    record_id: int
    field: str
    kind: str
    #: 1.0 for the same key, less for a similar name
    score: float
    #: whether the actor may read the record; if not, ``title`` is empty
    readable: bool
    title: str
    owner_id: int | None
    owner: str

    @property
    def exact(self) -> bool:
        return self.score >= 1.0


def all_rules(hook: Any) -> list[MatchRule]:
    """Every enabled plugin's match rules (``hook`` is ``kernel.pm.hook``)."""
    return [r for group in hook.dataio_match_rules() for r in group]


def rules_of(session: Session, model_key: str) -> list[MatchRule]:
    """The rules of ``model_key``, read once per session from the hook relay."""
    cached: dict[str, list[MatchRule]] | None = session.info.get(_RULES)
    if cached is None:
        hook = session.info.get("hook")
        by_model: dict[str, list[MatchRule]] = defaultdict(list)
        for rule in all_rules(hook) if hook is not None else ():
            by_model[rule.model].append(rule)
        cached = dict(by_model)
        session.info[_RULES] = cached
    return cached.get(model_key, [])


def keys_of(rules: Sequence[MatchRule], values: Mapping[str, Any],
            memo: dict[tuple[str, Any], str] | None = None) -> list[tuple[MatchRule, str]]:
    """(rule, key) for each rule whose field gives a key in ``values``;
    ``memo`` keeps the keys computed, by (kind, value)."""
    out = []
    for rule in rules:
        if rule.field in values:
            value = values[rule.field]
            key = memo.get((rule.kind, value)) if memo is not None else None
            if key is None:
                key = key_of(rule.kind, value)
                if memo is not None:
                    memo[(rule.kind, value)] = key
            if key:
                out.append((rule, key))
    return out


def sync_record(session: Session, record: Any, *, new: bool = False) -> None:
    """Store the match keys of ``record`` (after a create or an update)."""
    model_key = record.__model_key__
    rules = rules_of(session, model_key)
    if not rules:
        return
    values = {r.field: getattr(record, r.field, None) for r in rules}
    if not new:
        # not synchronised with the session: that would scan every object in it, per record
        session.execute(delete(MatchKey).where(MatchKey.model == model_key, MatchKey.record_id == record.id)
                        .execution_options(synchronize_session=False))
    rows = [{"model": model_key, "record_id": record.id, "field": rule.field, "kind": rule.kind,
             "key": key[:255]} for rule, key in keys_of(rules, values, session.info.get(MEMO))]
    bulk: list[dict[str, Any]] | None = session.info.get(BULK)
    if bulk is not None and new:
        bulk.extend(rows)
    elif rows:
        session.execute(insert(MatchKey), rows)


def sync_rows(session: Session, model_key: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store the match keys of new records given as rows (``core.create_many``)."""
    rules = rules_of(session, model_key)
    if not rules:
        return
    memo = session.info.get(MEMO)
    keys = [{"model": model_key, "record_id": row["id"], "field": rule.field, "kind": rule.kind,
             "key": key[:255]}
            for row in rows for rule, key in keys_of(rules, {r.field: row.get(r.field) for r in rules}, memo)]
    for start in range(0, len(keys), 5000):
        session.execute(insert(MATCH_KEYS), keys[start:start + 5000])


def write_bulk(session: Session) -> None:
    """Write the match keys collected while :data:`BULK` was set."""
    rows = session.info.get(BULK) or []
    for start in range(0, len(rows), 5000):
        session.execute(insert(MATCH_KEYS), rows[start:start + 5000])
    rows.clear()


def forget_record(session: Session, model_key: str, record_id: int) -> None:
    session.execute(delete(MatchKey).where(MatchKey.model == model_key, MatchKey.record_id == record_id)
                    .execution_options(synchronize_session=False))


def reindex(session: Session, model: type[Base]) -> int:
    """Rebuild the match keys of every record of ``model`` (after rules changed,
    or for records written before the plugin was enabled); returns how many."""
    model_key = model.__model_key__
    rules = rules_of(session, model_key)
    session.execute(delete(MatchKey).where(MatchKey.model == model_key))
    if not rules:
        return 0
    fields = [getattr(model, r.field) for r in rules]
    count, rows = 0, []
    for record_id, *values in session.execute(select(model.id, *fields)):  # type: ignore[attr-defined]
        count += 1
        by_field = dict(zip([r.field for r in rules], values, strict=True))
        rows += [{"model": model_key, "record_id": record_id, "field": rule.field, "kind": rule.kind,
                  "key": key[:255]} for rule, key in keys_of(rules, by_field)]
        if len(rows) >= 5000:
            session.execute(insert(MatchKey), rows)
            rows = []
    if rows:
        session.execute(insert(MatchKey), rows)
    return count


def matching_ids(
    session: Session, model_key: str, kind: str, keys: Iterable[str]
) -> dict[str, set[int]]:
    """Stored key -> ids of the records of ``model_key`` having it."""
    found: dict[str, set[int]] = defaultdict(set)
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        stmt = select(MatchKey.key, MatchKey.record_id).where(
            MatchKey.model == model_key, MatchKey.kind == kind, MatchKey.key.in_(chunk))
        for key, record_id in session.execute(stmt):
            found[key].add(record_id)
    return found


def _fuzzy(session: Session, model_key: str, rule: MatchRule, key: str) -> dict[int, float]:
    """Records whose name key is similar to ``key``: a bounded pool (keys
    sharing the first two or the last two characters), then a ratio."""
    if len(key) < 2:
        return {}
    pool = select(MatchKey.key, MatchKey.record_id).where(
        MatchKey.model == model_key, MatchKey.field == rule.field, MatchKey.kind == "name")
    found: dict[int, float] = {}
    for cond in (MatchKey.key.startswith(key[:2], autoescape=True),
                 MatchKey.key.endswith(key[-2:], autoescape=True)):
        for other, record_id in session.execute(pool.where(cond).limit(FUZZY_POOL)):
            ratio = name_similarity(key, other)
            if ratio >= FUZZY_THRESHOLD:
                found[record_id] = max(found.get(record_id, 0.0), ratio)
    return found


def candidates(
    session: Session, actor: Actor, model: type[Base], values: Mapping[str, Any], *,
    exclude: int | None = None, registry: Any = None,
) -> list[Candidate]:
    """Existing records of ``model`` that the record with ``values`` may
    duplicate, best first; the record ``exclude`` (the one being edited) is
    left out. Soft-deleted records are no candidates. A field the actor may
    not read in clear (hidden or masked for them) matches nothing: it would
    confirm a value they are not to see."""
    model_key = model.__model_key__
    withheld = actor.hidden_fields(model)
    rules = [r for r in rules_of(session, model_key) if r.field not in withheld]
    scores: dict[int, tuple[float, MatchRule]] = {}
    for rule, key in keys_of(rules, values):
        for record_id in matching_ids(session, model_key, rule.kind, [key]).get(key, ()):
            scores[record_id] = (1.0, rule)
        if rule.fuzzy and rule.kind == "name":
            for record_id, ratio in _fuzzy(session, model_key, rule, key).items():
                if scores.get(record_id, (0.0, rule))[0] < ratio:
                    scores[record_id] = (ratio, rule)
    scores.pop(exclude, None)  # type: ignore[arg-type]
    if not scores:
        return []
    return _describe(session, actor, model, scores)


def _describe(
    session: Session, actor: Actor, model: type[Base], scores: Mapping[int, tuple[float, MatchRule]]
) -> list[Candidate]:
    from core import SoftDeleteMixin

    ident = model.id  # type: ignore[attr-defined]
    live = select(ident).where(ident.in_(scores))
    if issubclass(model, SoftDeleteMixin):
        live = live.where(model.deleted_at.is_(None))
    alive = set(session.scalars(live))
    readable = set(session.scalars(select(ident).where(ident.in_(alive), scope(actor, model, "read"))))
    title_attr = _title_attr(session, model)
    owner_col = getattr(model, "owner_id", None)
    titles: dict[int, str] = {}
    owners: dict[int, int | None] = {}
    cols = [ident, getattr(model, title_attr) if title_attr else ident]
    if owner_col is not None:
        cols.append(owner_col)
    for row in session.execute(select(*cols).where(ident.in_(alive))):
        titles[row[0]] = str(row[1] or "") if row[0] in readable else ""
        owners[row[0]] = row[2] if owner_col is not None else None
    names = _user_names(session, {o for o in owners.values() if o is not None})
    out = [Candidate(model.__model_key__, rid, rule.field, rule.kind, score, rid in readable,
                     titles.get(rid, ""), owners.get(rid), names.get(owners.get(rid) or 0, ""))
           for rid, (score, rule) in scores.items() if rid in alive]
    return sorted(out, key=lambda c: (-c.score, c.record_id))


def _title_attr(session: Session, model: type[Base]) -> str | None:
    registry = session.info.get("registry")
    entry = registry.cruds.get(model.__model_key__) if registry is not None else None
    attr = entry[1].title_attr if entry else "name"
    return attr if hasattr(model, attr) else None


def _user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    registry = session.info.get("registry")
    user_model = registry.models.get("core.user") if registry is not None else None
    if user_model is None:
        return {}
    stmt = select(user_model.id, user_model.display_name).where(user_model.id.in_(ids))
    return {uid: name for uid, name in session.execute(stmt)}


__all__ = ["Candidate", "all_rules", "candidates", "company_name", "reindex", "rules_of", "sync_record"]

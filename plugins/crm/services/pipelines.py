"""Sales pipelines and their stages: the defaults an organisation gets on
first use, and their administration (crm.pipeline.update). Every pipeline
has its open stages in order, exactly one won stage and at least one lost
stage; the won stage's probability is 100 %, a lost one's 0 %."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError, get_for
from plugins.crm.models import Opportunity, Pipeline, Stage
from plugins.crm.models.choices import STAGE_KINDS

#: name, English name, stages (name, English name, probability %, kind)
DEFAULT_PIPELINES: tuple[tuple[str, str, tuple[tuple[str, str, int, str], ...]], ...] = (
    ("标准产品销售", "Standard product sale", (
        ("初步接洽", "Initial contact", 10, "open"),
        ("需求确认", "Needs confirmed", 25, "open"),
        ("方案报价", "Proposal and quote", 50, "open"),
        ("商务谈判", "Negotiation", 75, "open"),
        ("赢单", "Won", 100, "won"),
        ("输单", "Lost", 0, "lost"),
    )),
    ("复杂项目销售", "Complex project sale", (
        ("线索验证", "Qualification", 5, "open"),
        ("立项", "Project approved", 15, "open"),
        ("需求调研", "Requirements study", 25, "open"),
        ("方案设计", "Solution design", 40, "open"),
        ("招投标", "Tender and bid", 60, "open"),
        ("商务谈判", "Negotiation", 80, "open"),
        ("签约赢单", "Contract signed", 100, "won"),
        ("输单", "Lost", 0, "lost"),
        ("项目取消", "Project cancelled", 0, "lost"),
    )),
    ("大客户销售", "Key account sale", (
        ("客户拓展", "Account development", 10, "open"),
        ("关系建立", "Relationship building", 20, "open"),
        ("需求挖掘", "Needs discovery", 35, "open"),
        ("高层拜访", "Executive visit", 50, "open"),
        ("方案确认", "Solution agreed", 70, "open"),
        ("商务谈判", "Negotiation", 85, "open"),
        ("赢单", "Won", 100, "won"),
        ("输单", "Lost", 0, "lost"),
    )),
)


def ensure_pipelines(db: Session, org_id: int) -> list[Pipeline]:
    """The organisation's active pipelines in order; the three default ones
    (标准产品销售, 复杂项目销售, 大客户销售) are made on first use."""
    if db.scalar(select(func.count(Pipeline.id)).where(Pipeline.org_id == org_id)) == 0:
        # The suite's defaults, not anyone's change: written as statements, so
        # they carry no audit row naming whoever happened to open a page first.
        for n, (name, name_en, stages) in enumerate(DEFAULT_PIPELINES):
            pipeline_id = db.scalar(insert(Pipeline).returning(Pipeline.id).values(
                org_id=org_id, name=name, name_en=name_en, sequence=(n + 1) * 10, is_default=n == 0,
                active=True))
            db.execute(insert(Stage), [
                {"pipeline_id": pipeline_id, "name": s, "name_en": s_en, "probability": p, "kind": k,
                 "sequence": (i + 1) * 10} for i, (s, s_en, p, k) in enumerate(stages)])
    return pipelines_of(db, org_id)


def pipelines_of(db: Session, org_id: int, *, active_only: bool = True) -> list[Pipeline]:
    stmt = select(Pipeline).where(Pipeline.org_id == org_id)
    if active_only:
        stmt = stmt.where(Pipeline.active.is_(True))
    return list(db.scalars(stmt.order_by(Pipeline.is_default.desc(), Pipeline.sequence, Pipeline.id)))


def default_pipeline(db: Session, org_id: int) -> Pipeline:
    return ensure_pipelines(db, org_id)[0]


def stages_of(db: Session, pipeline_id: int) -> list[Stage]:
    """A pipeline's stages in order: open ones by sequence, then won, then lost."""
    rank = {"open": 0, "won": 1, "lost": 2}
    stages = db.scalars(select(Stage).where(Stage.pipeline_id == pipeline_id)
                        .order_by(Stage.sequence, Stage.id)).all()
    return sorted(stages, key=lambda s: (rank.get(s.kind, 0), s.sequence, s.id))


def save_pipeline(db: Session, actor: Actor, pipeline_id: int | None, values: Mapping[str, Any],
                  stages: Sequence[Mapping[str, Any]]) -> Pipeline:
    """Create or change a pipeline of ``actor``'s organisation and its stages
    in the order given (each ``{"id"?, "name", "name_en", "probability",
    "kind"}``; an existing stage left out is removed, unless deals sit in
    it). One ValidationError names every bad field and row (``stage_<n>``,
    n from 1); nothing is written then."""
    actor.require("crm.pipeline.update")
    pipeline = get_for(db, actor, Pipeline, pipeline_id, "update") if pipeline_id is not None else None
    org_id = pipeline.org_id if pipeline is not None else actor.org_id
    errors: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = N_("Give the pipeline a name.")
    existing = {s.id: s for s in stages_of(db, pipeline.id)} if pipeline is not None else {}
    rows = _checked_stages(stages, existing, errors)
    kept = {int(r["id"]) for r in rows if r.get("id")}
    for gone in set(existing) - kept:
        if db.scalar(select(func.count(Opportunity.id)).where(Opportunity.stage_id == gone)):
            errors["stages"] = N_("A removed stage still holds opportunities: move them to another stage "
                                  "first.")
    if not values.get("active", True) and pipeline is not None and pipeline.is_default:
        errors["active"] = N_("The default pipeline cannot be switched off.")
    if errors:
        raise ValidationError(errors)
    if pipeline is None:
        pipeline = Pipeline(org_id=org_id, sequence=_next_sequence(db, org_id))
        db.add(pipeline)
    pipeline.name = name
    pipeline.name_en = str(values.get("name_en") or "").strip()
    pipeline.active = bool(values.get("active", True))
    db.flush()
    if values.get("is_default"):
        db.execute(update(Pipeline).where(Pipeline.org_id == org_id, Pipeline.id != pipeline.id)
                   .values(is_default=False), execution_options={"synchronize_session": "fetch"})
        pipeline.is_default = True
        pipeline.active = True
    for gone in set(existing) - kept:
        db.delete(existing[gone])
    for n, row in enumerate(rows, start=1):
        stage = existing.get(int(row["id"])) if row.get("id") else None
        if stage is None:
            stage = Stage(pipeline_id=pipeline.id)
            db.add(stage)
        stage.name, stage.name_en = row["name"], row["name_en"]
        stage.probability, stage.kind, stage.sequence = row["probability"], row["kind"], n * 10
    db.flush()
    return pipeline


def _checked_stages(stages: Sequence[Mapping[str, Any]], existing: Mapping[int, Stage],
                    errors: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n, raw in enumerate(stages, start=1):
        name = str(raw.get("name") or "").strip()
        if not name and not raw.get("id"):
            continue  # an empty new row
        kind = str(raw.get("kind") or "open")
        try:
            probability = int(str(raw.get("probability") or "0").strip())
        except ValueError:
            probability = -1
        sid = raw.get("id")
        if sid and int(sid) not in existing:
            errors[f"stage_{n}"] = N_("Row {n}: this stage belongs to another pipeline.")
        elif not name or len(name) > 100:
            errors[f"stage_{n}"] = N_("Row {n}: name the stage.")
        elif kind not in STAGE_KINDS:
            errors[f"stage_{n}"] = N_("Row {n}: choose open, won or lost.")
        elif not 0 <= probability <= 100:
            errors[f"stage_{n}"] = N_("Row {n}: the probability is a whole number from 0 to 100.")
        if kind == "won":
            probability = 100
        elif kind == "lost":
            probability = 0
        rows.append({"id": sid, "name": name, "name_en": str(raw.get("name_en") or "").strip()[:100],
                     "probability": probability, "kind": kind})
    kinds = [r["kind"] for r in rows]
    if kinds.count("won") != 1:
        errors["stages"] = N_("A pipeline has exactly one won stage.")
    elif kinds.count("lost") < 1:
        errors["stages"] = N_("A pipeline has at least one lost stage.")
    elif kinds.count("open") < 1:
        errors["stages"] = N_("A pipeline has at least one open stage.")
    return rows


def _next_sequence(db: Session, org_id: int) -> int:
    return int(db.scalar(select(func.max(Pipeline.sequence)).where(Pipeline.org_id == org_id)) or 0) + 10


__all__ = ["DEFAULT_PIPELINES", "default_pipeline", "ensure_pipelines", "pipelines_of", "save_pipeline",
           "stages_of"]

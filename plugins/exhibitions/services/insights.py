"""Identify, segment, predict: each exhibitor across the editions of a series.

**The history** (:func:`history`): per exhibitor and edition, the m² of
their booths (held, reserved or sold), what they spent on services
(confirmed service orders), the kinds of service bought, complaints (the
service desk's requests, when that part is installed), their NPS answer in
the edition's exhibitor survey, and leads received (when the leads part is
installed). Every figure is aggregated in SQL under the reader's scope.

**Segments** at an edition N (:func:`segment`), first rule that holds:

- *lost*: exhibited in an earlier edition, not in N;
- *new*: exhibited in N, never before;
- *at risk*: in N, and the model gives them less than 50 % to rebook N+1;
- *growing*: in N and in N−1 with at least 20 % more m²;
- *shrinking*: in N and in N−1 with at least 20 % fewer m²;
- *returning*: the rest (in N and in N−1, about the same m²; or back after a gap).

**The rebooking model** (:func:`train`, :func:`predict`): a logistic
regression in plain Python (no numpy in the installation) on the features
of :data:`FEATURES`, standardised, trained by gradient descent with a small
L2 penalty on every pair of consecutive editions (N → N+1) whose outcome is
known: an exhibitor of N rebooked when they have a booth in N+1. Each
prediction comes with its reasons: the features' contributions (weight ×
standardised value), largest first. With no pair to learn from (a first
edition, or a pair where everybody came back) the model is the scored rule
set :data:`PRIOR` with the same features. :func:`evaluate` trains on the
earlier pairs and reports accuracy, precision, recall (of churn, the
exhibitors who do not come back) and the AUC on the last one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, scope
from plugins.exhibitions.models import (
    Booth,
    Edition,
    ExhibitorService,
    ServiceOrder,
    ServiceOrderLine,
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyQuestion,
)

#: booths in these statuses count as the exhibitor's space in an edition
BOOKED = ("held", "reserved", "sold")
GROWTH = Decimal("1.2")
SHRINK = Decimal("0.8")


@dataclass
class Year:
    """An exhibitor in one edition."""

    area: Decimal = Decimal(0)
    spend: Decimal = Decimal(0)
    services: set[str] = field(default_factory=set)
    complaints: int = 0
    nps: float | None = None
    leads: int = 0


#: customer id -> edition number -> what they did in it
History = dict[int, dict[int, Year]]


def series_editions(db: Session, actor: Actor, series_id: int) -> dict[int, int]:
    """The series' editions the actor may read: number -> id."""
    rows = db.execute(select(Edition.number, Edition.id).where(
        Edition.series_id == series_id, Edition.deleted_at.is_(None), scope(actor, Edition)))
    return {int(n): int(i) for n, i in rows}


def history(db: Session, actor: Actor, series_id: int, *, customer_id: int | None = None) -> History:
    """Every exhibitor's figures in every edition of the series (or one exhibitor's)."""
    editions = series_editions(db, actor, series_id)
    number_of = {v: k for k, v in editions.items()}
    out: History = defaultdict(dict)

    def year(customer: Any, edition: Any) -> Year:
        return out[int(customer)].setdefault(number_of[int(edition)], Year())

    def only(column: Any) -> list[Any]:
        return [column == customer_id] if customer_id is not None else []

    ids = list(editions.values())
    for e, c, area in db.execute(
            select(Booth.edition_id, Booth.customer_id, func.sum(Booth.area))
            .where(Booth.edition_id.in_(ids), Booth.status.in_(BOOKED), Booth.customer_id.is_not(None),
                   scope(actor, Booth), *only(Booth.customer_id))
            .group_by(Booth.edition_id, Booth.customer_id)):
        year(c, e).area = Decimal(area or 0)
    confirmed = [ServiceOrder.edition_id.in_(ids), ServiceOrder.state == "confirmed",
                 scope(actor, ServiceOrder), *only(ServiceOrder.customer_id)]
    for e, c, spend in db.execute(
            select(ServiceOrder.edition_id, ServiceOrder.customer_id, func.sum(ServiceOrder.total))
            .where(*confirmed).group_by(ServiceOrder.edition_id, ServiceOrder.customer_id)):
        year(c, e).spend = Decimal(spend or 0)
    for e, c, category in db.execute(
            select(ServiceOrder.edition_id, ServiceOrder.customer_id, ExhibitorService.category).distinct()
            .join(ServiceOrderLine, ServiceOrderLine.order_id == ServiceOrder.id)
            .join(ExhibitorService, ExhibitorService.id == ServiceOrderLine.service_id).where(*confirmed)):
        year(c, e).services.add(str(category))
    for e, c, score in db.execute(
            select(Survey.edition_id, SurveyInvite.customer_id, func.avg(SurveyAnswer.score))
            .join(SurveyInvite, SurveyInvite.survey_id == Survey.id)
            .join(SurveyAnswer, SurveyAnswer.invite_id == SurveyInvite.id)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .where(Survey.edition_id.in_(ids), Survey.audience == "exhibitors", SurveyQuestion.kind == "nps",
                   SurveyInvite.customer_id.is_not(None), scope(actor, Survey), *only(SurveyInvite.customer_id))
            .group_by(Survey.edition_id, SurveyInvite.customer_id)):
        year(c, e).nps = float(score) if score is not None else None
    for model, attr in ((complaint_model(), "complaints"), (lead_model(), "leads")):
        if model is None or not hasattr(model, "edition_id") or not hasattr(model, "customer_id"):
            continue
        for e, c, n in db.execute(select(model.edition_id, model.customer_id, func.count())
                                  .where(model.edition_id.in_(ids), model.customer_id.is_not(None),
                                         scope(actor, model), *only(model.customer_id))
                                  .group_by(model.edition_id, model.customer_id)):
            setattr(year(c, e), attr, int(n))
    return dict(out)


def complaint_model() -> Any:
    """The service desk's requests (``DeskRequest``), when that part is installed."""
    import plugins.exhibitions.models as models

    return getattr(models, "DeskRequest", None)


def lead_model() -> Any:
    """The exhibitors' scanned leads (``Lead`` of this plugin), when that part is installed."""
    import plugins.exhibitions.models as models

    return getattr(models, "Lead", None)


# ----------------------------------------------------------------- features


#: the model's features: key, label (what the panel's reasons say)
FEATURES: tuple[tuple[str, str], ...] = (
    ("tenure", N_("Editions exhibited")),
    ("new", N_("First edition")),
    ("area", N_("Booth space (m²)")),
    ("area_change", N_("Change in booth space")),
    ("spend", N_("Spend on services")),
    ("services", N_("Kinds of service bought")),
    ("complaints", N_("Complaints")),
    ("nps", N_("Survey score (NPS question)")),
    ("no_answer", N_("Did not answer the survey")),
    ("leads", N_("Leads received")),
)
KEYS = tuple(k for k, _ in FEATURES)

#: the scored rule set used when there is no history to learn from (standardised features)
PRIOR = {"tenure": 0.5, "new": -0.4, "area": 0.2, "area_change": 0.6, "spend": 0.4, "services": 0.3,
         "complaints": -0.6, "nps": 0.8, "no_answer": -0.3, "leads": 0.3}


def features(years: dict[int, Year], number: int) -> dict[str, float]:
    """An exhibitor's features at edition ``number`` (they exhibited in it)."""
    now = years[number]
    before = years.get(number - 1)
    had_before = before is not None and before.area > 0
    change = math.log(float(now.area) / float(before.area)) if had_before and before and now.area > 0 else 0.0
    return {
        "tenure": float(sum(1 for n, y in years.items() if n <= number and y.area > 0)),
        "new": 0.0 if any(n < number and y.area > 0 for n, y in years.items()) else 1.0,
        "area": math.log1p(float(now.area)),
        "area_change": change,
        "spend": math.log1p(float(now.spend) / 1000),
        "services": float(len(now.services)),
        "complaints": float(now.complaints),
        "nps": (now.nps - 7) / 3 if now.nps is not None else 0.0,
        "no_answer": 1.0 if now.nps is None else 0.0,
        "leads": math.log1p(now.leads),
    }


@dataclass
class Sample:
    customer_id: int
    x: dict[str, float]
    rebooked: bool


def samples(hist: History, number: int) -> list[Sample]:
    """The exhibitors of edition ``number`` with their features and whether they came back in the next."""
    out = []
    for customer, years in sorted(hist.items()):
        now = years.get(number)
        if now is None or now.area <= 0:
            continue
        nxt = years.get(number + 1)
        out.append(Sample(customer, features(years, number), nxt is not None and nxt.area > 0))
    return out


# ----------------------------------------------------------------- the model


@dataclass
class Model:
    """Weights on standardised features, the bias, and the standardisation."""

    weights: dict[str, float]
    bias: float
    means: dict[str, float]
    scales: dict[str, float]
    trained_on: int = 0

    def z(self, x: dict[str, float]) -> dict[str, float]:
        return {k: (x[k] - self.means[k]) / self.scales[k] for k in KEYS}

    def probability(self, x: dict[str, float]) -> float:
        z = self.z(x)
        return _sigmoid(self.bias + sum(self.weights[k] * z[k] for k in KEYS))

    def reasons(self, x: dict[str, float]) -> list[tuple[str, float, float]]:
        """(feature, its value, its contribution to the log-odds), the largest contributions first."""
        z = self.z(x)
        out = [(k, x[k], self.weights[k] * z[k]) for k in KEYS]
        return sorted(out, key=lambda r: -abs(r[2]))


def _sigmoid(t: float) -> float:
    if t < -40:
        return 0.0
    return 1 / (1 + math.exp(-t))


def prior_model() -> Model:
    return Model(dict(PRIOR), 1.0, dict.fromkeys(KEYS, 0.0), {"tenure": 2, "new": 1, "area": 1,
                                                            "area_change": 0.5, "spend": 1, "services": 2,
                                                            "complaints": 1, "nps": 1, "no_answer": 1,
                                                            "leads": 1})


def train(rows: Sequence[Sample], *, rate: float = 0.3, steps: int = 1500, l2: float = 0.01) -> Model:
    """A logistic regression of ``rebooked`` on the features (batch gradient
    descent on the mean log-loss with an L2 penalty); the prior when the
    rows do not hold both outcomes."""
    if not rows or len({r.rebooked for r in rows}) < 2:
        return prior_model()
    n = len(rows)
    means = {k: sum(r.x[k] for r in rows) / n for k in KEYS}
    scales = {k: math.sqrt(sum((r.x[k] - means[k]) ** 2 for r in rows) / n) for k in KEYS}
    zs = [[(r.x[k] - means[k]) / (scales[k] or 1.0) for k in KEYS] for r in rows]
    ys = [1.0 if r.rebooked else 0.0 for r in rows]
    # a feature the history does not vary (all the first edition's exhibitors are new) keeps the prior's
    # weight and scale, centred on the value it always had: it cannot be learnt, but still tells later
    fixed = {k for k in KEYS if scales[k] == 0.0 or all(r.x[k] == means[k] for r in rows)}
    w, b = [0.0] * len(KEYS), 0.0
    for _ in range(steps):
        gw, gb = [0.0] * len(KEYS), 0.0
        for z, y in zip(zs, ys, strict=True):
            err = _sigmoid(b + sum(wi * zi for wi, zi in zip(w, z, strict=True))) - y
            gb += err
            for j, zj in enumerate(z):
                gw[j] += err * zj
        b -= rate * gb / n
        w = [wj - rate * (gj / n + l2 * wj) for wj, gj in zip(w, gw, strict=True)]
    weights = dict(zip(KEYS, w, strict=True))
    prior = prior_model()
    for k in fixed:
        weights[k], scales[k] = prior.weights[k], prior.scales[k]
    return Model(weights, b, means, {k: scales[k] or 1.0 for k in KEYS}, trained_on=n)


_TRAINED: dict[int, Model] = {}


def model_for(hist: History, number: int) -> Model:
    """The model to score exhibitors of edition ``number``: trained on every
    earlier pair whose outcome is known (M → M+1 with M+1 ≤ ``number``).
    Kept by its training rows (a customer's page trains no model twice)."""
    numbers = sorted({n for years in hist.values() for n in years})
    rows = [s for m in numbers if m + 1 <= number for s in samples(hist, m)]
    key = hash(tuple((r.rebooked, *(r.x[k] for k in KEYS)) for r in rows))
    if key not in _TRAINED:
        if len(_TRAINED) > 64:
            _TRAINED.clear()
        _TRAINED[key] = train(rows)
    return _TRAINED[key]


@dataclass
class Scores:
    accuracy: float
    precision: float
    recall: float
    auc: float
    base_rate: float
    count: int
    churned: int


def evaluate(model: Model, rows: Sequence[Sample]) -> Scores:
    """The model on held-out rows. Positive = churn (did not rebook),
    predicted when the probability to rebook is below one half; the base
    rate is the accuracy of always predicting the more common outcome."""
    probs = [model.probability(r.x) for r in rows]
    churn = [not r.rebooked for r in rows]
    said = [p < 0.5 for p in probs]
    tp = sum(1 for s, c in zip(said, churn, strict=True) if s and c)
    fp = sum(1 for s, c in zip(said, churn, strict=True) if s and not c)
    fn = sum(1 for s, c in zip(said, churn, strict=True) if not s and c)
    right = sum(1 for s, c in zip(said, churn, strict=True) if s == c)
    n = len(rows) or 1
    churned = sum(churn)
    return Scores(accuracy=right / n, precision=tp / (tp + fp) if tp + fp else 0.0,
                  recall=tp / (tp + fn) if tp + fn else 0.0, auc=auc([1 - p for p in probs], churn),
                  base_rate=max(churned, len(rows) - churned) / n, count=len(rows), churned=churned)


def auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """The area under the ROC curve: the chance a positive scores above a negative (ties count half)."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return 0.5
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def held_out(hist: History) -> tuple[Model, Scores] | None:
    """Train on every pair but the last known one, evaluate on the last
    (the demo: 23→24 trains, 24→25 tests); None without two pairs."""
    numbers = sorted({n for years in hist.values() for n in years})
    pairs = [m for m in numbers if m + 1 in numbers]
    if len(pairs) < 2:
        return None
    last = pairs[-1]
    model = train([s for m in pairs[:-1] for s in samples(hist, m)])
    return model, evaluate(model, samples(hist, last))


# ----------------------------------------------------------------- segments


def segment(years: dict[int, Year], number: int, probability: float | None) -> str | None:
    """The exhibitor's segment at edition ``number`` (the rules above); None
    when they never exhibited up to it."""
    now = years.get(number)
    here = now is not None and now.area > 0
    earlier = [n for n, y in years.items() if n < number and y.area > 0]
    if not here:
        return "lost" if earlier else None
    if not earlier:
        return "new"
    if probability is not None and probability < 0.5:
        return "at_risk"
    before = years.get(number - 1)
    if before is not None and before.area > 0 and now is not None:
        if now.area >= before.area * GROWTH:
            return "growing"
        if now.area <= before.area * SHRINK:
            return "shrinking"
    return "returning"


@dataclass
class Exhibitor:
    customer_id: int
    segment: str | None
    probability: float | None
    reasons: list[tuple[str, float, float]]
    years: dict[int, Year]


def exhibitors(db: Session, actor: Actor, edition: Edition, *, customer_id: int | None = None,
               hist: History | None = None) -> list[Exhibitor]:
    """Everyone who exhibited in the series up to ``edition``, with their
    segment at it and, for its exhibitors, the chance to rebook the next."""
    hist = hist if hist is not None else history(db, actor, edition.series_id, customer_id=customer_id)
    full = hist if customer_id is None else history(db, actor, edition.series_id)
    model = model_for(full, edition.number)
    out = []
    for customer, years in sorted(hist.items()):
        now = years.get(edition.number)
        x = features(years, edition.number) if now is not None and now.area > 0 else None
        p = model.probability(x) if x is not None else None
        seg = segment(years, edition.number, p)
        if seg is None:
            continue
        out.append(Exhibitor(customer, seg, p, model.reasons(x) if x is not None else [], years))
    return out


def segment_counts(rows: Iterable[Exhibitor]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.segment:
            counts[row.segment] += 1
    return dict(counts)


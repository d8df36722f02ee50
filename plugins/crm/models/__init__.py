"""The CRM's models, one module per concept; imported from here."""

from __future__ import annotations

from plugins.crm.models.care import Care, CarePlan
from plugins.crm.models.customers import Contact, Customer, CustomerTag, Tag
from plugins.crm.models.leads import Lead, WebForm
from plugins.crm.models.pools import OwnershipLog, Pool, PoolRole, PoolRule, Settings
from plugins.crm.models.sales import (
    Competitor,
    FollowUp,
    Opportunity,
    OpportunityCompetitor,
    OpportunityProduct,
    Pipeline,
    Stage,
    StageLog,
)
from plugins.crm.models.segments import CustomerValue, Segment, SegmentMember
from plugins.crm.models.sfa import Enrollment, EnrollmentStep, Sequence, SequenceStep

__all__ = [
    "Care", "CarePlan", "Competitor", "Contact", "Customer", "CustomerTag", "CustomerValue", "Enrollment",
    "EnrollmentStep", "FollowUp", "Lead", "Opportunity", "OpportunityCompetitor", "OpportunityProduct",
    "OwnershipLog", "Pipeline", "Pool", "PoolRole", "PoolRule", "Segment", "SegmentMember", "Sequence",
    "SequenceStep", "Settings", "Stage", "StageLog", "Tag", "WebForm", "MODELS",
]

#: every model, in the order register_models gives them (parents first)
MODELS = [
    Pool, PoolRole, PoolRule, Settings, Tag, Customer, CustomerTag, Contact, OwnershipLog,
    Pipeline, Stage, Competitor, Opportunity, OpportunityCompetitor, OpportunityProduct, StageLog, FollowUp,
    WebForm, Lead, CarePlan, Care, Segment, SegmentMember, CustomerValue,
    Sequence, SequenceStep, Enrollment, EnrollmentStep,
]

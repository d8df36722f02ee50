"""Fixed choices of the CRM's fields (value -> translatable label), in the
order forms offer them. Stored values are stable English keys."""

from __future__ import annotations

from core import N_

KINDS = {"company": N_("Company"), "person": N_("Person")}

INDUSTRIES = {
    "manufacturing": N_("Manufacturing"), "it": N_("IT and software"), "trade": N_("Wholesale and retail"),
    "construction": N_("Construction and real estate"), "finance": N_("Finance and insurance"),
    "agriculture": N_("Agriculture"), "food": N_("Food and beverage"), "medical": N_("Healthcare"),
    "education": N_("Education"), "logistics": N_("Logistics"), "energy": N_("Energy"),
    "media": N_("Media and advertising"), "exhibition": N_("Exhibitions and events"),
    "government": N_("Government and public sector"), "services": N_("Business services"), "other": N_("Other"),
}

SIZES = {
    "micro": N_("Fewer than 20 people"), "small": N_("20–99 people"), "medium": N_("100–499 people"),
    "large": N_("500–999 people"), "huge": N_("1,000 people or more"),
}

SOURCES = {
    "web": N_("Website form"), "referral": N_("Referral"), "exhibition": N_("Exhibition"),
    "cold_call": N_("Cold call"), "advertising": N_("Advertising"), "partner": N_("Partner"),
    "import": N_("Import"), "api": N_("API"), "other": N_("Other"),
}

#: the grade a salesperson gives (protection rules are set per level)
LEVELS = {"vip": N_("VIP customer"), "key": N_("Key customer"), "normal": N_("Normal customer"),
          "potential": N_("Potential customer")}

#: the grade the value score gives
VALUE_GRADES = {"A": N_("Grade A"), "B": N_("Grade B"), "C": N_("Grade C"), "D": N_("Grade D")}

GENDERS = {"male": N_("Male"), "female": N_("Female")}

#: a contact's part in buying decisions (the decision chain on the 360 view)
DECISION_ROLES = {
    "decision_maker": N_("Decision maker"), "influencer": N_("Influencer"), "user": N_("User"),
    "gatekeeper": N_("Gatekeeper"), "finance": N_("Finance"), "other": N_("Other"),
}

FOLLOWUP_KINDS = {"call": N_("Phone call"), "visit": N_("Visit"), "email": N_("E-mail"), "wechat": N_("WeChat"),
                  "meeting": N_("Meeting"), "other": N_("Other")}

FOLLOWUP_RESULTS = {
    "interested": N_("Interested"), "follow_again": N_("Follow up again"), "no_answer": N_("No answer"),
    "not_interested": N_("Not interested"), "quoted": N_("Quote requested"), "closed": N_("Deal agreed"),
}

LEAD_STATES = {"new": N_("New"), "contacted": N_("Contacted"), "qualified": N_("Qualified"),
               "converted": N_("Converted"), "disqualified": N_("Disqualified")}

OPPORTUNITY_STATES = {"open": N_("Open"), "won": N_("Won"), "lost": N_("Lost")}

#: a stage of a pipeline is open, or closes the opportunity as won or lost
STAGE_KINDS = {"open": N_("Open"), "won": N_("Won"), "lost": N_("Lost")}

LOST_REASONS = {
    "price": N_("Price too high"), "competitor": N_("Chose a competitor"), "budget": N_("No budget"),
    "timing": N_("Bad timing"), "requirements": N_("Requirements not met"), "no_decision": N_("No decision"),
    "relationship": N_("Relationship"), "other": N_("Other"),
}

THREAT_LEVELS = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High")}

CARE_KINDS = {"return_visit": N_("Return visit"), "satisfaction": N_("Satisfaction survey"),
              "holiday": N_("Holiday greeting"), "birthday": N_("Birthday greeting"), "gift": N_("Gift"),
              "other": N_("Other")}

CARE_STATES = {"planned": N_("Planned"), "done": N_("Done"), "cancelled": N_("Dropped")}

#: what happened to a customer's ownership (the ownership log)
OWNERSHIP_ACTIONS = {
    "create": N_("Created"), "claim": N_("Claimed from the pool"), "assign": N_("Assigned"),
    "transfer": N_("Transferred"), "recall": N_("Recalled to the pool"), "release": N_("Released to the pool"),
    "auto_return": N_("Returned to the pool automatically"), "warn": N_("Warned before return"),
}

SEQUENCE_TIMINGS = {"relative": N_("Days after the start"), "absolute": N_("On a date"),
                    "recurring": N_("Recurring")}

SEQUENCE_ACTIONS = {"task": N_("Task for the owner"), "email": N_("E-mail"), "sms": N_("SMS")}

ENROLLMENT_STATES = {"active": N_("Running"), "completed": N_("Completed"), "stopped": N_("Stopped")}

#: a step's stored state; "normal", "due" and "overdue" are the pending state read against today
STEP_STATES = {"pending": N_("Normal"), "succeeded": N_("Succeeded"), "failed": N_("Failed"),
               "skipped": N_("Skipped")}
STEP_DISPLAY_STATES = {"normal": N_("Normal"), "due": N_("Due today"), "overdue": N_("Overdue"),
                       "succeeded": N_("Succeeded"), "failed": N_("Failed"), "skipped": N_("Skipped")}

# ---------------------------------------------------------------- sales process (opportunities)

#: currencies an opportunity may be in (ISO 4217), the home currency first
CURRENCIES = {"CNY": N_("Chinese yuan (CNY)"), "USD": N_("US dollar (USD)"), "EUR": N_("Euro (EUR)"),
              "HKD": N_("Hong Kong dollar (HKD)"), "JPY": N_("Japanese yen (JPY)"),
              "GBP": N_("Pound sterling (GBP)"), "TWD": N_("New Taiwan dollar (TWD)"),
              "SGD": N_("Singapore dollar (SGD)"), "KRW": N_("Korean won (KRW)")}

#: the expected-close periods the kanban and lists filter by
CLOSE_PERIODS = {"overdue": N_("Overdue"), "this_month": N_("This month"), "next_month": N_("Next month"),
                 "this_quarter": N_("This quarter"), "this_year": N_("This year"), "none": N_("No date set")}

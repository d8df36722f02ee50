"""Fixed choices of the exhibitions' fields (value -> translatable label),
in the order forms offer them. Stored values are stable English keys."""

from __future__ import annotations

from core import N_

#: an edition's life: planned, selling space, on site (move-in to move-out), closed
EDITION_STATES = {"planning": N_("Planning"), "selling": N_("Selling"), "running": N_("On site"),
                  "closed": N_("Closed")}

#: what a bookable space of a venue is
SPACE_KINDS = {"hall": N_("Exhibition hall"), "meeting_room": N_("Meeting room"),
               "outdoor": N_("Outdoor area")}

#: a booking of a space: a hold lapses on its date unless confirmed
BOOKING_STATES = {"hold": N_("On hold"), "confirmed": N_("Confirmed"), "released": N_("Released")}

#: what a booking of a space is for (the days of an edition, or any other use)
BOOKING_PURPOSES = {"move_in": N_("Move-in"), "show": N_("Show days"), "move_out": N_("Move-out"),
                    "event": N_("Event"), "other": N_("Other")}

#: a booth's position by its open sides (1, 2, 3, 4), computed from its neighbours
BOOTH_TYPES = {"inline": N_("Inline booth"), "corner": N_("Corner booth"), "peninsula": N_("Peninsula booth"),
               "island": N_("Island booth")}

#: 标摊 (a shell-scheme booth the organiser builds) or 光地 (raw space, the exhibitor's own build)
CONSTRUCTIONS = {"shell": N_("Shell scheme"), "raw": N_("Raw space")}

#: where a booth is in selling it; "blocked" is kept out of sale (a pillar, a fire lane, the organiser's)
BOOTH_STATES = {"available": N_("Available"), "held": N_("On hold"), "reserved": N_("Reserved"),
                "sold": N_("Sold"), "blocked": N_("Blocked")}

#: the components a booth's price is built from (plugins.exhibitions.services.pricing)
PRICE_RULE_KINDS = {
    "base": N_("Base price per m²"),
    "surcharge": N_("Surcharge by booth type"),
    "zone": N_("Location premium of a zone"),
    "early_bird": N_("Early-bird discount"),
    "member": N_("Member or loyalty rate"),
    "minimum": N_("Minimum area of raw space"),
}

#: an exhibitor's application to an edition
APPLICATION_STATES = {"submitted": N_("Submitted"), "approved": N_("Approved"), "rejected": N_("Rejected"),
                      "withdrawn": N_("Withdrawn")}

#: a place on the waitlist for a booth type that is sold out
WAITLIST_STATES = {"waiting": N_("Waiting for a booth"), "offered": N_("Offered"), "placed": N_("Placed"),
                   "dropped": N_("Dropped")}

#: the stages of selling space for an edition (the CRM pipeline each edition gets)
SPACE_STAGES = {"prospect": N_("Prospect"), "applied": N_("Applied"), "approved": N_("Approved"),
                "contracted": N_("Contracted"), "deposit_paid": N_("Deposit paid"), "paid": N_("Fully paid")}

#: what a service sold to exhibitors is (the exhibitor manual's order forms)
SERVICE_CATEGORIES = {
    "decoration_fee": N_("Special-decoration management fee"),
    "design_build": N_("Booth design and construction"),
    "advertising": N_("In-hall advertising"),
    "broadcast": N_("Broadcast slot"),
    "meeting_room": N_("Meeting room"),
    "ceremony": N_("Opening-ceremony service"),
    "business_centre": N_("Business centre"),
    "storage": N_("Warehousing and storage"),
    "catering": N_("Catering"),
    "furniture": N_("Furniture rental"),
    "power": N_("Electricity"),
    "water": N_("Water"),
    "compressed_air": N_("Compressed air"),
    "hanging_point": N_("Hanging point"),
    "other": N_("Other service"),
}

#: the price a service is sold at, by the day it is ordered
PRICE_TIERS = {"advance": N_("Advance price"), "standard": N_("Standard price"), "onsite": N_("On-site price")}

#: a service order: a draft is changed freely; confirming books what is limited and makes the sales order
SERVICE_ORDER_STATES = {"draft": N_("Draft"), "confirmed": N_("Confirmed"), "cancelled": N_("Cancelled")}

#: who entered a service order
ORDER_CHANNELS = {"staff": N_("Staff"), "portal": N_("Exhibitor portal")}

#: who a visitor is (a buyer is qualified by the organiser; media and VIP guests have their own badge)
VISITOR_KINDS = {"visitor": N_("Trade visitor"), "buyer": N_("Trade buyer"), "media": N_("Media"),
                 "vip": N_("VIP guest")}

#: what a scan at a gate did
SCAN_RESULTS = {"entered": N_("Admitted"), "reentered": N_("Admitted again"),
                "refused": N_("Already inside today"), "unknown": N_("Unknown ticket"),
                "closed": N_("Not an open day")}

#: what an exhibitor asks the on-site desk for
DESK_CATEGORIES = {"power": N_("Power fault"), "cleaning": N_("Cleaning"), "damage": N_("Damage"),
                   "network": N_("Network fault"), "security": N_("Security issue"),
                   "other": N_("Other request")}

#: how urgent a desk request is (urgent: the booth cannot work)
DESK_PRIORITIES = {"urgent": N_("Urgent"), "high": N_("High"), "normal": N_("Normal"), "low": N_("Low")}

#: a desk request's course: dispatched to staff, resolved, closed (reopened if not fixed)
DESK_STATES = {"open": N_("Awaiting dispatch"), "dispatched": N_("Dispatched"), "resolved": N_("Resolved"),
               "closed": N_("Done")}

#: how a desk request came in
DESK_CHANNELS = {"desk": N_("At the desk"), "phone": N_("By phone"), "portal": N_("Exhibitor portal")}
#: the languages of an exhibitor's portal account
PORTAL_LOCALES = {"zh_CN": N_("Chinese"), "en": N_("English")}

#: how promising a lead is, as the exhibitor's staff rate it at the booth
LEAD_RATINGS = {"hot": N_("Hot"), "warm": N_("Warm"), "cold": N_("Cold")}
#: a pre-registration form's own question: how it is answered
QUESTION_KINDS = {"text": N_("Text"), "single": N_("Single choice"), "multiple": N_("Multiple choice"),
                  "yesno": N_("Yes or no")}

#: a registering buyer's part in their company's purchasing
PURCHASING_ROLES = {"decides": N_("Decides purchases"), "recommends": N_("Recommends purchases"),
                    "specifies": N_("Specifies requirements"), "none": N_("No part in purchasing")}

#: a registering buyer's yearly purchasing budget, smallest first (the qualification rule's minimum)
BUDGETS = {"under_100k": N_("Under ¥100,000"), "100k_1m": N_("¥100,000 to ¥1 million"),
           "1m_10m": N_("¥1 million to ¥10 million"), "over_10m": N_("Over ¥10 million")}

#: the language of a visitor's e-ticket mail
TICKET_LANGUAGES = {"zh_CN": N_("Chinese"), "en": N_("English")}
#: who a post-show survey asks
SURVEY_AUDIENCES = {"exhibitors": N_("Exhibitors"), "visitors": N_("Visitors")}

#: a survey: built as a draft, answered while open, read when closed
SURVEY_STATES = {"draft": N_("Draft"), "open": N_("Open for answers"), "closed": N_("Closed")}

#: the kinds of survey question: NPS (0–10), a rating (1–5), one or several of given options, free text
QUESTION_KINDS = {"nps": N_("Recommend (NPS 0–10)"), "rating": N_("Rating (1–5)"),
                  "single": N_("One choice"), "multiple": N_("Several choices"), "text": N_("Text")}

#: a rebooking offer for the next edition: open in its priority window, then accepted, declined or expired
OFFER_STATES = {"open": N_("Awaiting answer"), "accepted": N_("Accepted"), "declined": N_("Declined"),
                "expired": N_("Expired")}

#: an exhibitor's segment across editions (services/insights.py says the rules)
SEGMENTS = {"new": N_("New exhibitor"), "returning": N_("Returning"), "growing": N_("Growing"),
            "shrinking": N_("Shrinking"), "at_risk": N_("At risk"), "lost": N_("Lost exhibitor")}
#: a special-decoration project (特装): drawings submitted (报图) and reviewed (审图) round by round, the
#: permit (施工证), the stand built and inspected, the clean-up deposit refunded or forfeited
DECORATION_STATES = {
    "draft": N_("Draft"), "submitted": N_("Drawings submitted"), "in_review": N_("In review"),
    "changes_requested": N_("Changes requested"), "resubmitted": N_("Drawings resubmitted"),
    "approved": N_("Drawings approved"), "permit_issued": N_("Permit issued"), "inspected": N_("Inspected"),
    "deposit_refunded": N_("Deposit refunded"), "deposit_forfeited": N_("Deposit forfeited"),
}

#: a reviewer's verdict on a round of drawings
REVIEW_VERDICTS = {"approve": N_("Approved"), "changes": N_("Changes requested")}

#: a movement of a clean-up deposit
DEPOSIT_MOVES = {"received": N_("Received"), "refunded": N_("Refunded"), "forfeited": N_("Forfeited")}

#: what a form of the exhibitor manual (展商手册) collects
MANUAL_FORM_KINDS = {
    "profile": N_("Company profile for the catalogue"), "fascia": N_("Fascia name"),
    "badges": N_("Staff badge names"), "drawings": N_("Special-decoration drawings"),
    "power": N_("Power order"), "insurance": N_("Insurance certificate"), "custom": N_("Other form"),
}

#: where an exhibitor is with a form of the manual
MANUAL_STATUSES = {"due": N_("Not yet done"), "overdue": N_("Overdue"), "done": N_("Done")}

#: a reminder of a form: before its deadline, or once it is overdue
REMINDER_KINDS = {"before": N_("Before the deadline"), "overdue": N_("Overdue")}

#: an advance-warehouse receipt (展品仓储): received, delivered to the booth, returned or collected
STORAGE_STATES = {"received": N_("In the warehouse"), "delivered": N_("Delivered to the booth"),
                  "returned": N_("Returned or collected")}

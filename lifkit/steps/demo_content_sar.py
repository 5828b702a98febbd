"""What the Safeguarding Adults Review demo's referrers and agencies write: two fictional adults' stories
and a third referral.

Every person, place and event here is invented for practice. ``fire``: Dennis Example, 78, who lived alone,
hoarded, smoked and turned away care; he died in a fire at home, and the Fire and Rescue Service refers.
``street``: Kai Example, about 45, sleeping rough, with a long history of alcohol use and exploitation by
people who took his money; he was found dead in his tent, and his sister refers (a family's referral, no
fixed abode, no known date of birth). ``care home``: Margaret Example, 87, with dementia, admitted to
hospital from her care home with pressure ulcers and dehydration; the hospital refers on the demo's last
day. Each agency tells what it knew, with a chronology that fits the others' (the pack merges them in date
order). Chronology dates are days before the death or harm, so the story is the same whenever it runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lifkit.mechanics.dates import format_date

# --- the referrals ------------------------------------------------------------------------------

REFERRALS = {
    "fire": {
        "adult_name": "Dennis Example (FICTIONAL)", "adult_dob": "02/03/1947",
        "adult_address": "4 Practice Lane\nExampletown EX3 0ZZ", "adult_outcome": "Died",
        "adult_dod": "28/12/2025", "incident_date": "28/12/2025", "adult_gender": "Male",
        "adult_ethnicity": "White British", "adult_language": "English; no interpreter needed",
        "care_needs": "Frailty and chronic lung disease (COPD, on home oxygen); reduced mobility after a fall; "
                      "long-standing hoarding. Written for practice: the adult is fictional.",
        "needs_met": "No", "care_setting": "Own home (a rented house), living alone",
        "abuse_self_neglect": True,
        "abuse_detail": "Severe self-neglect: the house was filled with papers and belongings, he smoked while "
                        "using home oxygen and he turned away the care offered. A safeguarding concern was raised "
                        "twice; neither led to an enquiry (s42). Fictional.",
        "capacity": "Not assessed",
        "capacity_detail": "His capacity to decide about his living conditions and the fire risk was assumed, "
                           "never assessed, although his choices put him at serious risk.",
        "advocate": "No",
        "adult_views": "He wanted to stay in his own home and to be left alone; he told the district nurse that "
                       "his things were 'his life'. He accepted the nurses but not carers.",
        "family_aware": "Yes",
        "family_views": "His daughter wants to know why the risk was known and nothing changed, and would like "
                        "to take part in a review.",
        "significant_people_1_name": "Lee Example (fictional)", "significant_people_1_dob": "17/08/1976",
        "significant_people_1_relationship": "daughter",
        "agencies_involved_1_agency": "Fire and Rescue Service", "agencies_involved_1_involvement":
            "Home fire safety visits, 2025",
        "agencies_involved_2_agency": "Adult social care", "agencies_involved_2_involvement":
            "Care Act assessment offered, declined; two safeguarding concerns",
        "agencies_involved_3_agency": "District nursing", "agencies_involved_3_involvement":
            "Leg ulcer dressings, weekly",
        "agencies_involved_4_agency": "GP practice", "agencies_involved_4_involvement": "COPD reviews; oxygen",
        "agencies_involved_5_agency": "Housing", "agencies_involved_5_involvement": "Tenancy; gas safety access",
        "other_processes": "The coroner has opened an inquest. No police investigation.",
        "summary": "A fictional man of 78 who lived alone with severe hoarding died in a fire at home; five agencies "
                   "knew of the fire risk, and each acted alone. Written for practice only: no real person or event.",
        "s44_needs": True, "s44_concern": True, "s44_died": True,
        "referrer_type": "Agency", "agency": "Exampleshire Fire and Rescue Service (fictional)",
        "lead_name": "Station Manager Chris Dale (fictional)", "lead_position": "Safeguarding lead",
        "lead_email": "chris.dale@exampleshire-fire.example", "lead_telephone": "01632 960222",
        "agency_reviewed_with": "Area Manager Robin Vale (fictional), Head of Prevention",
    },
    "street": {
        "adult_name": "Kai Example (FICTIONAL)", "adult_dob": "", "adult_age": "about 45",
        "no_fixed_abode": True, "adult_outcome": "Died", "adult_dod": "24/10/2026", "incident_date": "24/10/2026",
        "adult_gender": "Male", "adult_ethnicity": "White Irish", "adult_language": "English",
        "care_needs": "Alcohol dependence with liver disease; memory problems; an acquired brain injury from "
                      "an assault years ago. Written for practice: the adult is fictional.",
        "needs_met": "Not known", "care_setting": "Rough sleeping (a tent by the canal)",
        "abuse_self_neglect": True, "abuse_financial": True,
        "abuse_detail": "He neglected his health and turned down hostel places; others took his benefits on the "
                        "day they were paid. Fictional.",
        "capacity": "Not known",
        "capacity_detail": "Nobody asked whether the brain injury affected his decisions about his money.",
        "advocate": "No",
        "adult_views": "He told the outreach team he wanted a flat of his own, not a hostel.",
        "family_aware": "Yes",
        "family_views": "His sister made this referral; she wants the agencies to learn how he fell through the gaps.",
        "significant_people_1_name": "Sam Example (fictional)", "significant_people_1_relationship": "sister",
        "agencies_involved_1_agency": "Street outreach (housing)", "agencies_involved_1_involvement":
            "Weekly contact, 2026",
        "agencies_involved_2_agency": "Hospital emergency department", "agencies_involved_2_involvement":
            "Seven attendances in a year",
        "other_processes": "The coroner has opened an inquest.",
        "summary": "A fictional man of about 45, sleeping rough, was found dead in his tent; he had been in hospital "
                   "seven times in a year and others took his money. Written for practice only.",
        "s44_needs": True, "s44_concern": True, "s44_died": True,
        "referrer_type": "Family member or friend", "agency": "",
        "lead_name": "Sam Example (fictional)", "lead_position": "Sister",
        "lead_email": "sam.example@family-mail.example", "lead_telephone": "",
        "agency_reviewed_with": "", "agency_review_date": "",
    },
    "care home": {
        "adult_name": "Margaret Example (FICTIONAL)", "adult_dob": "11/06/1939",
        "adult_address": "Willow Court Care Home (fictional)\n1 Example Road\nExampletown EX4 0ZZ",
        "adult_outcome": "Alive: serious abuse or neglect", "incident_date": "18/11/2026",
        "adult_gender": "Female", "adult_ethnicity": "Black Caribbean", "adult_language": "English",
        "care_needs": "Advanced dementia; she needs help with every part of her care. Fictional.",
        "needs_met": "Yes", "care_setting": "Care home (nursing)",
        "abuse_neglect": True, "abuse_organisational": True,
        "abuse_detail": "Admitted with grade 4 pressure ulcers and dehydration; other residents may be at risk. "
                        "An enquiry (s42) has begun. Fictional.",
        "capacity": "Lacked capacity",
        "capacity_detail": "She lacks capacity to decide about her care; best-interests decisions were recorded.",
        "advocate": "Yes", "advocate_detail": "Exampleshire Advocacy (fictional), an IMCA since her admission",
        "adult_views": "She cannot say; her son says she was always proud of how she looked after herself.",
        "family_aware": "Yes", "family_views": "Her son is angry that the home did not tell him she was unwell.",
        "significant_people_1_name": "Jordan Example (fictional)", "significant_people_1_dob": "02/02/1965",
        "significant_people_1_relationship": "son",
        "summary": "A fictional woman of 87 with dementia was admitted from her care home with severe pressure "
                   "ulcers; other residents may be at risk. Written for practice only.",
        "s44_needs": True, "s44_concern": True, "s44_serious_harm": True,
        "referrer_type": "Agency", "agency": "Exampleshire Hospitals NHS Trust (fictional)",
        "lead_name": "Alex Morgan (fictional)", "lead_position": "Named Nurse, Safeguarding Adults",
        "lead_email": "alex.morgan@exampleshire-hospitals.example", "lead_telephone": "01632 960333",
        "agency_reviewed_with": "Dr Sam Patel (fictional), Director of Nursing",
    },
}


def referral_values(story: str, today: dt.date) -> dict:
    """The SAR1 as the fictional referrer of ``story`` filled it in on ``today``."""
    values = dict(REFERRALS[story])
    values.setdefault("agency_review_date", format_date(today))
    values["completion_date"] = format_date(today)
    return values


# --- the agencies' information reports -------------------------------------------------------------


@dataclass(frozen=True)
class ReportStory:
    services: str
    chronology: tuple[tuple[int, str, str, str], ...]  # (days before the death or harm, event, who, outcome)
    safeguarding: str
    capacity: str
    voice: str
    went_well: str
    better: str
    action: str
    learning: str
    criteria: str = "Mandatory SAR"
    why: str = ""


OTHERS_KNOWN = {"fire": "Lee Example (daughter)", "street": "Sam Example (sister)"}

STORIES: dict[str, dict[str, ReportStory]] = {
    "fire": {
        "FIRE": ReportStory(
            "Prevention team: two home fire safety visits after a referral from the district nurses.",
            ((240, "Home fire safety visit: hoarding, smoking near home oxygen", "Prevention team",
              "Smoke alarms fitted; fire-retardant bedding offered, declined"),
             (150, "Second visit: hoarding worse; exits blocked", "Prevention team",
              "Safeguarding concern raised with adult social care"),
             (0, "Fire at the address; the adult found in the living room", "Crew", "Police and coroner told")),
            "We raised a safeguarding concern after the second visit; we were told it did not meet the threshold.",
            "We did not ask about his capacity; we assumed he understood the risk we explained.",
            "He said the house was his business and he would smoke where he liked.",
            "Both visits were made within a week of the referral and alarms were fitted.",
            "We did not escalate when the concern was closed, or ask for a multi-agency risk meeting.",
            "Every home oxygen user with a hoarding risk is now visited with the oxygen supplier.",
            "Escalate a closed concern when the risk to life remains."),
        "ASC": ReportStory(
            "Adult social care: a Care Act assessment offered and declined; two safeguarding concerns screened.",
            ((300, "Care Act assessment offered after a fall", "Hospital discharge team", "Declined by the adult"),
             (149, "Safeguarding concern from the Fire and Rescue Service", "Safeguarding adults team",
              "Screened: self-neglect, 'lifestyle choice'; no enquiry; letter to the adult"),
             (60, "Second concern, from the district nurses", "Safeguarding adults team",
              "Passed to the locality team; visit planned, not made")),
            "Two concerns were screened; neither led to an enquiry (s42) or a multi-agency meeting.",
            "Capacity was not assessed; his refusal was taken as a capacity decision.",
            "He was not seen by a social worker, so his wishes were known only through others.",
            "Screening was done within the timescale.",
            "Self-neglect was treated as a lifestyle choice; the self-neglect procedure was not used.",
            "Every self-neglect concern now goes to a senior practitioner; the procedure is being relaunched.",
            "Self-neglect is a safeguarding matter: use the procedure and its risk meeting.",
            why="The adult died, self-neglect is suspected and agencies did not act together."),
        "COMM": ReportStory(
            "District nursing: weekly visits for leg ulcers for a year.",
            ((365, "First visit: leg ulcers; home cluttered", "District nurse", "Weekly dressings"),
             (245, "Referral to the Fire and Rescue Service: smoking near oxygen", "District nurse",
              "Fire safety visit arranged"),
             (61, "Safeguarding concern: hoarding worse, oxygen tubing near an ashtray", "District nurse",
              "Concern sent to adult social care")),
            "We referred to the fire service and raised a concern; we were not told the outcome.",
            "We discussed the risk with him at most visits; no formal capacity assessment was made.",
            "He valued the nurses' visits and said they were the only people he let in.",
            "The nurses kept visiting and kept the relationship.",
            "We did not chase the outcome of our concern or ask for a professionals' meeting.",
            "The team now records the outcome of every concern it raises.",
            "A trusted relationship is a way in: use it to bring the agencies together."),
        "GP": ReportStory(
            "General practice: COPD reviews and home oxygen; the adult rarely attended.",
            ((400, "Home oxygen prescribed", "GP", "Oxygen risk assessment by the supplier"),
             (200, "COPD review missed; telephone review", "Practice nurse", "Smoking cessation offered, declined"),
             (90, "Letter from the oxygen supplier: smoking reported", "GP", "Filed; no action recorded")),
            "The supplier's letter about smoking was filed without action.",
            "The practice did not consider his capacity to decide about oxygen use.",
            "He told the practice nurse he would not stop smoking.",
            "Telephone reviews continued when he did not attend.",
            "The risk of oxygen with smoking was not reviewed or shared.",
            "Every oxygen-and-smoking letter now goes to the duty GP the same day.",
            "Share a risk to life with the agencies who visit the home."),
        "HOU": ReportStory(
            "Housing: his tenancy; the annual gas safety check.",
            ((180, "Gas safety check: no access for six weeks", "Tenancy officer", "Access gained; hoarding noted"),
             (100, "Neighbour reported a smell of smoke", "Tenancy officer", "Letter sent; no visit")),
            "Housing did not raise a concern; it saw the hoarding as a tenancy matter.",
            "Capacity was not considered.",
            "He told the officer he did not want 'the council' in his house.",
            "The gas check was completed.",
            "The neighbour's report of smoke was not followed up or shared.",
            "Tenancy officers have had self-neglect and hoarding training.",
            "A tenancy worry can be a safeguarding worry.",
            criteria="Unsure", why="Housing's part was small; the wider picture is in others' reports."),
        "AMB": ReportStory(
            "Ambulance service: two falls at home in the year.",
            ((300, "Fall at home: conveyed to hospital", "Ambulance crew", "Concern about the home recorded"),
             (0, "Called to the fire", "Ambulance crew", "Life pronounced extinct")),
            "The crew recorded the state of the home after the first fall; it was not sent as a concern.",
            "Not assessed by the crew.",
            "He said he was fine and wanted to go home.",
            "The crews recorded what they saw.",
            "What the crew saw was not shared as a safeguarding concern.",
            "Crews reminded to raise self-neglect concerns.",
            "What a crew sees at home is information others need.",
            criteria="Unsure"),
        "MH": ReportStory(
            "Mental health: no contact; a memory assessment was offered by letter and not taken up.",
            ((210, "Letter offering a memory assessment", "Memory service", "No reply; discharged to the GP"),),
            "None.", "Not assessed.", "Not known to the service.",
            "The offer was made promptly.", "He was discharged when he did not reply; nobody visited.",
            "The memory service now asks the GP before discharging a person who has not replied.",
            "Not replying can be a sign of the problem, not the answer.",
            criteria="Unsure", why="The service did not meet him."),
    },
    "street": {
        "HOU": ReportStory(
            "Housing (street outreach): weekly contact for most of the year.",
            ((320, "First contact by the canal", "Street outreach", "Hostel place offered, declined"),
             (120, "Money taken on the day his benefits were paid", "Street outreach",
              "Safeguarding concern raised"),
             (14, "Last contact: unwell, yellow skin", "Street outreach", "Urged to go to hospital")),
            "We raised one concern about financial abuse; it was closed when he would not give names.",
            "His capacity to manage his money was never assessed.",
            "He wanted a flat of his own; he said hostels were where he was robbed.",
            "Outreach kept in touch every week.",
            "Only hostel places were offered, never the flat he asked for.",
            "A 'housing first' place is now offered to anyone with his history.",
            "Offer what the person asks for where it can be done."),
        "ACUTE": ReportStory(
            "Acute hospitals: seven emergency department attendances in a year.",
            ((200, "Attended intoxicated with a head injury", "ED team", "Discharged next morning"),
             (60, "Attended with jaundice", "ED team", "Left before being seen"),
             (20, "Attended with abdominal swelling", "ED team", "Admission advised; he self-discharged")),
            "No safeguarding concern was raised at any attendance.",
            "Capacity to self-discharge was recorded once, without a full assessment.",
            "He said he did not want to stay in hospital.",
            "He was always treated.",
            "Seven attendances in a year did not trigger a concern or a frequent attender plan.",
            "The hospital has a homeless health pathway with a named nurse.",
            "Frequent attendance by a person sleeping rough is a safeguarding signal."),
        "ASC": ReportStory(
            "Adult social care: one concern from street outreach, screened.",
            ((119, "Safeguarding concern: financial abuse", "Safeguarding adults team",
              "Closed: the adult declined to name those involved"),),
            "The concern was closed on his refusal, without thinking about his brain injury.",
            "Not assessed.", "He said he did not want the police involved.",
            "The concern was screened quickly.",
            "No Care Act assessment was offered, though he had needs for care and support.",
            "Concerns about people sleeping rough now go to a senior practitioner.",
            "A refusal is not the end of the duty to make enquiries."),
    },
}

GENERIC = ReportStory(
    "Our agency had little contact with the adult; our records were checked for every person named.",
    ((30, "Records checked", "Duty team", "Contacts listed here"),),
    "None raised by our agency.", "Not assessed by our agency.", "Not known to our agency.",
    "Records were checked promptly.", "Nothing further from our records.", "None needed.",
    "None for our agency.", criteria="Unsure", why="We knew too little of the adult to judge.")


def report_values(story: str, code: str, number: int, incident: dt.date, today: dt.date, completed_by: str,
                  email: str) -> dict:
    """The SAR2 that agency ``code`` (the ``number``-th member) fills in about ``story`` on ``today``."""
    known = STORIES.get(story, {}).get(code)
    told = known or GENERIC
    days = [d for d, *_ in told.chronology]
    values = {
        "completed_name": completed_by, "completed_role": "Safeguarding adults lead",
        "completed_telephone": f"01632 96{number:04d}", "completed_email": email,
        "completion_date": format_date(today),
        "adult_known": "Yes" if known else "No",
        "others_known": "Yes" if known and story in OTHERS_KNOWN else "No",
        "others_known_who": OTHERS_KNOWN.get(story, "") if known else "",
        "involvement_from": format_date(incident - dt.timedelta(days=max(days))),
        "involvement_to": format_date(min(today, incident - dt.timedelta(days=min(days)))),
        "services_involved": told.services,
        "case_open": "Yes" if known and code in ("COMM", "HOU") else "No",
        "safeguarding_concerns": told.safeguarding, "capacity_practice": told.capacity,
        "advocacy_offered": "No", "adult_voice": told.voice,
        "good_practice": told.went_well, "practice_improvements": told.better,
        "immediate_action": told.action, "learning": told.learning,
        "criteria_met": told.criteria,
        "criteria_reason": told.why or "The adult died, self-neglect is known, and the agencies did not share "
                                       "what each knew.",
        "checked_by_name": f"Safeguarding Adults Lead {code} (fictional)", "signed_off_date": format_date(today),
    }
    for row, (before, event, who, outcome) in enumerate(told.chronology, start=1):
        values.update({f"chronology_{row}_date": format_date(min(today, incident - dt.timedelta(days=before))),
                       f"chronology_{row}_event": event, f"chronology_{row}_practitioner": f"{who} (fictional)",
                       f"chronology_{row}_outcome": outcome})
    return values


# The SAR's action plan (the columns of `lifkit actions import`): the review's recommendations, never a name.
ACTION_PLAN = (
    (1, "Self-neglect is treated as a safeguarding matter, with a multi-agency risk meeting", "Relaunch the "
     "self-neglect and hoarding procedure with a multi-agency risk meeting", "ASC", "Head of Safeguarding Adults",
     "2026-12-18", "Procedure relaunched; every self-neglect concern screened by a senior practitioner"),
    (1, "", "Audit 20 self-neglect concerns against the relaunched procedure", "ASC", "Principal Social Worker",
     "2027-03-31", "Risk meeting held where the procedure says in 8 of 10 cases"),
    (2, "Home oxygen and smoking is a shared risk to life", "Visit every home oxygen user who smokes with the "
     "oxygen supplier", "FIRE", "Head of Prevention", "2027-01-29", "Every such user visited"),
    (2, "", "Send every oxygen-and-smoking letter to the duty GP the same day", "GP", "Practice safeguarding lead",
     "2026-12-15", "Letters acted on the day they arrive"),
    (3, "Capacity is assessed when a person's choices put their life at risk", "Train practitioners in "
     "assessing capacity for decisions about living conditions", "MH", "Mental Capacity Act lead", "2027-02-26",
     "Practitioners trained; capacity assessed in re-audited cases"),
)

# Two entries of the Learning and Improvement Index: the SAR's and an audit's (pseudonyms, never a name).
LEARNING_ENTRIES = (
    {"name": "Adult D", "overview": "An older man who self-neglected died in a fire at home; several agencies knew "
                                    "of the risk. Written for practice.",
     "findings": ["The fire risk from hoarding and smoking with home oxygen was known to four agencies but never "
                  "assessed together.",
                  "The adult's capacity to decide about his living conditions was assumed, not assessed."]},
    {"audit": True, "name": "Self-neglect audit 2026",
     "overview": "Twelve cases of self-neglect, audited by every agency and a multi-agency group.",
     "findings": ["Mental capacity was assessed for the decision in hand in only half of the cases."],
     "improvement": ["Self-neglect and hoarding procedure relaunched with a multi-agency risk meeting"],
     "evidence": "Re-audit: capacity assessed for the decision in 9 of 12 cases."},
)


def _review():
    from lifkit.steps.demo_content import DemoReview

    return DemoReview(
        plan=ACTION_PLAN,
        updates={"FIRE": ("Every home oxygen user who smokes visited with the supplier; 31 visits", "Fire-retardant "
                          "bedding now in 24 of 31 homes"),
                 "ASC": ("Procedure relaunched; concerns screened by a senior practitioner", "Risk meetings held in "
                         "6 of the first 8 self-neglect concerns")},
        overview=LEARNING_ENTRIES[0]["overview"], findings=tuple(LEARNING_ENTRIES[0]["findings"]))


REVIEW = _review()  # the SAR's action plan, the agencies' updates and its index entry (demo_content.DemoReview)

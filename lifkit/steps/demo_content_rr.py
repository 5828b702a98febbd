"""What the rapid-review demo's agencies write in their Individual Agency Summaries: two fictional
families' stories.

Every person, place and event here is invented for practice. ``infant``: Ellis Example, seven months,
taken to hospital with injuries nobody could explain; Casey Example, the mother; Riley Example, the older
sibling; Drew Sample, the mother's partner. ``teenager``: Robin Example, fifteen, who died at home;
self-harm is suspected and the school and mental health services had raised concerns. Each agency tells
what it knew, in sentences, with a chronology that fits the others' (the pack puts them together in date
order). Chronology dates are days before the incident, so the story is the same whenever the demo runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lifkit.mechanics.dates import format_date
from lifkit.steps.demo_content import DemoReview


@dataclass(frozen=True)
class SummaryStory:
    services: str  # the services or teams involved, and when
    chronology: tuple[tuple[int, str, str, str], ...]  # (days before the incident, event, who, outcome)
    went_well: str
    better: str
    immediate_action: str
    learning: str
    criteria: str = "Yes"  # Yes, No or Unsure
    why: str = ""


FAMILY_CONTEXT = {
    "infant": "White British family, English-speaking. The mother (24) moved to Exampleshire a year ago to be "
              "near her partner; she has a hearing impairment and uses lip-reading. Her partner is not the "
              "children's father. Written for practice: the family is fictional.",
    "teenager": "Mixed White and Black Caribbean family, English-speaking. Robin lived with the mother and a "
                "younger sibling; the father lives abroad. Robin had been bullied online about being gay. "
                "Written for practice: the family is fictional.",
}

OTHERS_KNOWN = {"infant": "Casey Example (mother); Drew Sample (mother's partner)",
                "teenager": "Casey Example (mother)"}

STORIES: dict[str, dict[str, SummaryStory]] = {
    "infant": {
        "CSC": SummaryStory(
            "Children's Social Care: an early help assessment when Ellis was born, closed after three months; "
            "a referral from the health visitor two months before the incident, assessed and closed with advice.",
            ((210, "Early help assessment started after Ellis's birth", "Early help team", "Support plan agreed"),
             (120, "Early help closed: the family did not take up the offered groups", "Early help team",
              "Closed with a letter to the mother"),
             (60, "Referral from the health visitor: bruise on Ellis's ear", "MASH team",
              "Strategy discussion; explanation accepted; closed")),
            "The referral was screened within a day and a strategy discussion held.",
            "The mother's partner was not seen or checked; the bruise on a non-mobile baby was not sent for a "
            "child protection medical.",
            "Strategy meeting held; Ellis and Riley placed with their grandmother under a safety plan.",
            "Any bruise on a non-mobile baby needs a child protection medical; see and check every adult in "
            "the household.",
            why="Two agencies held concerns that were not put together."),
        "POL": SummaryStory(
            "Police: one domestic incident at the family's address; the public protection unit since the incident.",
            ((90, "Neighbour reported shouting at the flat; both adults present", "Response officers",
              "No offence found; domestic abuse risk assessed as standard"),
             (0, "Ellis's injuries reported by the hospital", "Public Protection Unit",
              "Joint investigation with Children's Social Care opened")),
            "Officers completed the risk assessment and recorded that a baby lived at the address.",
            "The incident was not shared with the health visitor, who was visiting the family at the time.",
            "Both adults interviewed; bail conditions keep the partner away from the children.",
            "Share every domestic incident where a baby lives with the health visiting service.",
            why="The incident and its aftermath involve several agencies' practice."),
        "ICB": SummaryStory(
            "The integrated care board's designated nurse, for the GP practice: Ellis's registration and "
            "immunisations; the mother's appointments.",
            ((205, "Ellis registered with Riverside Surgery", "Practice nurse", "Immunisations begun"),
             (70, "GP appointment for a rash: no other concerns recorded", "GP", "Cream prescribed"),
             (30, "Ellis not brought to his immunisations", "Practice nurse", "Letter sent to the mother")),
            "Immunisations were followed up when Ellis was not brought.",
            "The practice did not know of the early help plan or the health visitor's referral.",
            "The practice has flagged both children's records and the mother's.",
            "GP practices should hear when a referral about a baby is made.",
            criteria="Unsure", why="The GP's part was small; the wider picture is in others' summaries."),
        "ACUTE": SummaryStory(
            "Acute Hospitals: the emergency department and the children's ward on the day of the incident.",
            ((0, "Emergency department: Ellis brought with swelling of the arm", "ED paediatric team",
              "Skeletal survey showed fractures of different ages; safeguarding team told"),
             (-1, "Child protection medical", "Consultant paediatrician", "Injuries not explained; police told")),
            "The skeletal survey was done the same day and the safeguarding team was told at once.",
            "Nothing from before the incident: the hospital had not seen Ellis before.",
            "Ellis kept on the ward until a safe discharge was agreed.",
            "No new learning for the hospital; its findings shaped the review.",
            why="The injuries point to abuse and several agencies knew the family."),
        "COMM": SummaryStory(
            "Community health (health visiting): the new-birth visit, the six-to-eight-week review and a "
            "targeted visit after a bruise was seen.",
            ((215, "New-birth visit: mother tired, low in mood", "Health visitor", "Universal plus offered"),
             (170, "Six-to-eight-week review: weight on track", "Health visitor", "Routine plan"),
             (61, "Visit: small bruise on Ellis's ear; mother said Riley dropped a toy", "Health visitor",
              "Referral to Children's Social Care")),
            "The health visitor referred the bruise on the day she saw it.",
            "After the referral closed she did not ask to see Ellis again sooner.",
            "The health visiting team has reviewed every open case with a bruise on a non-mobile baby.",
            "Challenge a closed referral when the worry remains (the escalation policy).",
            why="The bruise two months before is part of the picture."),
        "MH": SummaryStory(
            "Mental health (perinatal team): one assessment of the mother's low mood after Ellis's birth.",
            ((165, "Perinatal assessment: mild postnatal depression", "Perinatal nurse",
              "Talking therapy offered; discharged to the GP"),),
            "The assessment asked about the baby's care and the support at home.",
            "The partner's part in the baby's care was not asked about.",
            "None needed by the perinatal team.",
            "Ask who else cares for the baby at every assessment.",
            criteria="Unsure"),
        "EDU": SummaryStory(
            "Education: Riley's primary school (Year 4); Ellis was not known to the school.",
            ((100, "Riley's attendance fell below 90%", "Attendance officer", "Letter home"),
             (40, "Riley said the baby 'cries all night and gets shouted at'", "Class teacher",
              "Recorded; passed to the designated safeguarding lead two days later")),
            "The teacher wrote down what Riley said, in Riley's words.",
            "The designated safeguarding lead did not pass Riley's words to Children's Social Care.",
            "Riley has a trusted adult at school and a weekly check-in.",
            "What a sibling says about a baby at home is a safeguarding concern for the baby too.",
            why="Riley's words were not shared."),
        "AMB": SummaryStory(
            "Ambulance service: one call, on the day of the incident.",
            ((0, "999 call from the mother: baby not moving his arm", "Ambulance crew",
              "Conveyed to hospital; concerns recorded"),),
            "The crew recorded the mother's account word for word.",
            "Nothing to add: the service had not met the family before.",
            "None needed.",
            "None for the service.",
            criteria="Unsure", why="The ambulance service met the family only once."),
        "HOU": SummaryStory(
            "Housing: the family's tenancy with Exampleshire Homes (fictional).",
            ((330, "Tenancy began, in the mother's name only", "Tenancy officer", "Welcome visit"),
             (80, "Neighbour complained of shouting at night", "Tenancy officer",
              "Letter to the tenant; not shared with other agencies")),
            "The neighbour's complaint was followed up.",
            "A complaint of shouting where a baby lives was not shared as a safeguarding concern.",
            "Tenancy officers reminded to raise concerns through the partnership's procedure.",
            "Housing staff see families at home: they need the same thresholds as others.",
            criteria="Unsure"),
    },
    "teenager": {
        "CSC": SummaryStory(
            "Children's Social Care: a child protection plan for neglect since last year; a social worker "
            "visiting every two weeks.",
            ((300, "Child protection conference: plan for neglect", "Child protection chair", "Plan agreed"),
             (45, "Review conference: plan continued", "Child protection chair", "Mental health referral to be chased"),
             (10, "Home visit: Robin stayed in the bedroom", "Social worker", "Robin not seen alone")),
            "Visits kept to the plan's timetable.",
            "Robin was not seen alone at the last three visits.",
            "The younger sibling's plan reviewed; family support in place.",
            "See the young person alone, every time."),
        "POL": SummaryStory(
            "Police: two reports of Robin missing overnight; the death at home.",
            ((120, "Robin reported missing overnight; found at a friend's", "Response officers",
              "Return interview requested"),
             (0, "Sudden death of a young person at home", "Public Protection Unit",
              "Investigation for the coroner opened")),
            "The missing episodes were recorded and shared.",
            "The return interview was not done.",
            "Robin's phone examined for online bullying.",
            "Make sure every return interview happens."),
        "ICB": SummaryStory(
            "The integrated care board's designated nurse, for the GP practice: Robin's appointments.",
            ((60, "GP: Robin low in mood, not sleeping", "GP", "Referral to children's mental health services"),),
            "The GP referred the same day.",
            "The GP did not know of the child protection plan.",
            "The GP practice has added a flag for the sibling.",
            "Tell the GP when a child is on a plan."),
        "ACUTE": SummaryStory(
            "Acute Hospitals: one attendance after self-harm, four months before.",
            ((130, "Emergency department: cuts to the arm", "ED team", "Seen by the mental health liaison team"),),
            "The liaison team saw Robin before discharge.",
            "The school nurse was not told of the attendance.",
            "None needed by the hospital.",
            "Share self-harm attendances with the school nursing team."),
        "MH": SummaryStory(
            "Children's mental health services: a referral from the GP, on the waiting list.",
            ((58, "Referral received", "Single point of access", "Placed on the routine waiting list"),
             (20, "Letter from the school: worries growing", "Single point of access", "Not re-triaged")),
            "The referral was acknowledged quickly.",
            "The school's letter did not lead to a fresh look at the urgency.",
            "Every young person waiting with a new concern has been re-triaged.",
            "New information about a young person waiting must be triaged again."),
        "EDU": SummaryStory(
            "Education: Robin's secondary school (Year 10).",
            ((90, "Robin told a teacher about online bullying", "Head of year", "Parents told; monitoring"),
             (21, "Robin's friends worried about messages Robin sent", "Designated safeguarding lead",
              "Letter to the mental health service")),
            "Staff listened to Robin's friends and acted on it.",
            "The school did not ring the mental health service when the worry grew.",
            "Support for Robin's friends and year group.",
            "Ring, do not write, when a worry grows.",
            criteria="Yes", why="Several agencies knew of the worry; they did not act together."),
    },
}

# The LCSPR of Ellis, seven months, seriously harmed by injuries nobody could explain: a bruise two months
# before was not sent for a medical, and the family had moved to Exampleshire a year before.
REVIEW = DemoReview(
    plan=(
        (1, "Bruising in babies who are not yet mobile is always referred", "Audit the use of the bruising "
         "protocol in health visiting", "COMM", "Named Nurse for Safeguarding", "2027-01-29",
         "9 in 10 audited contacts follow the protocol"),
        (1, "", "Brief every health visitor on the bruising protocol", "COMM", "Named Nurse for Safeguarding",
         "2026-12-18", "Every health visitor briefed"),
        (2, "Information about families moving across the border is shared", "Agree a cross-border "
         "information-sharing protocol with the neighbouring authority", "CSC", "Head of Service, Safeguarding",
         "2027-02-26", "Protocol signed by both authorities"),
        (2, "", "Flag families moving across the border on the police system", "POL", "Detective Inspector, "
         "Public Protection Unit", "2026-12-15", "Every open case of such a family flagged"),
    ),
    updates={"COMM": ("Audit report to the {board}'s quality group, 40 contacts checked",
                      "37 of 40 audited contacts followed the protocol"),
             "CSC": ("Draft agreed by both authorities' managers", "Records now follow the family on the day it moves")},
    overview="A baby of seven months seriously harmed by injuries that were not explained; health visiting, the "
             "GP and children's social care all knew the family. Written for practice.",
    findings=("A bruise on a baby who was not yet mobile was not sent for a child protection medical.",
              "Information did not follow the family when it moved across the border."),
)


GENERIC = SummaryStory(
    "Our agency had limited contact with the family; our records were checked for every person named.",
    ((30, "Records checked", "Duty team", "Contacts listed here"),),
    "Records were checked promptly.",
    "Nothing further from our records.",
    "None needed.",
    "None for our agency.",
    criteria="Unsure", why="We knew too little of the family to judge.")


def ias_values(family: str, code: str, number: int, incident: dt.date, today: dt.date, completed_by: str,
               email: str) -> dict:
    """The values agency ``code`` (the ``number``-th member) types into its Individual Agency Summary
    about ``family`` (a key of :data:`STORIES`) on ``today``."""
    story = STORIES.get(family, {}).get(code, GENERIC)
    days = [d for d, *_ in story.chronology]
    values = {
        "completed_name": completed_by, "completed_role": "Safeguarding lead",
        "completed_telephone": f"01632 96{number:04d}", "completed_email": email,
        "completion_date": format_date(today),
        "child_known": "Yes" if code in STORIES.get(family, {}) else "No",
        "others_known": "Yes", "others_known_who": OTHERS_KNOWN.get(family, ""),
        "involvement_from": format_date(incident - dt.timedelta(days=max(days))),
        "involvement_to": format_date(min(today, incident - dt.timedelta(days=min(days)))),
        "services_involved": story.services,
        "case_open": "Yes" if code == "CSC" else "No",
        "good_practice": story.went_well, "practice_improvements": story.better,
        "immediate_action": story.immediate_action, "learning": story.learning,
        "family_context": FAMILY_CONTEXT.get(family, "A fictional family, written for practice."),
        "criteria_met": story.criteria,
        "criteria_reason": story.why or "The agency's view, from what it knew of the family.",
        "checked_by_name": f"Safeguarding Lead {code} (fictional)", "signed_off_date": format_date(today),
    }
    for row, (before, event, who, outcome) in enumerate(story.chronology, start=1):
        values.update({f"chronology_{row}_date": format_date(min(today, incident - dt.timedelta(days=before))),
                       f"chronology_{row}_event": event, f"chronology_{row}_practitioner": f"{who} (fictional)",
                       f"chronology_{row}_outcome": outcome})
    return values

"""What the practice workspace's agencies write in their returns: one fictional family's story.

Every person, place and event here is invented for practice: Alex Example (11), the child; Casey Example,
the mother; Riley Example, the younger sibling. Each agency tells what it knew, in sentences, with a
chronology that fits the others' (the pack puts them together in date order) and the practitioner who
would attend the meeting. Dates are days before the day the agency completes its return, so the story
stays the same whenever the demo is run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lifkit.mechanics.dates import format_date


@dataclass(frozen=True)
class AgencyStory:
    summary: str
    chronology: tuple[tuple[int, str, str, str], ...]  # (days before the return, event, who, outcome)
    practitioner: tuple[str, str, str]  # name, role, team
    concerns: str = ""
    good_practice: str = ""
    criteria: str = ""


STORIES: dict[str, AgencyStory] = {
    "POL": AgencyStory(
        "Police attended the family home twice after neighbours reported shouting. On the second visit "
        "officers found the flat cold, with little food, and referred Alex and Riley to Children's Social "
        "Care. No offence was identified before the incident; a criminal investigation is now open.",
        ((340, "Neighbour reported shouting at the family's flat", "PC Dana Whitlock, Response",
          "Attended; no offence; risk assessed as standard"),
         (150, "Second call: flat cold, little food, children at home", "PC Dana Whitlock, Response",
          "Referral to Children's Social Care"),
         (3, "Attended the incident at the family home", "DS Jamie Fielding, Public Protection",
          "Criminal investigation opened")),
        ("PC Dana Whitlock", "Police Constable", "Response team"),
        concerns="Our first call was not shared with the school, which saw Alex every day.",
        good_practice="Officers spoke to both children on their own on the second visit.",
        criteria="The child died and neglect is suspected; several agencies knew the family."),
    "CSC": AgencyStory(
        "Children's Social Care received the police referral and completed a child and family assessment. "
        "It found the mother struggling after the move to Exampleshire and the children often hungry. A "
        "child in need plan was agreed; visits were planned every four weeks but two were missed.",
        ((148, "Referral received from the police", "MASH team", "Child and family assessment started"),
         (120, "Assessment completed", "Sam Okoro, social worker", "Child in need plan agreed"),
         (60, "Planned home visit: no answer", "Sam Okoro, social worker", "Letter left; visit rearranged"),
         (25, "Home visit: home untidy, children at school", "Sam Okoro, social worker",
          "Plan reviewed; food bank referral")),
        ("Sam Okoro", "Social worker", "Children in Need team"),
        concerns="Missed visits were not escalated to a manager for five weeks.",
        good_practice="The assessment gathered the school's and the health visitor's views.",
        criteria="The case was open to us; neglect is suspected and the child died."),
    "ACUTE": AgencyStory(
        "Alex was seen twice in the emergency department, once with a burn to the hand and once with a "
        "chest infection. The burn was judged accidental; the second visit noted Alex was underweight "
        "and a letter went to the GP.",
        ((210, "Emergency department: burn to the right hand", "Dr Priya Lane, ED registrar",
          "Treated; judged accidental"),
         (45, "Emergency department: chest infection, underweight", "Dr Priya Lane, ED registrar",
          "Letter to GP; safeguarding team told")),
        ("Dr Priya Lane", "ED registrar", "Emergency department"),
        good_practice="The safeguarding team was told on the day of the second visit."),
    "COMM": AgencyStory(
        "The school nurse saw Alex at a health review and found Alex's weight had fallen. A plan to weigh "
        "Alex monthly was made, but the family did not bring Alex to the next two appointments.",
        ((95, "School health review: weight fallen", "Jo Marsh, school nurse", "Monthly weighing planned"),
         (65, "Appointment not attended", "Jo Marsh, school nurse", "Letter sent to the mother"),
         (35, "Appointment not attended", "Jo Marsh, school nurse", "Told the social worker")),
        ("Jo Marsh", "School nurse", "0-19 health team"),
        concerns="Was Not Brought appointments were treated as the family's choice at first."),
    "MH": AgencyStory(
        "The mother was referred by her GP with low mood after the move. She was offered talking therapy "
        "and attended the first two sessions only. Her care did not record that she cared for two children.",
        ((260, "Referral from the GP: low mood", "Talking therapies", "Assessment offered"),
         (230, "First session attended", "Lee Carver, therapist", "Six sessions planned"),
         (180, "Discharged after two missed sessions", "Lee Carver, therapist", "Letter to the GP")),
        ("Lee Carver", "Psychological wellbeing practitioner", "Talking therapies"),
        concerns="The children were not considered when the mother was discharged."),
    "EDU": AgencyStory(
        "Alex joined Exampleshire Primary in Year 5. Attendance fell to 82% and staff noticed Alex was often "
        "hungry and wore the same clothes. The school shared concerns with the social worker and gave Alex "
        "breakfast club free of charge.",
        ((330, "Alex joined the school", "Class teacher", "Records requested from the last school"),
         (140, "Attendance at 82%; Alex often hungry", "Morgan Reed, DSL", "Concern shared with Children's Social Care"),
         (20, "Alex absent three days", "Morgan Reed, DSL", "Home visit with the social worker")),
        ("Morgan Reed", "Designated safeguarding lead", "Exampleshire Primary School"),
        good_practice="Breakfast club was offered the same week the concern was raised."),
    "HOU": AgencyStory(
        "The family rent a housing association flat. Rent arrears grew after the move and a notice was "
        "served; a tenancy officer visited and found damp and a broken boiler, which was repaired after "
        "six weeks.",
        ((300, "Tenancy began", "Tenancy team", "Welcome visit completed"),
         (110, "Arrears of eight weeks; boiler reported broken", "Chris Lowe, tenancy officer",
          "Repair ordered; debt advice offered"),
         (70, "Boiler repaired", "Repairs team", "Closed")),
        ("Chris Lowe", "Tenancy officer", "Exampleshire Homes"),
        concerns="The repair took six weeks in winter with children in the home."),
    "CCG": AgencyStory(
        "The family registered with a GP practice after the move. The GP saw the mother for low mood and "
        "referred her to talking therapies, and received the hospital's letter that Alex was underweight.",
        ((280, "Mother seen by the GP: low mood", "Dr Ruth Amos, GP", "Referred to talking therapies"),
         (40, "Hospital letter: Alex underweight", "Dr Ruth Amos, GP", "Review booked; not attended")),
        ("Dr Ruth Amos", "GP", "Riverside Surgery"),
        concerns="The practice did not link the mother's records with the children's."),
    "PROB": AgencyStory(
        "Probation holds no record of the mother. A former partner, who visited the family, was on a "
        "community order for an unrelated offence; his address was not the family's.",
        ((190, "Checks on a former partner who visited the family", "Ellis Grant, probation officer",
          "No current risk to children recorded"),),
        ("Ellis Grant", "Probation officer", "Exampleshire North")),
    "YOS": AgencyStory(
        "The Youth Offending Service has no record of Alex, Riley or the mother. Our systems were checked "
        "for every person named on the request.",
        ((15, "Records checked for every person named", "Kim Hart, YOS manager", "No record found"),),
        ("Kim Hart", "Team manager", "Youth Offending Service")),
    "NSPCC": AgencyStory(
        "The NSPCC helpline took one anonymous call from a neighbour worried that the children were left "
        "alone in the evening, and passed it to Children's Social Care the same day.",
        ((160, "Helpline call from a neighbour: children left alone", "Helpline practitioner",
          "Passed to Children's Social Care the same day"),),
        ("Robin Shaw", "Helpline practitioner", "NSPCC Helpline"),
        good_practice="The call was passed on within two hours."),
    "CAFCASS": AgencyStory(
        "Cafcass was not involved with the family: there were no family court proceedings about Alex or Riley.",
        ((15, "Records checked", "Cafcass duty team", "No proceedings found"),),
        ("Pat Ellery", "Service manager", "Cafcass")),
    "AMB": AgencyStory(
        "The ambulance service attended once, on the day of the incident, and conveyed Alex to hospital.",
        ((3, "999 call from the mother; crew attended", "Crew 47", "Alex conveyed to hospital; police called"),),
        ("Ali Brennan", "Paramedic", "Exampleshire Ambulance Service")),
    "ASC": AgencyStory(
        "Adult Social Care had one contact: the mother asked about help as a carer for her own father, who "
        "lives elsewhere. She was signposted to the carers' centre.",
        ((240, "Mother asked about support as a carer", "Adult Social Care front door",
          "Signposted to the carers' centre"),),
        ("Dee Walters", "Social worker", "Adult Social Care front door")),
    "PH": AgencyStory(
        "The health visiting service saw Riley for the two-year review, which noted delayed speech and a "
        "tired, low mother. A follow-up visit was planned but not completed before Riley moved to nursery.",
        ((200, "Two-year review of Riley: delayed speech", "Gail Forde, health visitor",
          "Speech therapy referral; follow-up visit planned"),
         (100, "Follow-up visit not completed", "Gail Forde, health visitor", "Handed to the school nursing team")),
        ("Gail Forde", "Health visitor", "0-19 services"),
        concerns="The mother's low mood was not shared with her GP."),
}
@dataclass(frozen=True)
class DemoReview:
    """The review a demo case leads to, in its own story's words (never a person's: the Learning and
    Improvement Index is checked for names): its action plan, as `lifkit actions import` reads it
    (recommendation, its text, action, agency, lead, due date, measure of impact), what the agencies say of
    their first action when they send an update (evidence, impact; ``{board}`` is the process's word), and
    the review's entry in the index."""

    plan: tuple[tuple[int, str, str, str, str, str, str], ...]
    updates: dict[str, tuple[str, str]]
    overview: str
    findings: tuple[str, ...]


# Alex, eleven, died at home where neglect is suspected: the school, the school nurse and the hospital each
# saw part of it, and the family had moved to Exampleshire from across the border.
REVIEW = DemoReview(
    plan=(
        (1, "Neglect of a school-age child is recognised when each agency holds part of the picture",
         "Audit the use of the neglect screening tool in school nursing", "COMM", "Named Nurse for Safeguarding",
         "2027-01-29", "9 in 10 audited contacts use the tool"),
        (1, "", "Brief every school nurse on children who are not brought to appointments", "COMM",
         "Named Nurse for Safeguarding", "2026-12-18", "Every school nurse briefed"),
        (2, "Information about families moving across the border is shared", "Agree a cross-border "
         "information-sharing protocol with the neighbouring authority", "CSC", "Head of Service, Safeguarding",
         "2027-02-26", "Protocol signed by both authorities"),
        (2, "", "Flag families moving across the border on the police system", "POL", "Detective Inspector, "
         "Public Protection Unit", "2026-12-15", "Every open case of such a family flagged"),
    ),
    updates={"COMM": ("Audit report to the {board}'s quality group, 40 contacts checked",
                      "37 of 40 audited contacts used the neglect screening tool"),
             "CSC": ("Draft agreed by both authorities' managers", "Records now follow the family on the day it moves")},
    overview="The death at home of a child of eleven, where neglect is suspected; several agencies knew the family. "
             "Written for practice.",
    findings=("Signs of neglect seen by the school, the school nurse and the hospital were not put together.",
              "Information did not follow the family when it moved across the border."),
)


GENERIC = AgencyStory(
    "Our agency had limited contact with the family. We hold records of the contacts below and have "
    "checked our systems for the mother and both children.",
    ((200, "Contact with the family recorded", "Duty worker", "Advice given; no further action"),
     (90, "Information shared at the agency's request", "Duty worker", "Records checked")),
    ("Taylor Quinn", "Duty worker", "Duty team"),
)


def return_values(code: str, number: int, today: dt.date, completed_by: str, email: str) -> dict:
    """The values agency ``code`` (the ``number``-th member) types into its CIGINF1 on ``today``."""
    story = STORIES.get(code, GENERIC)
    name, role, team = story.practitioner
    first = sorted(days for days, *_ in story.chronology)[-1]
    values = {
        "completed_name": completed_by, "completed_role": "Safeguarding lead",
        "completed_telephone": f"01632 96{number:04d}", "completed_email": email,
        "child_known": "Yes" if number % 3 else "No", "others_known": "Yes",
        "others_known_who": "Casey Example (mother)",
        "involvement_from": format_date(today - dt.timedelta(days=first)),
        "involvement_to": format_date(today - dt.timedelta(days=3)),
        "involvement_summary": story.summary,
        "case_open": "Yes" if code == "CSC" or number % 4 == 0 else "No",
        "working_together_concerns": story.concerns,
        "good_practice": story.good_practice,
        "criteria_met": ("Yes", "No", "Unsure")[number % 3],
        "criteria_reason": story.criteria or "We knew too little of the family to judge; the fuller picture is "
                                              "in the other agencies' returns.",
        "checked_by_name": f"Safeguarding Lead {code} (fictional)", "completion_date": format_date(today),
    }
    for row, (days, event, who, outcome) in enumerate(story.chronology, start=1):
        values.update({f"chronology_{row}_date": format_date(today - dt.timedelta(days=days)),
                       f"chronology_{row}_event": event, f"chronology_{row}_practitioner": f"{who} (fictional)",
                       f"chronology_{row}_outcome": outcome})
    local = ".".join(word for word in name.lower().split() if word not in ("pc", "ds", "dr"))
    values.update({"practitioners_1_name": f"{name} (fictional)", "practitioners_1_role": role,
                   "practitioners_1_team": team, "practitioners_1_contact": f"{local}@{code.lower()}.exampleshire.example",
                   "practitioners_1_attending": "Yes" if number % 2 == 0 else "No"})
    return values

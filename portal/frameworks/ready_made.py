"""Ready-made grading scales and frameworks, in the portal's own words.

The five-point scale follows the grades Ofsted's report cards use from
10 November 2025 (with safeguarding judged separately as met or not met); the
four-point scale is the one inspections used before then.
"""

from sqlalchemy import select

from portal.extensions import db
from portal.frameworks.models import GradingScale
from portal.frameworks.rules import make_framework, make_scale, publish, save_area

REPORT_CARD_SCALE = (
    "Report card five-point scale",
    "The five grades inspection report cards give each area from November 2025.",
    [
        ("Exceptional", "Practice is consistently exemplary and others could learn from it.", "green", False),
        ("Strong standard", "Practice is strong across the school and well established.", "teal", False),
        ("Expected standard", "Practice meets what is expected of every school.", "blue", False),
        ("Needs attention", "Some important aspects fall short and need to improve.", "orange", True),
        ("Urgent improvement", "Serious weaknesses need immediate action.", "red", True),
    ],
)

FOUR_POINT_SCALE = (
    "Four-point scale (before November 2025)",
    "Outstanding, good, requires improvement and inadequate, as inspections graded until November 2025.",
    [
        ("Outstanding", "Consistently exceptional practice.", "green", False),
        ("Good", "Practice is effective across the school.", "teal", False),
        ("Requires improvement", "Practice is not yet good.", "orange", True),
        ("Inadequate", "Serious weaknesses.", "red", True),
    ],
)

READY_MADE_SCALES = [REPORT_CARD_SCALE, FOUR_POINT_SCALE]

EARLY_YEARS_PHASES = ["Nursery", "Primary", "All-through"]
SIXTH_FORM_PHASES = ["Secondary", "All-through", "16 plus"]

# key, title, criteria, phases, what the area is about (used in each grade's descriptor)
REPORT_CARD_AREAS = [
    ("inclusion", "Inclusion",
     "How well leaders identify pupils who are disadvantaged, have special educational needs or are otherwise vulnerable, and make sure they take a full part in school life and achieve well.",
     [], "identifying and meeting the needs of disadvantaged and vulnerable pupils"),
    ("curriculum-teaching", "Curriculum and teaching",
     "How well the curriculum is planned and sequenced, and how well teaching helps pupils learn and remember it, including early reading.",
     [], "the curriculum and the teaching that brings it to life"),
    ("achievement", "Achievement",
     "What pupils know and can do by the end of each key stage, shown by outcomes, work in books and readiness for the next stage.",
     [], "what pupils achieve and how well they are prepared for their next step"),
    ("attendance-behaviour", "Attendance and behaviour",
     "How well the school secures regular attendance and positive behaviour, and how it works with families where attendance is low.",
     [], "attendance and behaviour"),
    ("personal-development", "Personal development and well-being",
     "How well the school supports pupils' character, health, safety and preparation for life in modern Britain.",
     [], "pupils' personal development and well-being"),
    ("leadership-governance", "Leadership and governance",
     "How well leaders and governors set direction, manage staff workload and well-being, and hold the school to account.",
     [], "leadership and governance"),
    ("early-years", "Early years",
     "The quality of provision and outcomes for children in nursery and reception.",
     EARLY_YEARS_PHASES, "the early years"),
    ("sixth-form", "Sixth form",
     "The quality of post-16 study programmes and how well students progress to their next step.",
     SIXTH_FORM_PHASES, "the sixth form"),
]

LEGACY_AREAS = [
    ("leadership-governance", "Leadership and management", "Effectiveness of leaders, managers and governors.", [], "leadership and management"),
    ("curriculum-teaching", "Quality of teaching, learning and assessment", "How well teaching and assessment promote learning.", [], "teaching, learning and assessment"),
    ("personal-development", "Personal development, behaviour and welfare", "Pupils' conduct, attitudes, safety and welfare.", [], "personal development, behaviour and welfare"),
    ("achievement", "Outcomes for pupils", "Attainment and progress across the school.", [], "outcomes for pupils"),
    ("early-years", "Early years provision", "Provision and outcomes in the early years.", EARLY_YEARS_PHASES, "early years provision"),
    ("finance", "Finance and resources", "Budget management, value for money and use of resources.", [], "finance and resources"),
]

DESCRIPTOR_OPENINGS = {
    1: "Exemplary, consistent practice in",
    2: "Strong, well-established practice in",
    3: "Practice that meets what is expected in",
    4: "Important weaknesses to address in",
    5: "Serious weaknesses needing immediate action in",
}
LEGACY_OPENINGS = {
    1: "Exceptional practice in",
    2: "Effective practice in",
    3: "Practice that is not yet good in",
    4: "Serious weaknesses in",
}


def scale_by_name(name):
    return db.session.scalar(select(GradingScale).where(GradingScale.name == name))


def ensure_ready_made_scales():
    """Add any ready-made scale that is missing; returns the scales by name."""
    scales = {}
    for name, description, grades in READY_MADE_SCALES:
        scales[name] = scale_by_name(name) or make_scale(name, grades, description)
    db.session.flush()
    return scales


def _build(framework_name, description, scale, areas, openings, has_safeguarding):
    framework = make_framework(framework_name, scale, description, has_safeguarding)
    version = framework.versions[0]
    db.session.flush()
    for key, title, criteria, phases, focus in areas:
        descriptors = {grade.id: f"{openings[grade.position]} {focus}." for grade in scale.grades}
        save_area(version, None, key=key, title=title, criteria=criteria, phases=phases, descriptors=descriptors,
                  needs_sixth_form=phases is SIXTH_FORM_PHASES)
    publish(version, "First version.")
    return framework


def build_demo_frameworks():
    """The report-card framework (current) and an older four-point one, both published."""
    scales = ensure_ready_made_scales()
    legacy = _build("LA self-evaluation framework 2018", "Our earlier framework, graded on four points, with finance as an LA area.",
                    scales[FOUR_POINT_SCALE[0]], LEGACY_AREAS, LEGACY_OPENINGS, has_safeguarding=False)
    current = _build("Report card self-evaluation", "Self-evaluation in the areas inspection report cards grade, with safeguarding met or not met.",
                     scales[REPORT_CARD_SCALE[0]], REPORT_CARD_AREAS, DESCRIPTOR_OPENINGS, has_safeguarding=True)
    current.is_current = True
    return current, legacy

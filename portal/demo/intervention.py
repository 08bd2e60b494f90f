"""Demo intervention: Kingsway Junior (in special measures, on the scheme's most-support category) has a warning
notice issued six weeks ago, with the governors' response received, and a further step still open.

Recorded on the days they happened; nothing is emailed (the rest of the demo queues no email either)."""

from datetime import timedelta

from portal.intervention import rules
from portal.intervention.models import StepKind, StepStatus

KINGSWAY = 140005


def build_intervention(calendar, schools, users):
    admin = next(user for user in users.values() if user.is_la_admin)
    school = schools[KINGSWAY]
    issued = calendar.working_days(calendar.today, -30)
    with calendar.as_of(issued, 11):
        notice = rules.record_step(school, admin, kind=StepKind.WARNING_NOTICE, issued_on=issued,
                                   compliance_due_on=calendar.working_days(issued, 15), today=issued)
    answered = calendar.working_days(issued, 12)
    with calendar.as_of(answered, 15):
        rules.record_response(notice, status=StepStatus.COMPLIED, response_received_on=answered, today=answered,
                              outcome="The governing body set out its plan to secure leadership capacity and "
                                      "accepted the support of a national leader of governance.")
    appointed = calendar.working_days(calendar.today, -8)
    with calendar.as_of(appointed, 10):
        rules.record_step(school, admin, kind=StepKind.ADDITIONAL_GOVERNORS, issued_on=appointed,
                          compliance_due_on=appointed + timedelta(days=56), today=appointed)

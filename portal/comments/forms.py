"""Forms for opening a comment on a plan and replying in its thread."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.comments.models import CommentKind
from portal.comments.rules import BODY_LIMIT

KIND_HINTS = {
    CommentKind.QUESTION: "Something you need the school to explain or tell you.",
    CommentKind.CHALLENGE: "Something you want the school to think again about or go further with.",
    CommentKind.PRAISE: "Something that is working well. The school can still reply.",
}


class CommentForm(FlaskForm):
    kind = RadioField(
        "What kind of comment is it?",
        choices=[(kind.value, kind.label) for kind in CommentKind],
        coerce=CommentKind,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose question, challenge or praise")],
    )
    body = TextAreaField(
        "Your comment",
        widget=GovTextArea(),
        description="The school's headteacher and senior leaders will see it and can reply.",
        validators=[InputRequired(message="Enter your comment"),
                    Length(max=BODY_LIMIT, message=f"Comment must be {BODY_LIMIT:,} characters or fewer")],
    )
    save = SubmitField("Add comment", widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    body = TextAreaField(
        "Your reply",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter your reply"),
                    Length(max=BODY_LIMIT, message=f"Reply must be {BODY_LIMIT:,} characters or fewer")],
    )
    save = SubmitField("Send reply", widget=GovSubmitInput())

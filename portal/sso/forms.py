"""The LA admin's form for an identity provider."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovPasswordInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms_common import strip_whitespace


class ProviderForm(FlaskForm):
    name = StringField("Name on the button", widget=GovTextInput(), filters=[strip_whitespace],
                       description="People see \u201cSign in with\u201d and this name, like Microsoft or Google",
                       validators=[InputRequired(message="Enter the name on the button, like Microsoft"),
                                   Length(max=60, message="Name must be 60 characters or fewer")])
    issuer = StringField("Issuer", widget=GovTextInput(), filters=[strip_whitespace],
                         description="From the provider: for Microsoft Entra ID, https://login.microsoftonline.com/"
                                     "<your tenant id>/v2.0; for Google, https://accounts.google.com",
                         validators=[InputRequired(message="Enter the issuer address"),
                                     Length(max=300, message="Issuer must be 300 characters or fewer")])
    client_id = StringField("Client id", widget=GovTextInput(), filters=[strip_whitespace],
                            description="The application (client) id the provider gave the portal",
                            validators=[InputRequired(message="Enter the client id"),
                                        Length(max=300, message="Client id must be 300 characters or fewer")])
    client_secret = PasswordField("Client secret", widget=GovPasswordInput(),
                                  description="The provider's secret for the portal. Leave blank to keep the one saved",
                                  validators=[Optional(), Length(max=500, message="Client secret must be 500 characters or fewer")])
    email_domains = TextAreaField("Email domains", widget=GovTextArea(), filters=[strip_whitespace],
                                  description="The domains whose people sign in through this provider, separated by "
                                              "commas, like council.gov.uk, brookside.sch.uk. Blank: any domain",
                                  validators=[Optional(), Length(max=4000, message="Email domains must be 4,000 characters or fewer")])
    passwords_off = BooleanField("Switch off password sign-in for these domains", widget=GovCheckboxInput(),
                                 description="People on these domains can only sign in through this provider")
    active = BooleanField("Offer this provider on the sign-in page", widget=GovCheckboxInput(), default=True)
    save = SubmitField("Save", widget=GovSubmitInput())

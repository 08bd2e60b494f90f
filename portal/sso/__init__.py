"""Single sign-on through OpenID Connect: the LA admin names the identity providers its people use (Microsoft Entra
ID, Google Workspace), and a person with an account signs in through theirs instead of with a password.

Signing in never creates an account: the provider's verified email must match an active account, on one of the
email domains the provider serves. The first sign-in links the account to the provider's subject id; later ones
match on that id, so a reused or changed email address at the provider cannot reach someone else's account."""

from flask import Blueprint

bp = Blueprint("sso", __name__)

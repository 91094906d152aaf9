"""allauth's log-in and new-password forms in the product's words. Apart from forms.py:
allauth builds its sign-up form on forms.SignupForm at import, so forms.py cannot import
allauth's forms without a cycle."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context

from apps.accounts.forms import password_hint
from apps.accounts.models import Role


class LoginForm(AllauthLoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""  # the page links "Forgot your password?" itself
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me logged in"


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "New password"
        self.fields["password1"].help_text = password_hint()
        self.fields["password2"].label = "New password (again)"


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form (with forms.SignupForm's fields) in the product's order and
    words, the role preselected from the link that led here ("Teach on InstaInstru" links
    to ?role=instructor)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["role", "first_name", "last_name", "email", "password1", "password2"])
        self.fields["password1"].help_text = password_hint()
        request = context.request
        if request is not None and request.GET.get("role") in Role.values:
            self.initial["role"] = request.GET["role"]

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import MinimumLengthValidator, get_default_password_validators
from django.http import HttpRequest

from apps.accounts.models import Role, User
from apps.catalog.models import AgeGroup
from apps.core.zones import timezone_choices
from apps.referrals.cookies import signup_attribute


def password_hint() -> str:
    """The one rule worth saying before anyone types: the length. The others (not too common,
    not all digits, not like your name) appear under the field only when a password breaks them."""
    lengths = [v.min_length for v in get_default_password_validators() if isinstance(v, MinimumLengthValidator)]
    return f"At least {lengths[0]} characters." if lengths else ""


class SignupForm(forms.Form):
    """Extra sign-up fields (allauth adds email and password). The role is chosen once here:
    student and instructor accounts are separate."""

    first_name = forms.CharField(
        max_length=150, label="First name", widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=150, label="Last name", widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    role = forms.ChoiceField(
        choices=[(Role.STUDENT, "I want to take lessons"), (Role.INSTRUCTOR, "I want to teach")],
        initial=Role.STUDENT,
        widget=forms.RadioSelect,
        label="I am here to",
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.role = self.cleaned_data["role"]
        user.save(update_fields=["first_name", "last_name", "role"])
        signup_attribute(request, user)  # came through a referral link: credit the inviter


class ProfileForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "timezone", "zip_code"]
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "zip_code": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
            "timezone": forms.Select(choices=timezone_choices()),
        }


class AgeGroupField(forms.ModelChoiceField[AgeGroup]):
    """Age groups with their ages ("Kids, 5–12"), none chosen until the parent picks one."""

    def label_from_instance(self, obj: AgeGroup) -> str:
        return obj.label


class LearnerForm(forms.Form):
    first_name = forms.CharField(
        max_length=60, label="First name", error_messages={"required": "Enter the learner's first name."}
    )
    age_group = AgeGroupField(
        queryset=AgeGroup.objects.all(),
        empty_label="Choose an age group",
        label="Age group",
        error_messages={
            "required": "Choose the learner's age group.",
            "invalid_choice": "Choose one of the age groups.",
        },
    )

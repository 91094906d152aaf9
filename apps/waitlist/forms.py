from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms

from apps.availability.weeks import DAY_NAMES
from apps.instructors.models import Offering
from apps.waitlist.services import MAX_WEEKS, WaitWindow


class WaitlistForm(forms.Form):
    service = forms.ChoiceField(label="Lesson")
    weekdays = forms.TypedMultipleChoiceField(
        label="Days", coerce=int, widget=forms.CheckboxSelectMultiple,
        choices=[(number, name) for number, name in enumerate(DAY_NAMES)],
    )  # fmt: skip
    start = forms.TimeField(label="From", widget=forms.TimeInput(attrs={"type": "time", "step": 900}))
    end = forms.TimeField(label="Until", widget=forms.TimeInput(attrs={"type": "time", "step": 900}))
    date_from = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label="Last day", help_text=f"Up to {MAX_WEEKS} weeks.", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, offerings: list[Offering], today: date, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"date_from": today, "date_to": today + timedelta(weeks=4), "weekdays": list(range(7))}
        )
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [(o.service.slug, o.service.name) for o in offerings]  # type: ignore[attr-defined]

    def window(self) -> WaitWindow:
        data = self.cleaned_data
        return WaitWindow(
            weekdays=frozenset(data["weekdays"]), start=data["start"], end=data["end"],
            date_from=data["date_from"], date_to=data["date_to"],
        )  # fmt: skip

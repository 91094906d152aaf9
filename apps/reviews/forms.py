from __future__ import annotations

from typing import Any

from django import forms

from apps.reviews.models import MAX_STARS, TEXT_MAX
from apps.reviews.services import REASON_MAX

STAR_WORDS = {1: "Poor", 2: "Fair", 3: "Good", 4: "Very good", 5: "Excellent"}


class ReviewForm(forms.Form):
    stars = forms.TypedChoiceField(
        label="Your rating",
        choices=[(n, f"{n} star{'s' if n > 1 else ''} · {STAR_WORDS[n]}") for n in range(1, MAX_STARS + 1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose from 1 to 5 stars."},
    )
    text = forms.CharField(
        label="What was it like? (optional)",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Up to {TEXT_MAX} characters. Shown on the instructor's profile with your first name.",
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Your reply",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Once, up to {TEXT_MAX} characters; shown under the review on your profile.",
    )


class ModerationForm(forms.Form):
    """Staff's reason for hiding, restoring or keeping a review (recorded with the action)."""

    reason = forms.CharField(
        label="Reason (kept with the review)", max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class KeepForm(ModerationForm):
    """Keeping a flagged review as it is needs no reason."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False

from __future__ import annotations

from typing import Any

from django import forms

from apps.messaging.models import BODY_MAX, REPORT_NOTE_MAX, Message, ReportReason


class MessageForm(forms.Form):
    text = forms.CharField(
        label="Message",
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": BODY_MAX, "placeholder": "Write a message…"}),
        error_messages={"required": "Write a message first.", "max_length": f"Keep it to {BODY_MAX:,} characters."},
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label="What's wrong?", choices=ReportReason.choices, widget=forms.RadioSelect)
    messages = forms.MultipleChoiceField(
        label="Which messages?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose one or more messages."},
    )
    note = forms.CharField(
        label="Anything to add? (optional)",
        required=False,
        max_length=REPORT_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, choices: list[Message], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["messages"].choices = [  # type: ignore[attr-defined]
            (str(m.pk), f"{m.created_at:%a %-d %b, %-I:%M %p}: {m.body[:120]}") for m in choices
        ]

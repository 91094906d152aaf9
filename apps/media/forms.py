from __future__ import annotations

from django import forms

from apps.media import limits

_MB = limits.MAX_UPLOAD_BYTES // (1024 * 1024)


class PictureForm(forms.Form):
    # `accept` only narrows the browser's file picker; the server decides from the bytes.
    file = forms.FileField(
        label="Choose a picture",
        help_text=f"JPEG, PNG or WebP, up to {_MB} MB, no more than twice as wide as tall.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class DocumentForm(forms.Form):
    file = forms.FileField(
        label="Background-check document",
        help_text=f"PDF, JPG or PNG, up to {_MB} MB.",
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason the instructor will see",
        max_length=limits.REJECTION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

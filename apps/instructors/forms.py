"""Forms for the instructor onboarding pages.

The forms check only the *shape* of input (a number is a number, dollars parse) and turn
it into service arguments. Business rules (bio length, rate floors, eligible ages …) live
in services.py; their errors land on these fields through `apply_application_error`, which
is why field names match the services' error keys ("bio", "rates.online", "neighborhoods")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField, BoundWidget

from apps.catalog.models import AgeGroup
from apps.catalog.selectors import category_list
from apps.core.models import platform_config
from apps.core.zones import timezone_choices
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.services import DURATION_MAX, DURATION_MIN, DURATION_STEP, OfferingInput
from apps.instructors.states import Format, SkillLevel
from apps.search.models import Borough

# Lengths most lessons use, shown up front; the other 15-minute steps sit behind a <details>.
COMMON_DURATIONS = (30, 45, 60, 90, 120)
RATE_LABELS = {Format.ONLINE: "Online", Format.STUDIO: "At your studio", Format.TRAVEL: "At the student's place"}
RATE_FIELD_NAMES = {fmt: f"rates.{fmt.value}" for fmt in Format}  # the keys offering services report errors under
# Dollars as people type them: "80", "92.50", "$1,000". Anything else (exponents, signs,
# three decimals) is refused rather than guessed at.
_DOLLARS = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d{1,7})(?:\.\d{1,2})?")


def dollars_to_cents(text: str) -> int:
    """ "92.50" → 9250. Decimal, never float: binary floats cannot hold most cent values."""
    cleaned = text.strip().removeprefix("$").strip()
    if not _DOLLARS.fullmatch(cleaned):
        raise ValueError(f"not an amount in dollars: {text!r}")
    return int(Decimal(cleaned.replace(",", "")) * 100)


def cents_to_dollars(cents: int) -> str:
    """9250 → "92.50", 9000 → "90": what an input field shows for a stored rate."""
    whole, part = divmod(cents, 100)
    return f"{whole}.{part:02d}" if part else str(whole)


def format_money(cents: int) -> str:
    """9250 → "$92.50", 100000 → "$1,000" (DESIGN.md: money like "$134.40")."""
    whole, part = divmod(cents, 100)
    return f"${whole:,}.{part:02d}" if part else f"${whole:,}"


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


class DollarsField(forms.Field):
    """An optional hourly rate typed in dollars, cleaned to integer cents (or None if blank)."""

    default_error_messages = {"invalid": "Enter dollars, like 80 or 92.50."}

    def __init__(self, **kwargs: Any) -> None:
        widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 8})
        super().__init__(required=False, widget=widget, **kwargs)

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return dollars_to_cents(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def _gazetteer() -> list[Borough]:
    """Boroughs with their neighborhoods, two queries; both the studio select and the
    service-area checkboxes group neighborhoods by borough."""
    return list(Borough.objects.prefetch_related("neighborhoods"))


class AboutForm(forms.Form):
    display_name = forms.CharField(
        max_length=80,
        label="Your name on InstaInstru",
        help_text="First name and last initial work well, like “Maria G.”",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    headline = forms.CharField(
        max_length=100, required=False, label="Headline", help_text="One line, like “Classical & pop piano”."
    )
    bio = forms.CharField(
        label="About you",
        help_text="10 to 1,000 characters: how you teach, who you teach, what lessons feel like.",
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 1000}),
        error_messages={"required": "Write a few sentences about how you teach."},
    )
    years_experience = forms.IntegerField(
        label="Years of teaching experience", widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    timezone = forms.ChoiceField(label="Your time zone", help_text="Your calendar and lesson times use this zone.")
    buffer_minutes = forms.IntegerField(
        label="Break between lessons (minutes)", widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    travel_buffer_minutes = forms.IntegerField(
        label="Break around lessons at the student's place (minutes)",
        help_text="Time to get there and back.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    overnight_protection = forms.BooleanField(
        required=False,
        label="Protect my mornings",
        help_text="Students booking late in the evening can't take your early slots the next morning.",
    )
    studio_neighborhood = forms.ChoiceField(
        required=False,
        label="Studio neighborhood",
        help_text="Where you teach lessons at your studio. Your profile shows only the neighborhood.",
    )
    studio_address = forms.CharField(
        max_length=200,
        required=False,
        label="Studio address (private)",
        help_text="Never shown publicly: not on your profile, not in search.",
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()  # type: ignore[attr-defined]
        self.fields["studio_neighborhood"].choices = [  # type: ignore[attr-defined]
            ("", "No studio"),
            *[(b.name, [(n.slug, n.name) for n in b.neighborhoods.all()]) for b in _gazetteer()],
        ]

    @staticmethod
    def initial_for(profile: InstructorProfile) -> dict[str, Any]:
        names = [*AboutForm.base_fields]
        initial = {name: getattr(profile, name) for name in names if name != "studio_neighborhood"}
        initial["studio_neighborhood"] = profile.studio_neighborhood.slug if profile.studio_neighborhood else ""
        return initial

    def changes(self) -> dict[str, Any]:
        """What instructor_profile_update takes: every field, the neighborhood as a slug."""
        return dict(self.cleaned_data)


@dataclass(frozen=True)
class AreaGroup:
    """One borough of the service-area checkboxes."""

    name: str
    whole_borough: BoundWidget
    neighborhoods: list[BoundWidget]
    chosen: int


class ServiceAreasForm(forms.Form):
    boroughs = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple, label="Whole boroughs")
    neighborhoods = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Neighborhoods"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gazetteer = _gazetteer()
        self.fields["boroughs"].choices = [(b.slug, f"All of {b.name}") for b in self._gazetteer]  # type: ignore[attr-defined]
        self.fields["neighborhoods"].choices = [  # type: ignore[attr-defined]
            (n.slug, n.name) for b in self._gazetteer for n in b.neighborhoods.all()
        ]

    @staticmethod
    def initial_for(profile: InstructorProfile) -> dict[str, list[str]]:
        areas = list(profile.service_areas.all())
        return {
            "boroughs": [a.borough.slug for a in areas if a.borough],
            "neighborhoods": [a.neighborhood.slug for a in areas if a.neighborhood],
        }

    def _chosen(self, name: str) -> set[str]:
        return {str(value) for value in (self[name].value() or [])}

    @property
    def groups(self) -> list[AreaGroup]:
        borough_boxes = {w.data["value"]: w for w in self["boroughs"]}
        hood_boxes = {w.data["value"]: w for w in self["neighborhoods"]}
        chosen_boroughs, chosen_hoods = self._chosen("boroughs"), self._chosen("neighborhoods")
        groups = []
        for borough in self._gazetteer:
            slugs = [n.slug for n in borough.neighborhoods.all()]
            chosen = (borough.slug in chosen_boroughs) + len(chosen_hoods.intersection(slugs))
            groups.append(AreaGroup(borough.name, borough_boxes[borough.slug], [hood_boxes[s] for s in slugs], chosen))
        return groups

    @property
    def chosen_count(self) -> int:
        return len(self._chosen("boroughs")) + len(self._chosen("neighborhoods"))


class OfferingForm(forms.Form):
    """Add a subject, or (with `offering`) edit one: then the subject is fixed and the
    instructor may pause it."""

    service = forms.ChoiceField(label="Subject")
    description = forms.CharField(
        required=False,
        label="About these lessons",
        help_text="Optional, up to 500 characters: what students learn and how.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    duration_options = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Lesson lengths",
        widget=forms.CheckboxSelectMultiple,
        choices=[(m, duration_label(m)) for m in range(DURATION_MIN, DURATION_MAX + 1, DURATION_STEP)],
    )
    age_groups = forms.MultipleChoiceField(required=False, label="Ages you teach", widget=forms.CheckboxSelectMultiple)
    skill_levels = forms.MultipleChoiceField(
        required=False, label="Levels you teach", widget=forms.CheckboxSelectMultiple, choices=SkillLevel.choices
    )
    meeting_link = forms.CharField(
        required=False,
        max_length=300,
        label="Video-call link for online lessons",
        help_text="Your Zoom, Google Meet or similar https:// link. Students see it an hour before each online lesson.",
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Students can book this subject",
        help_text="Untick to pause it without losing your prices.",
    )

    def __init__(self, *args: Any, offering: Offering | None = None, **kwargs: Any) -> None:
        if offering is not None:
            kwargs.setdefault("initial", self.initial_for(offering))
        super().__init__(*args, **kwargs)
        for fmt, name in RATE_FIELD_NAMES.items():
            self.fields[name] = DollarsField(label=RATE_LABELS[fmt])
        self.fields["age_groups"].choices = [  # type: ignore[attr-defined]
            (g.slug, f"{g.name} ({g.age_range})") for g in AgeGroup.objects.all()
        ]
        self.is_edit = offering is not None
        if offering is None:
            del self.fields["is_active"]  # a new subject is always offered
            self.fields["service"].choices = [  # type: ignore[attr-defined]
                ("", "Choose a subject"),
                *[(c.name, [(s.slug, s.name) for s in c.services.all()]) for c in category_list()],
            ]
        else:
            # The subject of an offering never changes; a disabled field ignores what is posted.
            self.fields["service"].choices = [(offering.service.slug, offering.service.name)]  # type: ignore[attr-defined]
            self.fields["service"].disabled = True

    @staticmethod
    def initial_for(offering: Offering) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "service": offering.service.slug,
            "description": offering.description,
            "duration_options": offering.duration_options,
            "age_groups": [g.slug for g in offering.age_groups.all()],
            "skill_levels": offering.skill_levels,
            "is_active": offering.is_active,
            "meeting_link": offering.meeting_link,
        }
        for fmt, name in RATE_FIELD_NAMES.items():
            cents = offering.rate_for(fmt)
            initial[name] = cents_to_dollars(cents) if cents is not None else ""
        return initial

    @property
    def rate_fields(self) -> list[BoundField]:
        # Field names contain a dot, which template variables cannot reach.
        return [self[name] for name in RATE_FIELD_NAMES.values()]

    @property
    def rates_help(self) -> str:
        config = platform_config()
        return (
            f"Dollars per hour. Fill in the ways you teach and leave the others blank. "
            f"Minimum {format_money(config.min_rate_online_cents)}/h online, "
            f"{format_money(config.min_rate_in_person_cents)}/h in person."
        )

    def _duration_boxes(self, *, common: bool) -> list[BoundWidget]:
        return [w for w in self["duration_options"] if (int(w.data["value"]) in COMMON_DURATIONS) == common]

    @property
    def common_durations(self) -> list[BoundWidget]:
        return self._duration_boxes(common=True)

    @property
    def other_durations(self) -> list[BoundWidget]:
        return self._duration_boxes(common=False)

    @property
    def other_durations_chosen(self) -> bool:
        chosen = {str(v) for v in (self["duration_options"].value() or [])}
        return any(str(w.data["value"]) in chosen for w in self.other_durations)

    def to_input(self) -> OfferingInput:
        data = self.cleaned_data
        return OfferingInput(
            service=data["service"],
            description=data["description"],
            duration_options=data["duration_options"],
            age_groups=data["age_groups"],
            skill_levels=data["skill_levels"],
            rates={fmt.value: data[name] for fmt, name in RATE_FIELD_NAMES.items()},
            is_active=data.get("is_active", True),
            meeting_link=data.get("meeting_link", ""),
        )


class GoLiveForm(forms.Form):
    """No fields: the form exists so a refused go-live reaches the page the one way domain
    errors do (apply_application_error)."""

"""Display helpers for public instructor pages: money, formats, durations, levels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import template

from apps.instructors.cards import FORMAT_DISPLAY_ORDER
from apps.instructors.models import Offering
from apps.instructors.states import Format, SkillLevel
from apps.payments.pricing import lesson_price_cents

register = template.Library()

# How a format reads after a price: "$90/h at the studio", "$70/h online".
FORMAT_PHRASES = {Format.ONLINE: "online", Format.STUDIO: "at the studio", Format.TRAVEL: "at your place"}


@register.filter
def money(cents: int | None) -> str:
    """Integer cents as dollars: 8000 → "$80", 13440 → "$134.40", 100000 → "$1,000"."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}" if rest == 0 else f"{sign}${dollars:,}.{rest:02d}"


@register.simple_tag
def lesson_price(hourly_rate_cents: int, duration_minutes: int) -> str:
    """What one lesson of that length costs: (9000, 45) → "$67.50"."""
    return money(lesson_price_cents(hourly_rate_cents=hourly_rate_cents, duration_minutes=duration_minutes))


@register.filter
def format_phrase(fmt: str) -> str:
    return FORMAT_PHRASES[Format(fmt)]


@register.filter
def format_label(fmt: str) -> str:
    """The short name of a format for chips and badges: "Online", "At the studio", "At your place"."""
    phrase = FORMAT_PHRASES[Format(fmt)]
    return phrase[:1].upper() + phrase[1:]


@register.filter
def rate_phrases(offering: Offering) -> str:
    """Every rate of an offering, in person first: "$90/h at the studio · $70/h online"."""
    return " · ".join(
        f"{money(rate)}/h {FORMAT_PHRASES[fmt]}"
        for fmt in FORMAT_DISPLAY_ORDER
        if (rate := offering.rate_for(fmt)) is not None
    )


def _join_or(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


@register.filter
def durations(minutes: Iterable[int]) -> str:
    """Lesson lengths: [30, 45, 60] → "30, 45 or 60 min"."""
    values = sorted(int(m) for m in minutes)
    return f"{_join_or([str(m) for m in values])} min" if values else ""


@register.filter
def skill_levels(levels: Iterable[str]) -> str:
    """["beginner", "advanced"] → "Beginner · Advanced" (in the levels' own order)."""
    chosen = set(levels)
    return " · ".join(str(level.label) for level in SkillLevel if level.value in chosen)


@register.filter
def lowest_rate(offerings: Iterable[Offering]) -> int | None:
    """The lowest hourly rate across offerings, for "from $70/h" (None without offerings)."""
    return min((offering.min_rate_cents for offering in offerings), default=None)


@register.filter
def offers_format(offerings: Iterable[Offering], fmt: str) -> bool:
    return any(offering.rate_for(fmt) is not None for offering in offerings)

"""Display helpers for search results."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import template

register = template.Library()

RELAXED_NOTES = {
    "time": "Free at another time",
    "date": "Free on another day",
    "skill_level": "Teaches other levels",
    "age_group": "Teaches other ages",
    "location": "Farther away",
    "price": "Above your price",
}


@register.filter
def distance(metres: int | None) -> str:
    """350 → "350 m away"; 1234 → "1.2 km away"."""
    if metres is None:
        return ""
    return f"{metres} m away" if metres < 1000 else f"{metres / 1000:.1f} km away"


@register.filter
def relaxed_note(relaxed: list[str]) -> str:
    """What this result does not match, the most important first: "Free at another time"."""
    notes = [RELAXED_NOTES[name] for name in reversed(relaxed) if name in RELAXED_NOTES]
    return " · ".join(notes)


@register.filter
def slot_days(slots: list[Any]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """Slots grouped by day, each with its time alone: [("Thu 26 Nov", [("4:00 pm", slot), …])].
    A slot's label is "Thu 26 Nov, 4:00 pm" (availability.slots.format_slot)."""
    parts = [(slot.label.split(", ", 1), slot) for slot in slots]
    return [
        (day, [(pair[1], slot) for pair, slot in group]) for day, group in groupby(parts, key=lambda item: item[0][0])
    ]

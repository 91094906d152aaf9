"""The working state of one parse: the normalized text, its words, and what is used up.

Regex extractors read `Scan.text` and call `take()` on what they understood; taken text is
blanked (same length, so offsets stay valid) and later extractors cannot read it twice.
A *soft* take ("kids" in "kids yoga", "after school" in "after school tutoring") still lets
catalog matching use the words, because there they mean both things.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from apps.search.vocabulary import Place


@dataclass(frozen=True)
class WordToken:
    text: str  # normalized, typo-corrected word the regex extractors read
    typed: str  # the normalized word as typed, reported in `unparsed`
    start: int
    end: int
    known: bool  # the typed word is in the vocabulary or lexicon as it is
    source: int  # position of the typed word ("parkslope" becomes two tokens from one source)
    options: tuple[str, ...] = ()  # equally close corrections ("frensh": french, fresh) for phrase matching

    @property
    def readings(self) -> tuple[str, ...]:
        return self.options or (self.text,)


class Scan:
    def __init__(self, text: str, tokens: list[WordToken]) -> None:
        self.text = text
        self.tokens = tokens
        self.hard = [False] * len(tokens)
        self.soft = [False] * len(tokens)

    def matches(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Matches over a snapshot of the text, so taking one match does not shift the others."""
        yield from pattern.finditer(self.text)

    def take(self, start: int, end: int, *, soft: bool = False) -> None:
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]
        for position, token in enumerate(self.tokens):
            if token.start < end and token.end > start:
                if soft:
                    self.soft[position] = True
                else:
                    self.hard[position] = True

    def take_match(self, match: re.Match[str], *, soft: bool = False) -> None:
        self.take(match.start(), match.end(), soft=soft)


@dataclass
class Draft:
    """Fields found so far; `parse_query` freezes it into a ParsedQuery."""

    service: str | None = None
    category: str | None = None
    age_group: str | None = None
    skill_level: str | None = None
    format: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    location: Place | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    time_from: dt.time | None = None
    time_to: dt.time | None = None
    tonight: bool = False
    meridiem_hint: str | None = None  # "am"/"pm" from a day part, for bare hours ("tonight at 8")
    day_windows: list[tuple[dt.time, dt.time]] = field(default_factory=list)

    def add_dates(self, start: dt.date, end: dt.date) -> None:
        """Several date phrases ("saturday or sunday") widen to the span covering them all."""
        self.date_from = start if self.date_from is None else min(self.date_from, start)
        self.date_to = end if self.date_to is None else max(self.date_to, end)

"""Natural-language search query -> structured filters (PRODUCT.md §2, "Natural-language search").

Offline and deterministic: regex grammars for dates, times, prices, ages, skill and format,
then catalog and gazetteer phrase matching with typo tolerance on whatever words are left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from apps.search.ages import extract_age_words, extract_numeric_ages
from apps.search.attributes import extract_skill_and_format
from apps.search.dates import extract_explicit_dates, extract_relative_dates
from apps.search.lexicon import FILLER
from apps.search.matching import EntityMatch, correct_text, find_entities
from apps.search.prices import extract_prices
from apps.search.query import Location, SearchCriteria
from apps.search.scan import Draft, Scan
from apps.search.text import normalize
from apps.search.times import extract_clock_times, extract_day_parts, settle_times
from apps.search.vocabulary import Place, Vocabulary

MAX_QUERY_CHARS = 300  # a search box, not a document: longer input is cut, keeping parse time bounded


@dataclass(frozen=True)
class ParsedQuery(SearchCriteria):
    """What the parser read in the text: the criteria it implies, and the words it could not
    place (shown back to the user, never a filter)."""

    unparsed: list[str] = field(default_factory=list)


def parse_query(text: str, *, vocabulary: Vocabulary, today: dt.date) -> ParsedQuery:
    """Parse what the user typed; `today` is the caller's local date (America/New_York)."""
    normalized, tokens = correct_text(normalize(text[:MAX_QUERY_CHARS]), vocabulary.index)
    scan = Scan(normalized, tokens)
    draft = Draft()
    # Order matters: each step blanks what it used, so "7 year old" is an age before prices
    # look for numbers, and "at 6pm" is a time before "at $60" could be read as a price.
    extract_explicit_dates(scan, draft, today)
    extract_numeric_ages(scan, draft)
    extract_relative_dates(scan, draft, today)
    extract_day_parts(scan, draft)
    extract_clock_times(scan, draft)
    settle_times(draft)
    extract_prices(scan, draft)
    extract_skill_and_format(scan, draft)
    extract_age_words(scan, draft)
    matches = find_entities(tokens, [not taken for taken in scan.hard], vocabulary.index)
    used = _apply_entities(draft, matches, vocabulary)
    return _freeze(text, draft, _unparsed(scan, used))


def _apply_entities(draft: Draft, matches: list[EntityMatch], vocabulary: Vocabulary) -> list[EntityMatch]:
    """Best-ranked service wins; its category follows it. A category named alone counts
    only without a service. A neighborhood beats a borough ("williamsburg, brooklyn").
    Returns the matches the parse used: a second service or an unrelated second place is not."""
    services = [m for m in matches if m.phrase.kind == "service"]
    categories = [m for m in matches if m.phrase.kind == "category"]
    places = sorted(
        (m for m in matches if m.phrase.kind == "place"),
        key=lambda m: (vocabulary.places[m.phrase.ref].kind != "neighborhood", m.start),
    )
    if services:
        service = vocabulary.services[services[0].phrase.ref]
        draft.service, draft.category = service.slug, service.category_slug
    elif categories:
        draft.category = vocabulary.categories[categories[0].phrase.ref].slug
    used = services[:1] + categories
    if places:
        draft.location = vocabulary.places[places[0].phrase.ref]
        used += [
            m for m in places if vocabulary.places[m.phrase.ref].name in (draft.location.name, draft.location.borough)
        ]
    return used


def _unparsed(scan: Scan, matches: list[EntityMatch]) -> list[str]:
    """Words no extractor used, as typed, without filler ("for", "my", "lessons")."""
    used = [hard or soft for hard, soft in zip(scan.hard, scan.soft, strict=True)]
    for match in matches:
        used[match.start : match.end] = [True] * (match.end - match.start)
    words: list[str] = []
    reported: set[int] = set()
    for position, token in enumerate(scan.tokens):
        if used[position] or token.typed in FILLER or token.text in FILLER or token.source in reported:
            continue
        reported.add(token.source)  # a typed word corrected into two is reported once
        words.append(token.typed)
    return words


def _location(place: Place | None) -> Location | None:
    if place is None:
        return None
    return Location(name=place.name, borough=place.borough, kind=place.kind, lat=place.lat, lon=place.lon)


def _freeze(text: str, draft: Draft, unparsed: list[str]) -> ParsedQuery:
    """The draft's criteria, frozen; the draft holds them under the same names (its place
    becomes a Location)."""
    found = {f.name: getattr(draft, f.name) for f in fields(SearchCriteria) if f.name not in {"text", "location"}}
    return ParsedQuery(text=text, location=_location(draft.location), unparsed=unparsed, **found)

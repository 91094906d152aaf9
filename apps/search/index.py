"""Lookup indexes derived from a `Vocabulary`, built once and shared by every parse.

Catalog phrases (service terms and names, category names) are keyed by word stems so
"swimming lessons", "swim lesson" and "swimmer" meet; place phrases are keyed by singular
words (street abbreviations expanded) only, because stemming would merge "Hunters Point" and
"Hunts Point".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from apps.search.lexicon import COMMON_WORDS, FILLER, KEYWORDS
from apps.search.text import place_key, singular, stem, words
from apps.search.verbs import CATEGORY_VERBS, SERVICE_VERBS, verb_phrases

if TYPE_CHECKING:
    from apps.search.vocabulary import CategoryTerm, Place, ServiceTerm

EntityKind = Literal["service", "category", "place"]

# Category names alone ("Music", "Tutoring") miss a few everyday ways of naming the whole
# category; keyed by slug so a DB-built vocabulary gets them too.
CATEGORY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "music": ("instrument", "musical instrument", "musician"),
    "dance": ("dancing", "dancer"),
    "arts": ("art", "artist", "crafts", "arts and crafts"),
    "sports-fitness": ("sport", "athletic", "athletics"),
    "tutoring": ("tutor", "academic", "academics", "test prep"),
    "languages": ("language", "foreign language"),
    "hobbies": ("hobby",),
}

# Everyday ways of asking for a service that its catalog terms miss; keyed by slug too.
SERVICE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "personal-training": ("get in shape", "get fit", "build muscle", "gain muscle", "tone up", "crossfit"),
    "math": ("maths",),
}

MIN_CORRECTABLE = 4  # shorter words are too easily one edit from something else
_MIN_FUZZY_JOINED = 6
_NAME_PARTS = re.compile(r"\s*(?:&|\(|\)|,|/)\s*")


@dataclass(frozen=True)
class Phrase:
    kind: EntityKind
    ref: int  # position in Vocabulary.services / .categories / .places
    surface: tuple[str, ...]  # normalized words as the catalog or gazetteer writes them


@dataclass(frozen=True)
class VocabularyIndex:
    catalog: dict[tuple[str, ...], tuple[Phrase, ...]]  # word stems -> service and category phrases
    catalog_unordered: dict[tuple[str, ...], tuple[Phrase, ...]]  # sorted stems of multi-word phrases
    places: dict[tuple[str, ...], tuple[Phrase, ...]]  # place keys -> gazetteer names and aliases
    max_words: int  # longest phrase, bounding the windows tried
    known: frozenset[str]  # words typo correction leaves alone
    known_singular: frozenset[str]
    targets_near_length: dict[int, tuple[str, ...]]  # typed length -> correction targets of similar length
    catalog_prefixes: frozenset[tuple[str, ...]]  # so a window stops growing once nothing can match
    place_prefixes: frozenset[tuple[str, ...]]
    compact: dict[str, tuple[str, ...]]  # "parkslope" -> ("park", "slope")
    joined: dict[str, tuple[Phrase, ...]]  # phrase letters without spaces -> phrases
    joined_near_length: dict[int, tuple[str, ...]]  # window length -> keys of `joined` to compare with
    service_positions: dict[str, int]

    def is_known(self, word: str) -> bool:
        # Singular only, not stems: "evenning" must not pass as a form of "even".
        return word in self.known or singular(word) in self.known_singular


def name_phrases(name: str) -> list[str]:
    """A display name and its parts: "Boxing & Kickboxing" -> itself, "boxing", "kickboxing";
    "English (ESL)" -> "english esl", "english", "esl"."""
    parts = [part for part in _NAME_PARTS.split(name) if part.strip()]
    whole = " ".join(parts)
    return [whole, *parts] if len(parts) > 1 else [whole]


def _catalog_phrases(
    services: Sequence[ServiceTerm], categories: Sequence[CategoryTerm]
) -> list[tuple[Phrase, tuple[str, ...]]]:
    found: list[Phrase] = []
    for position, service in enumerate(services):
        for text in [
            *name_phrases(service.name),
            *service.terms,
            *SERVICE_SYNONYMS.get(service.slug, ()),
            *verb_phrases(SERVICE_VERBS.get(service.slug, ())),
        ]:
            found.append(Phrase("service", position, words(text)))
    for position, category in enumerate(categories):
        for text in [
            *name_phrases(category.name),
            *CATEGORY_SYNONYMS.get(category.slug, ()),
            *verb_phrases(CATEGORY_VERBS.get(category.slug, ())),
        ]:
            found.append(Phrase("category", position, words(text)))
    return [(phrase, tuple(stem(word) for word in phrase.surface)) for phrase in found if phrase.surface]


def _place_phrases(places: Sequence[Place]) -> list[tuple[Phrase, tuple[str, ...]]]:
    found: list[tuple[Phrase, tuple[str, ...]]] = []
    for position, place in enumerate(places):
        for text in (place.name, *place.aliases):
            surface = words(text)
            if surface:
                found.append((Phrase("place", position, surface), tuple(place_key(w) for w in surface)))
    return found


def _group(pairs: Iterable[tuple[tuple[str, ...], Phrase]]) -> dict[tuple[str, ...], tuple[Phrase, ...]]:
    grouped: dict[tuple[str, ...], list[Phrase]] = defaultdict(list)
    for key, phrase in pairs:
        if phrase not in grouped[key]:
            grouped[key].append(phrase)
    return {key: tuple(phrases) for key, phrases in grouped.items()}


def correction_limit(length: int) -> int:
    """Edits allowed when correcting a typed word of this length."""
    return 1 if length < 8 else 2


def fuzzy_phrase_limit(length: int) -> int:
    """Edits allowed between a window's joined letters and a phrase's."""
    return 1 if length <= 10 else 2


def _near_length(texts: Iterable[str], limit: Callable[[int], int], shortest: int) -> dict[int, tuple[str, ...]]:
    """For each typed length, the texts close enough in length to be within `limit` edits:
    comparing only those keeps typo matching cheap."""
    by_length: dict[int, set[str]] = defaultdict(set)
    for text in texts:
        by_length[len(text)].add(text)
    longest = max(by_length, default=0)
    return {
        length: tuple(
            sorted(
                t for near in range(length - limit(length), length + limit(length) + 1) for t in by_length.get(near, ())
            )
        )
        for length in range(shortest, longest + 3)
    }


def _prefixes(keys: Iterable[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    return frozenset(key[:size] for key in keys for size in range(1, len(key) + 1))


def _joined(phrases: Iterable[Phrase]) -> dict[str, tuple[Phrase, ...]]:
    """Phrases by their letters without spaces: "kick boxing" finds "kickboxing", "upper
    eastside" finds "upper east side"."""
    grouped = _group((("".join(phrase.surface),), phrase) for phrase in phrases)
    return {key[0]: found for key, found in grouped.items()}


def build_index(
    services: Sequence[ServiceTerm], categories: Sequence[CategoryTerm], places: Sequence[Place]
) -> VocabularyIndex:
    catalog = _catalog_phrases(services, categories)
    gazetteer = _place_phrases(places)
    all_phrases = [phrase for phrase, _ in catalog + gazetteer]
    surface_words = {word for phrase in all_phrases for word in phrase.surface}
    compact = {
        "".join(phrase.surface): phrase.surface
        for phrase in all_phrases
        if len(phrase.surface) > 1 and len("".join(phrase.surface)) >= 6 and "".join(phrase.surface).isalpha()
    }
    known = frozenset(surface_words | FILLER | KEYWORDS | COMMON_WORDS)
    joined = _joined(all_phrases)
    targets = {w for w in known if len(w) >= MIN_CORRECTABLE and w.isalpha()} | set(compact)
    return VocabularyIndex(
        catalog=_group((keys, phrase) for phrase, keys in catalog),
        catalog_unordered=_group((tuple(sorted(keys)), phrase) for phrase, keys in catalog if len(keys) > 1),
        places=_group((keys, phrase) for phrase, keys in gazetteer),
        max_words=max((len(phrase.surface) for phrase in all_phrases), default=1),
        known=known,
        known_singular=frozenset(singular(w) for w in known),
        targets_near_length=_near_length(targets, correction_limit, MIN_CORRECTABLE),
        catalog_prefixes=_prefixes(keys for _, keys in catalog),
        place_prefixes=_prefixes(keys for _, keys in gazetteer),
        compact=compact,
        joined=joined,
        joined_near_length=_near_length(
            (text for text in joined if len(text) >= _MIN_FUZZY_JOINED), fuzzy_phrase_limit, _MIN_FUZZY_JOINED
        ),
        service_positions={service.slug: i for i, service in enumerate(services)},
    )

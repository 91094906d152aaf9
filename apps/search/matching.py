"""Typo correction and catalog/gazetteer phrase matching over the words of a query.

Correction works word by word against the known words (catalog, gazetteer, grammar words,
common English), so "violn" becomes "violin" before matching and phrase lookups stay exact
dictionary hits. It is guarded against turning real words into catalog words: under 4 letters
nothing is corrected, 4-letter words only by swapping two letters ("yoag"), 5–7 letters by one
edit, 8+ by two; and an edit must look like a typo (see `plausible_typo`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel, Levenshtein

from apps.search.index import MIN_CORRECTABLE, Phrase, VocabularyIndex, correction_limit, fuzzy_phrase_limit
from apps.search.lexicon import FILLER
from apps.search.scan import WordToken
from apps.search.text import place_key, singular, stem, tokenize

_KIND_PRIORITY = {"service": 3, "place": 2, "category": 1}

# A typed letter standing for another is a plausible typo when the keys are neighbours on a
# QWERTY keyboard or the letters sound alike; "notice" -> "novice" (t/v) is neither, so an
# English word one letter from a catalog word is not dragged into the catalog.
_KEY_ROWS = (("qwertyuiop", 0.0), ("asdfghjkl", 0.25), ("zxcvbnm", 0.75))
_KEY_AT = {
    key: (column + offset, row) for row, (keys, offset) in enumerate(_KEY_ROWS) for column, key in enumerate(keys)
}
_SOUND_ALIKE = ("aeiouy", "cksqxz", "dt", "bp", "mn", "gj", "fv")


def _similar_letters(a: str, b: str, *, keyboard: bool = True) -> bool:
    if any(a in group and b in group for group in _SOUND_ALIKE):
        return True
    if not keyboard or a not in _KEY_AT or b not in _KEY_AT:
        return False
    (ax, ay), (bx, by) = _KEY_AT[a], _KEY_AT[b]
    return (ax - bx) ** 2 + (ay - by) ** 2 <= 1.3**2


# Word endings: "physical"/"physics", "ready"/"read", "advance"/"advanced" differ only in
# these, which makes them two forms of real words rather than one word and its typo.
_SUFFIXES = frozenset(
    [
        "",
        "e",
        "s",
        "es",
        "ed",
        "er",
        "ers",
        "en",
        "al",
        "ic",
        "ics",
        "ly",
        "y",
        "ing",
        "ings",
        "ist",
        "ism",
        "ity",
        "ion",
        "ions",
        "ive",
        "ment",
        "ness",
        "ful",
        "ary",
        "ate",
        "ry",
        "ies",
        "ied",
    ]
)


def _inflections(typed: str, target: str) -> bool:
    """Same start, endings both from _SUFFIXES; a lone extra "e" ("karatee") or two different
    single letters ("chiness") are typos, not endings."""
    for cut in range(1, min(len(typed), len(target)) + 1):
        ends = {typed[cut:], target[cut:]}
        if typed[:cut] != target[:cut] or not ends <= _SUFFIXES or ends == {"", "e"}:
            continue
        if max(len(end) for end in ends) > 1 or "" in ends:
            return True
    return False


def _undoubled(word: str) -> str:
    return "".join(letter for position, letter in enumerate(word) if position == 0 or word[position - 1] != letter)


def plausible_typo(typed: str, target: str) -> bool:
    """Same first letter (or the first two swapped), not just another ending of the same
    word, and every substituted letter similar. Dropped, doubled and swapped letters are
    always plausible."""
    if typed[0] != target[0] and typed[:2] != target[1::-1]:
        return False
    if _inflections(typed, target):
        return False
    if _undoubled(typed) == _undoubled(target):
        return True  # doubled or undoubled letters ("begginer", "tommorow")
    if OSA.distance(typed, target) < Levenshtein.distance(typed, target):
        return True  # a swap of two neighbouring letters ("pinao")
    operations = Levenshtein.editops(typed, target)
    # Two edits away, a slipped key is too permissive ("completing" -> "composting").
    keyboard = len(operations) < 2
    return all(
        _similar_letters(typed[op.src_pos], target[op.dest_pos], keyboard=keyboard)
        for op in operations
        if op.tag == "replace"
    )


def _corrections(word: str, index: VocabularyIndex) -> list[str]:
    """Known words at the smallest edit distance, most similar first."""
    size = len(word)
    limit = correction_limit(size)
    pool = index.targets_near_length.get(size, ())
    hits = process.extract(word, pool, scorer=OSA.distance, score_cutoff=limit, limit=None)
    ranked: list[tuple[int, float, bool, str]] = []
    for target, distance, _ in hits:
        if size == MIN_CORRECTABLE and sorted(target) != sorted(word):
            continue  # a 4-letter word may only have two letters swapped
        if not plausible_typo(word, target):
            continue
        ranked.append((int(distance), -Indel.normalized_similarity(word, target), target[0] != word[0], target))
    ranked.sort()
    return [target for distance, *_, target in ranked if distance == ranked[0][0]]


@dataclass(frozen=True)
class Correction:
    words: tuple[str, ...]  # what to read instead of the typed word
    options: tuple[str, ...]  # every equally close single-word reading, for phrase matching
    known: bool  # the typed word needed no correction


def correct_word(word: str, index: VocabularyIndex) -> Correction:
    if not word.isalpha() or index.is_known(word):
        return Correction((word,), (), known=True)
    if word in index.compact:
        return Correction(index.compact[word], (), known=False)  # "parkslope" -> "park slope"
    if len(word) < MIN_CORRECTABLE:
        return Correction((word,), (), known=False)
    # "violns": correct the singular, where the catalog's words are.
    found = _corrections(word, index) or (_corrections(singular(word), index) if singular(word) != word else [])
    if not found:
        return Correction((word,), (), known=False)
    if found[0] in index.compact:
        return Correction(index.compact[found[0]], (), known=False)
    return Correction((found[0],), tuple(option for option in found if option not in index.compact), known=False)


def correct_text(normalized: str, index: VocabularyIndex) -> tuple[str, list[WordToken]]:
    """Rebuild the text with corrected words, keeping each word's typed form for `unparsed`."""
    pieces: list[str] = []
    tokens: list[WordToken] = []
    length = cursor = 0
    for source, token in enumerate(tokenize(normalized)):
        gap = normalized[cursor : token.start]
        pieces.append(gap)
        length += len(gap)
        correction = correct_word(token.text, index)
        for position, word in enumerate(correction.words):
            if position:
                pieces.append(" ")
                length += 1
            tokens.append(
                WordToken(word, token.text, length, length + len(word), correction.known, source, correction.options)
            )
            pieces.append(word)
            length += len(word)
        cursor = token.end
    pieces.append(normalized[cursor:])
    return "".join(pieces), tokens


@dataclass(frozen=True)
class EntityMatch:
    phrase: Phrase
    start: int  # token positions, end exclusive
    end: int
    rank: tuple[int, int, int, int, int]


def _rank(phrase: Phrase, typed: Sequence[str], *, ordered: bool, fuzzy: bool) -> tuple[int, int, int, int, int]:
    """Most words covered first, then most words exactly as written ("acting" is Acting, not
    ACT), then in order, then not fuzzy, then services before places before categories."""
    exact = sum(1 for a, b in zip(typed, phrase.surface, strict=False) if a == b) if ordered else 0
    return (len(typed), exact, int(ordered), int(not fuzzy), _KIND_PRIORITY[phrase.kind])


@dataclass(frozen=True)
class _Reading:
    words: tuple[str, ...]
    stems: tuple[str, ...]
    place_keys: tuple[str, ...]

    def extend(self, word: str, word_stem: str, word_place_key: str) -> _Reading:
        return _Reading((*self.words, word), (*self.stems, word_stem), (*self.place_keys, word_place_key))


_UNORDERED_WORDS = 3  # reordering and joining are tried on short windows only


def _exact_candidates(
    tokens: Sequence[WordToken], usable: Sequence[bool], index: VocabularyIndex
) -> Iterator[EntityMatch]:
    """Every window of usable words matching a phrase; a window grows only while some phrase
    still starts with it (or it is short enough to be reordered or joined)."""
    keys = [[(word, stem(word), place_key(word)) for word in token.readings] for token in tokens]
    for start in range(len(tokens)):
        readings = [_Reading((), (), ())]
        for end in range(start + 1, min(len(tokens), start + index.max_words) + 1):
            if not usable[end - 1]:
                break
            readings = [reading.extend(*key) for reading in readings for key in keys[end - 1]]
            readings = [r for r in readings if _may_grow(r, index)]
            if not readings:
                break
            for reading in readings:
                yield from _phrase_hits(reading, start, end, index)


def _may_grow(reading: _Reading, index: VocabularyIndex) -> bool:
    return (
        len(reading.words) <= _UNORDERED_WORDS
        or reading.stems in index.catalog_prefixes
        or reading.place_keys in index.place_prefixes
    )


def _filler_stem_only(words: tuple[str, ...], phrase: Phrase) -> bool:
    """A filler word alone names a catalog phrase only in the same form: "tutors" is Tutoring,
    but "program" ("after school program") is not "programming"."""
    return len(words) == 1 and words[0] in FILLER and singular(words[0]) != singular(phrase.surface[0])


def _phrase_hits(reading: _Reading, start: int, end: int, index: VocabularyIndex) -> Iterator[EntityMatch]:
    words = reading.words
    for phrase in index.catalog.get(reading.stems, ()):
        if not _filler_stem_only(words, phrase):
            yield EntityMatch(phrase, start, end, _rank(phrase, words, ordered=True, fuzzy=False))
    for phrase in index.places.get(reading.place_keys, ()):
        yield EntityMatch(phrase, start, end, _rank(phrase, words, ordered=True, fuzzy=False))
    if 1 < len(words) <= _UNORDERED_WORDS:
        # "losing weight" is "weight loss": word order may differ, at a lower rank.
        for phrase in index.catalog_unordered.get(tuple(sorted(reading.stems)), ()):
            yield EntityMatch(phrase, start, end, _rank(phrase, words, ordered=False, fuzzy=False))
        # "kick boxing" is "kickboxing", "green point" is "Greenpoint".
        for phrase in index.joined.get("".join(words), ()):
            yield EntityMatch(phrase, start, end, _rank(phrase, words, ordered=False, fuzzy=True))


def _fuzzy_candidates(
    tokens: Sequence[WordToken], usable: Sequence[bool], index: VocabularyIndex
) -> Iterator[EntityMatch]:
    """Typos word correction cannot fix ("uper east side": "uper" is too short to correct
    alone; "upper eastside"): the window's letters, spaces dropped, within one or two edits
    of a phrase's. Tried only on windows holding a word unknown as typed."""
    for size in (3, 2):
        for start in range(len(tokens) - size + 1):
            window = tokens[start : start + size]
            if not all(usable[start : start + size]) or all(token.known for token in window):
                continue
            text = "".join(token.text for token in window)
            pool = index.joined_near_length.get(len(text), ())
            limit = fuzzy_phrase_limit(len(text))
            hit = process.extractOne(text, pool, scorer=Levenshtein.distance, score_cutoff=limit)
            if hit is not None:
                for phrase in index.joined[hit[0]]:
                    rank = _rank(phrase, [token.text for token in window], ordered=False, fuzzy=True)
                    yield EntityMatch(phrase, start, start + size, rank)


def _resolve(candidates: list[EntityMatch], usable: list[bool]) -> list[EntityMatch]:
    """Greedy: best-ranked first, earlier on ties; a word belongs to one phrase at most."""
    chosen: list[EntityMatch] = []
    free = list(usable)
    for match in sorted(candidates, key=lambda m: (tuple(-part for part in m.rank), m.start, m.phrase.ref)):
        if all(free[match.start : match.end]):
            chosen.append(match)
            free[match.start : match.end] = [False] * (match.end - match.start)
    return chosen


def find_entities(tokens: Sequence[WordToken], usable: Sequence[bool], index: VocabularyIndex) -> list[EntityMatch]:
    """Catalog and place phrases in the usable words, best first."""
    chosen = _resolve(list(_exact_candidates(tokens, usable, index)), list(usable))
    left = list(usable)
    for match in chosen:
        left[match.start : match.end] = [False] * (match.end - match.start)
    if any(left[i] and not tokens[i].known for i in range(len(tokens))):
        chosen += _resolve(list(_fuzzy_candidates(tokens, left, index)), left)
    return chosen

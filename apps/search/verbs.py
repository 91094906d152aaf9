"""Verbs that name a service or a category: "learn to sing", "my son sings", "wants to act".

Catalog search terms are mostly nouns ("singing lessons", "acting coach"). Each verb here is
turned into its everyday forms (sing, sings, singing, sang, sung) and added to the catalog
phrases of the entity it names, keyed by slug like the synonyms in `index.py`, so it goes
through the same stem matching and typo correction as any catalog term ("lern to singg").

A verb written "to <verb>" counts only as an infinitive, because bare it names something
else: "act" alone is the ACT exam, "to act" is acting. A multi-word entry inflects its first
word ("work out", "working out").
"""

from __future__ import annotations

SERVICE_VERBS: dict[str, tuple[str, ...]] = {
    "voice": ("sing",),
    "coding": ("code", "to program"),  # bare, "program" is an "after school program"
    "drawing": ("draw", "sketch", "illustrate"),
    "painting": ("paint",),
    "cooking": ("cook",),
    "baking": ("bake",),
    "boxing": ("box", "kickbox", "spar"),
    "ice-skating": ("skate",),
    "knitting": ("knit", "crochet"),
    "sewing": ("sew", "quilt", "embroider"),
    "climbing": ("climb", "boulder"),
    "fencing": ("fence",),
    "meditation": ("meditate",),
    "acting": ("to act",),
    "dj": ("dj",),
    "reading": ("read",),
    "writing": ("write",),
    "swimming": ("swim",),
    "running": ("run", "jog", "sprint"),
    "photography": ("photograph",),
    "sculpture": ("sculpt",),
    "improv": ("improvise",),
    "filmmaking": ("to film",),
    "personal-training": ("work out", "lift weights"),
    "public-speaking": ("speak in public",),
}

CATEGORY_VERBS: dict[str, tuple[str, ...]] = {
    "dance": ("dance",),
}

# Past forms the spelling rules below cannot make.
_IRREGULAR_PAST: dict[str, tuple[str, ...]] = {
    "sing": ("sang", "sung"),
    "draw": ("drew", "drawn"),
    "write": ("wrote", "written"),
    "swim": ("swam", "swum"),
    "run": ("ran",),
    "read": ("read",),
    "speak": ("spoke", "spoken"),
}
_VOWELS = "aeiou"
_INFINITIVE = "to "


def _doubles_last_letter(verb: str) -> bool:
    """One-syllable verbs ending consonant-vowel-consonant double it: knit -> knitting, swim -> swimming."""
    syllables = sum(1 for i, letter in enumerate(verb) if letter in _VOWELS and (i == 0 or verb[i - 1] not in _VOWELS))
    return (
        syllables == 1
        and len(verb) >= 3
        and verb[-1] not in _VOWELS + "wxy"
        and verb[-2] in _VOWELS
        and verb[-3] not in _VOWELS
    )


def verb_forms(verb: str) -> tuple[str, ...]:
    """The base form, third person, -ing and past forms: bake, bakes, baking, baked."""
    if verb.endswith(("s", "x", "z", "ch", "sh")):
        third = verb + "es"
    elif verb.endswith("y") and verb[-2:-1] not in _VOWELS:
        third = verb[:-1] + "ies"
    else:
        third = verb + "s"
    if _doubles_last_letter(verb):
        stem = verb + verb[-1]
    elif verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        stem = verb[:-1]
    else:
        stem = verb
    past = _IRREGULAR_PAST.get(verb) or (verb + "d" if verb.endswith("e") else stem + "ed",)
    return tuple(dict.fromkeys((verb, third, stem + "ing", *past)))


def verb_phrases(entries: tuple[str, ...]) -> list[str]:
    """Catalog phrases for verb entries: "work out" -> "work out", "works out", "working out",
    "worked out"; "to act" -> "to act" only."""
    phrases: list[str] = []
    for entry in entries:
        if entry.startswith(_INFINITIVE):
            phrases.append(entry)
            continue
        verb, *rest = entry.split()
        phrases.extend(" ".join((form, *rest)) for form in verb_forms(verb))
    return phrases

"""Parser rules for who the lessons are for (stated ages, words for people) and for verbs that
name a service ("learn to sing"). Same style as test_parser_rules.py: each case lists every
field it expects, all other fields must be null, so an over-eager parse fails; none of these
queries is in the eval file."""

from __future__ import annotations

from typing import Any

import pytest

from apps.search.parser import parse_query
from apps.search.tests.test_parser_rules import WEDNESDAY, eval_queries, parsed_fields
from apps.search.verbs import verb_forms, verb_phrases
from apps.search.vocabulary import Vocabulary

VOICE = {"service": "voice", "category": "music"}
PIANO = {"service": "piano", "category": "music"}
GUITAR = {"service": "guitar", "category": "music"}
SWIMMING = {"service": "swimming", "category": "sports-fitness"}

# (query, every expected non-null field) with today = Wednesday 2026-11-25.
CASES: list[tuple[str, dict[str, Any]]] = [
    # A stated age of the learner or of the person typing.
    ("I'm 40", {"age_group": "adults"}),
    ("im 16", {"age_group": "teens"}),
    ("i am 35", {"age_group": "adults"}),
    ("I'm sixteen", {"age_group": "teens"}),
    ("I'm a 40 year old beginner", {"age_group": "adults", "skill_level": "beginner"}),
    ("guitar for my son who is 9", {**GUITAR, "age_group": "kids"}),
    ("piano for my daughter (7)", {**PIANO, "age_group": "kids"}),
    ("she's 15 and wants voice lessons", {**VOICE, "age_group": "teens"}),
    ("he is 8, chess lessons", {"service": "chess", "category": "hobbies", "age_group": "kids"}),
    ("35 yo here, looking for boxing", {"service": "boxing", "category": "sports-fitness", "age_group": "adults"}),
    ("swim lessons, my kids are 6 and 9", {**SWIMMING, "age_group": "kids"}),
    (
        "tennis for my daughter, she just turned 13",
        {"service": "tennis", "category": "sports-fitness", "age_group": "teens"},
    ),
    ("music class for my son, 18 months", {"category": "music", "age_group": "toddler"}),
    ("I'm in my 40s and want to learn salsa", {"service": "salsa", "category": "dance", "age_group": "adults"}),
    ("age: 7 chess", {"service": "chess", "category": "hobbies", "age_group": "kids"}),
    ("grade 5 math", {"service": "math", "category": "tutoring", "age_group": "kids"}),
    ("fifth grade reading help", {"service": "reading", "category": "tutoring", "age_group": "kids"}),
    ("chemistry tutor for grade 10", {"service": "chemistry", "category": "tutoring", "age_group": "teens"}),
    # Numbers that are not ages.
    ("I'm free at 4", {"time_from": "16:00", "time_to": "17:00"}),
    ("im in 11215", {}),
    ("piano $40", {**PIANO, "max_price_cents": 4000}),
    ("guitar at 6", {**GUITAR, "time_from": "18:00", "time_to": "19:00"}),
    ("40 minutes piano lessons", PIANO),
    ("2 hours of tennis", {"service": "tennis", "category": "sports-fitness"}),
    ("top 10 piano teachers", PIANO),
    ("I'm new to yoga", {"service": "yoga", "category": "sports-fitness"}),
    ("I'm 5 minutes from park slope", {"location": "Park Slope"}),
    ("swim for my son 3 times a week", SWIMMING),
    ("piano for my daughter at 7", {**PIANO, "time_from": "19:00", "time_to": "20:00"}),
    ("swim for kids 4-6pm", {**SWIMMING, "age_group": "kids", "time_from": "16:00", "time_to": "18:00"}),
    # Words for adults.
    ("guitar lessons for my husband", {**GUITAR, "age_group": "adults"}),
    ("piano for my grandma", {**PIANO, "age_group": "adults"}),
    ("yoga for my wife", {"service": "yoga", "category": "sports-fitness", "age_group": "adults"}),
    ("boxing with my boyfriend", {"service": "boxing", "category": "sports-fitness", "age_group": "adults"}),
    ("cooking class for my mom and dad", {"service": "cooking", "category": "hobbies", "age_group": "adults"}),
    ("spanish for my mother-in-law", {"service": "spanish", "category": "languages", "age_group": "adults"}),
    ("chess for my coworker", {"service": "chess", "category": "hobbies", "age_group": "adults"}),
    ("salsa with my fiancée", {"service": "salsa", "category": "dance", "age_group": "adults"}),
    ("tennis for my partner", {"service": "tennis", "category": "sports-fitness", "age_group": "adults"}),
    ("golf lessons for my boss", {"service": "golf", "category": "sports-fitness", "age_group": "adults"}),
    ("pottery with my best friend", {"service": "pottery", "category": "arts", "age_group": "adults"}),
    ("french for my grandparents", {"service": "french", "category": "languages", "age_group": "adults"}),
    # Words for children: an age only when the word says one.
    ("piano for my son", PIANO),
    ("tutor for my daughter", {"category": "tutoring"}),
    ("drums for my kid", {"service": "drums", "category": "music", "age_group": "kids"}),
    ("ballet for my little girl", {"service": "ballet", "category": "dance"}),
    ("math tutor for my nephew", {"service": "math", "category": "tutoring"}),
    ("swim lessons for my toddler", {**SWIMMING, "age_group": "toddler"}),
    ("music for my baby", {"category": "music", "age_group": "toddler"}),
    ("sat prep for my teenage son", {"service": "sat-prep", "category": "tutoring", "age_group": "teens"}),
    ("my 6 year old daughter wants ballet", {"service": "ballet", "category": "dance", "age_group": "kids"}),
    ("mommy and me music class", {"category": "music", "age_group": "toddler"}),
    ("I'm a mom of two looking for piano for my kids", {**PIANO, "age_group": "kids"}),
    ("yoga for elderly", {"service": "yoga", "category": "sports-fitness", "age_group": "adults"}),
    # People words inside catalog phrases are not ages.
    ("partner dancing", {"service": "ballroom", "category": "dance"}),
    ("father daughter dance", {"service": "wedding-dance", "category": "dance"}),
    # Verbs that name a service or a category, in their forms and with typos.
    ("learn to sing", VOICE),
    ("want to sing", VOICE),
    ("my son sings", VOICE),
    ("lern to singg", VOICE),
    ("never sang before", {**VOICE, "skill_level": "beginner"}),
    ("learn to meditate", {"service": "meditation", "category": "sports-fitness"}),
    ("learn to meditat", {"service": "meditation", "category": "sports-fitness"}),
    ("learn to act", {"service": "acting", "category": "arts"}),
    ("act tutor", {"service": "act-prep", "category": "tutoring"}),
    ("learn to code", {"service": "coding", "category": "tutoring"}),
    ("learn to program", {"service": "coding", "category": "tutoring"}),
    ("after school program in harlem", {"location": "Harlem", "time_from": "15:00", "time_to": "18:00"}),
    ("learn to draw", {"service": "drawing", "category": "arts"}),
    ("learn to paint", {"service": "painting", "category": "arts"}),
    ("learn to cook", {"service": "cooking", "category": "hobbies"}),
    ("learn to bake", {"service": "baking", "category": "hobbies"}),
    ("learn to box", {"service": "boxing", "category": "sports-fitness"}),
    ("learn to skate", {"service": "ice-skating", "category": "sports-fitness"}),
    ("learn to knit", {"service": "knitting", "category": "hobbies"}),
    ("learn to sew", {"service": "sewing", "category": "hobbies"}),
    ("learn to climb", {"service": "climbing", "category": "sports-fitness"}),
    ("learn to fence", {"service": "fencing", "category": "sports-fitness"}),
    ("learn to juggle", {}),
    ("learn to play the piano", PIANO),
    ("learn to speak spanish", {"service": "spanish", "category": "languages"}),
    ("speak better english", {"service": "esl", "category": "languages"}),
    ("learn to dance", {"category": "dance"}),
    ("never danced", {"category": "dance", "skill_level": "beginner"}),
    ("learn to read", {"service": "reading", "category": "tutoring"}),
    ("learn to write", {"service": "writing", "category": "tutoring"}),
    ("learn to dj", {"service": "dj", "category": "music"}),
    ("working out in brooklyn", {"service": "personal-training", "category": "sports-fitness", "location": "Brooklyn"}),
    # Together.
    ("learn to sing for my husband in brooklyn", {**VOICE, "age_group": "adults", "location": "Brooklyn"}),
    ("im 16 and want drum lessons", {"service": "drums", "category": "music", "age_group": "teens"}),
    ("piano lessons for kids in brooklyn", {**PIANO, "age_group": "kids", "location": "Brooklyn"}),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[query for query, _ in CASES])
def test_people_and_verbs_case(query: str, expected: dict[str, Any], vocabulary: Vocabulary) -> None:
    assert parsed_fields(parse_query(query, vocabulary=vocabulary, today=WEDNESDAY)) == expected


def test_people_cases_are_not_eval_cases() -> None:
    assert len(CASES) >= 40
    assert not eval_queries() & {query.lower() for query, _ in CASES}


def test_words_for_people_and_verbs_are_not_left_unparsed(vocabulary: Vocabulary) -> None:
    parsed = parse_query("she's 15, wants to sing with her grandpa", vocabulary=vocabulary, today=WEDNESDAY)
    assert (parsed.service, parsed.age_group) == ("voice", "teens")
    assert parsed.unparsed == []


def test_verb_forms_follow_english_spelling() -> None:
    assert verb_forms("bake") == ("bake", "bakes", "baking", "baked")
    assert verb_forms("knit") == ("knit", "knits", "knitting", "knitted")
    assert verb_forms("box") == ("box", "boxes", "boxing", "boxed")
    assert verb_forms("sew") == ("sew", "sews", "sewing", "sewed")
    assert verb_forms("sing") == ("sing", "sings", "singing", "sang", "sung")
    assert verb_forms("embroider") == ("embroider", "embroiders", "embroidering", "embroidered")


def test_verb_phrases_inflect_the_first_word_and_keep_infinitives() -> None:
    assert verb_phrases(("work out", "to act")) == ["work out", "works out", "working out", "worked out", "to act"]

"""The demo's review history: its phrases never trip the automatic flags (the history is
inserted without running them), and its star sets average to the drawn quality."""

from __future__ import annotations

import random

import pytest

from apps.reviews.demo import QUALITY, SORRY, TEXTS, THANKS, _review_count, _stars
from apps.reviews.moderation import text_flags


@pytest.mark.parametrize("first", ["Ana", "Yusuf", "Ximena"])
@pytest.mark.parametrize("service", ["piano", "sat prep", "hip-hop", "english (esl)"])
def test_the_phrase_bank_is_clean(first: str, service: str) -> None:
    texts = [text.format(first=first, service=service) for phrases in TEXTS.values() for text in phrases]
    assert [text for text in texts if text_flags(text)] == []
    assert [reply for reply in (*THANKS, *SORRY) if text_flags(reply, reply=True)] == []


def test_star_sets_average_between_3_8_and_5() -> None:
    rng = random.Random(2026)
    for _ in range(500):
        count = _review_count(rng)
        stars = _stars(rng, count)
        assert 3 <= count <= 20
        assert len(stars) == count
        assert all(2 <= star <= 5 for star in stars)
        assert QUALITY[0] <= sum(stars) / count <= QUALITY[1]

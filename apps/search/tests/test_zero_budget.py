"""A budget of $0 (max_price_cents=0) is a valid search: nobody fits it, so the price is
relaxed and everyone above it scores no price fit (it divided by the budget: a 500)."""

from __future__ import annotations

import pytest
import time_machine

from apps.search.ranking import price_signal
from apps.search.tests.helpers import NOW, TOMORROW, free, teacher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]


def test_price_fit_above_a_zero_budget_is_zero() -> None:
    assert (price_signal(0, None, 0), price_signal(5000, None, 0), price_signal(5000, 0, 0)) == (1.0, 0.0, 0.0)


@time_machine.travel(NOW, tick=False)
def test_search_with_a_zero_budget_relaxes_the_price(client) -> None:
    ana = free(teacher("Ana Alvarez", studio=9000, at="park-slope"), TOMORROW, ("16:00", "18:00"))
    response = client.get("/api/v1/search", {"q": "piano", "max_price_cents": 0})
    assert response.status_code == 200
    body = response.json()
    assert (body["query"]["max_price_cents"], body["relaxed"]) == (0, ["price"])
    assert [(r["instructor_id"], r["rate_cents"], r["relaxed"]) for r in body["results"]] == [(ana.pk, 9000, ["price"])]

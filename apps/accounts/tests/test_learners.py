from __future__ import annotations

import pytest

from apps.accounts.models import Learner
from apps.accounts.tests.factories import LearnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog")]


def test_student_adds_lists_and_removes_learners_through_the_api(client, student) -> None:
    client.force_login(student)
    created = client.post(
        "/api/v1/me/learners", {"first_name": " Maya ", "age_group": "kids"}, content_type="application/json"
    )
    assert created.status_code == 201
    learner_id = created.json()["id"]
    assert created.json() == {"id": learner_id, "first_name": "Maya", "age_group": "kids"}
    assert client.get("/api/v1/me/learners").json() == [created.json()]
    duplicate = client.post(
        "/api/v1/me/learners", {"first_name": "Maya", "age_group": "teens"}, content_type="application/json"
    )
    assert duplicate.status_code == 422
    assert duplicate.json()["error"]["fields"] == {"first_name": ["You already have a learner with that name."]}
    assert client.delete(f"/api/v1/me/learners/{learner_id}").status_code == 204
    assert not Learner.objects.exists()


def test_someone_elses_learner_is_not_found_and_untouched(client, student, other_student) -> None:
    theirs = LearnerFactory.create(parent=other_student, first_name="Theo")
    client.force_login(student)
    assert client.delete(f"/api/v1/me/learners/{theirs.pk}").status_code == 404
    assert client.post(f"/account/settings/learners/{theirs.pk}/delete/").status_code == 404
    assert Learner.objects.filter(pk=theirs.pk).exists()
    assert client.get("/api/v1/me/learners").json() == []


def test_instructors_cannot_add_learners(client, instructor) -> None:
    client.force_login(instructor)
    response = client.post(
        "/api/v1/me/learners", {"first_name": "Kid", "age_group": "kids"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert client.get("/account/settings/learners/").status_code == 404
    assert not Learner.objects.exists()


def test_learners_page_adds_and_shows_field_errors(client, student) -> None:
    client.force_login(student)
    page = client.get("/account/settings/learners/").content.decode()
    # No age group is picked for the parent (no silent Toddlers); each says its ages.
    assert '<option value="" selected>Choose an age group</option>' in page
    assert '<option value="toddler">Toddlers, 1–4</option>' in page
    response = client.post("/account/settings/learners/", {"first_name": "", "age_group": ""})
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "first_name": ["Enter the learner's first name."],
        "age_group": ["Choose the learner's age group."],
    }
    assert not Learner.objects.exists()
    response = client.post("/account/settings/learners/", {"first_name": "Leo", "age_group": "toddler"}, follow=True)
    assert response.status_code == 200
    assert "Leo is added." in response.content.decode()
    assert list(Learner.objects.values_list("first_name", "age_group_id")) == [("Leo", "toddler")]


def test_profile_update_validates_and_changes_nothing_on_bad_input(client, student) -> None:
    client.force_login(student)
    bad = client.patch("/api/v1/me", {"timezone": "Mars/Olympus", "zip_code": "ABC"}, content_type="application/json")
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"timezone", "zip_code"}
    student.refresh_from_db()
    assert (student.timezone, student.zip_code) == ("America/New_York", "")
    good = client.patch("/api/v1/me", {"zip_code": "11215", "phone": "(718) 555-0100"}, content_type="application/json")
    assert good.status_code == 200
    assert (good.json()["zip_code"], good.json()["phone"]) == ("11215", "(718) 555-0100")


def test_profile_page_saves(client, student) -> None:
    client.force_login(student)
    response = client.post(
        "/account/settings/profile/",
        {"first_name": "Sam", "last_name": "S", "phone": "", "timezone": "America/Chicago", "zip_code": "10001"},
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert (student.timezone, student.zip_code) == ("America/Chicago", "10001")


@pytest.mark.usefixtures("gazetteer")
def test_addresses_api(client, student, other_student, instructor) -> None:
    client.force_login(student)
    created = client.post(
        "/api/v1/me/addresses",
        {"label": "Home", "street": "123 5th Ave, Apt 2", "neighborhood": "park-slope"},
        content_type="application/json",
    )
    assert created.status_code == 201
    address_id = created.json()["id"]
    assert created.json() == {
        "id": address_id, "label": "Home", "street": "123 5th Ave, Apt 2", "neighborhood": "park-slope",
        "neighborhood_name": "Park Slope", "borough": "Brooklyn",
    }  # fmt: skip
    bad = client.post(
        "/api/v1/me/addresses", {"street": " ", "neighborhood": "atlantis"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"street", "neighborhood"}
    client.force_login(other_student)
    assert client.delete(f"/api/v1/me/addresses/{address_id}").status_code == 404
    client.force_login(instructor)
    forbidden = client.post(
        "/api/v1/me/addresses", {"street": "1 Main St", "neighborhood": "park-slope"}, content_type="application/json"
    )
    assert forbidden.status_code == 403
    client.force_login(student)
    assert [a["id"] for a in client.get("/api/v1/me/addresses").json()] == [address_id]
    assert client.delete(f"/api/v1/me/addresses/{address_id}").status_code == 204

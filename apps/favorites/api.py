"""Saved-teacher endpoints: my teachers with their next open times, save and remove. Save
(PUT) and remove (DELETE) are idempotent; the path names the teacher and the list is always
the caller's own, so nobody can reach another student's saved teachers."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.errors import PermissionDenied
from apps.favorites.selectors import SavedTeacher, saved_teacher_list
from apps.favorites.services import favorite_add, favorite_remove

router = Router(tags=["favorites"])


class OpenTimeOut(Schema):
    starts_at: dt.datetime
    label: str = Field(description="In the student's time zone, e.g. 'Tue 8 Dec, 4:00 pm'.")
    book_url: str


class SavedTeacherOut(Schema):
    instructor_id: int
    slug: str
    name: str
    saved_at: dt.datetime
    service: str | None = Field(
        description="The lesson the times are for: the last one booked, else the first offered."
    )
    next_times: list[OpenTimeOut] = Field(description="Up to 3 open starts in the next two weeks.")
    book_again_url: str | None = Field(description="The booking sheet with the last lesson booked; null before one.")


class SavedOut(Schema):
    instructor_id: int
    saved_at: dt.datetime


def _teacher(teacher: SavedTeacher) -> SavedTeacherOut:
    return SavedTeacherOut(
        instructor_id=teacher.profile.pk, slug=teacher.profile.slug, name=teacher.profile.display_name,
        saved_at=teacher.saved_at, service=teacher.choice.offering.service.slug if teacher.choice else None,
        next_times=[OpenTimeOut(starts_at=dt.datetime.fromisoformat(t["starts_at"]), label=t["label"], book_url=t["book_url"]) for t in teacher.next_times],
        book_again_url=teacher.book_again_url or None,
    )  # fmt: skip


@router.get(
    "/me/favorites", response={200: list[SavedTeacherOut], **error_responses(401, 403)}, summary="My saved teachers"
)
def favorites(request: HttpRequest) -> list[SavedTeacherOut]:
    """Newest first (up to 100 live teachers). Students only (403 for instructors)."""
    user = api_user(request)
    if not user.is_student:
        raise PermissionDenied("Only students save teachers.")
    return [_teacher(t) for t in saved_teacher_list(user=user, now=timezone.now())]


@router.put(
    "/me/favorites/{instructor_id}",
    response={200: SavedOut, **error_responses(401, 403, 404)},
    summary="Save a teacher",
)
def favorite_save(request: HttpRequest, instructor_id: int) -> SavedOut:
    """Idempotent: saving a saved teacher answers the same row. 404 for an instructor who is
    not live; 403 for instructors (only students save teachers)."""
    favorite = favorite_add(actor=api_user(request), instructor_id=instructor_id, now=timezone.now())
    return SavedOut(instructor_id=favorite.instructor_id, saved_at=favorite.created_at)


@router.delete(
    "/me/favorites/{instructor_id}", response={204: None, **error_responses(401, 403)}, summary="Remove a saved teacher"
)
def favorite_unsave(request: HttpRequest, instructor_id: int) -> Status[None]:
    """Idempotent: 204 whether or not the teacher was saved. 403 for instructors."""
    favorite_remove(actor=api_user(request), instructor_id=instructor_id)
    return Status(204, None)

"""What keeps the listing index current (listing.py): every model save or delete that changes
what search shows of an instructor reports that instructor. Signals rather than calls in each
service, so that the admin, the services and the test factories are all covered by one rule;
the two services that write in bulk (which sends no signals) report by calling
`listing_changed` themselves."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from apps.instructors.models import InstructorProfile, Offering, ServiceArea
from apps.reviews.models import InstructorRating
from apps.search.listing import listing_changed


def _profile_saved(sender: Any, instance: InstructorProfile, **kwargs: Any) -> None:
    listing_changed([instance.pk])


def _offering_saved(sender: Any, instance: Offering | ServiceArea, **kwargs: Any) -> None:
    listing_changed([instance.profile_id])


def _rating_saved(sender: Any, instance: InstructorRating, **kwargs: Any) -> None:
    listing_changed([instance.instructor_id])


def _age_groups_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:  # offering.age_groups.add(...)
        listing_changed([instance.profile_id])
    elif pk_set:  # age_group.offerings.add(...)
        listing_changed(Offering.objects.filter(pk__in=pk_set).values_list("profile_id", flat=True))


def listing_signals_connect() -> None:
    for signal, when in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(_profile_saved, sender=InstructorProfile, dispatch_uid=f"listing-profile-{when}")
        signal.connect(_offering_saved, sender=Offering, dispatch_uid=f"listing-offering-{when}")
        signal.connect(_offering_saved, sender=ServiceArea, dispatch_uid=f"listing-area-{when}")
        signal.connect(_rating_saved, sender=InstructorRating, dispatch_uid=f"listing-rating-{when}")
    m2m_changed.connect(_age_groups_changed, sender=Offering.age_groups.through, dispatch_uid="listing-age-groups")

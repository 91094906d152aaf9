from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import Learner, User


def learner_list(*, parent: User) -> QuerySet[Learner]:
    return Learner.objects.filter(parent=parent).select_related("age_group")

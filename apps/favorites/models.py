from __future__ import annotations

from django.conf import settings
from django.db import models


class Favorite(models.Model):
    """A student saved an instructor ("My teachers"). One row per pair: saving twice is a no-op."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites")
    instructor = models.ForeignKey("instructors.InstructorProfile", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["student", "instructor"], name="favorite_unique_pair")]

    def __str__(self) -> str:
        return f"{self.student_id} ♥ {self.instructor_id}"

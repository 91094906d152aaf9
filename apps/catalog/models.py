from __future__ import annotations

from django.db import models


class AgeGroup(models.Model):
    slug = models.SlugField(primary_key=True, max_length=20)
    name = models.CharField(max_length=40)
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order"]

    def __str__(self) -> str:
        return self.name

    @property
    def age_range(self) -> str:
        return f"{self.min_age}+" if self.max_age is None else f"{self.min_age}–{self.max_age}"

    @property
    def label(self) -> str:
        """'Kids, 5–12': how a list of age groups names each one, so nobody guesses the ages."""
        return f"{self.name}, {self.age_range}"


class Category(models.Model):
    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(max_length=80)
    subtitle = models.CharField(max_length=200, blank=True)
    icon = models.CharField(max_length=40, blank=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="services")
    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(max_length=80)
    search_terms = models.JSONField(default=list, blank=True)
    eligible_age_groups = models.ManyToManyField(AgeGroup, related_name="services", blank=True)
    online_capable = models.BooleanField(default=True)
    default_duration_minutes = models.PositiveSmallIntegerField(default=60)
    display_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category__display_order", "display_order", "name"]

    def __str__(self) -> str:
        return self.name

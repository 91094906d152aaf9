"""The NYC gazetteer: boroughs and neighborhoods with coordinates and the aliases people type."""

from __future__ import annotations

from django.db import models


class Borough(models.Model):
    slug = models.SlugField(unique=True, max_length=40)
    name = models.CharField(max_length=60, unique=True)
    lat = models.FloatField()
    lon = models.FloatField()
    aliases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Neighborhood(models.Model):
    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(max_length=80)
    borough = models.ForeignKey(Borough, on_delete=models.PROTECT, related_name="neighborhoods")
    lat = models.FloatField()
    lon = models.FloatField()
    aliases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["borough__name", "name"]
        constraints = [models.UniqueConstraint(fields=["borough", "name"], name="neighborhood_unique_per_borough")]

    def __str__(self) -> str:
        return f"{self.name}, {self.borough.name}"

from typing import Any

from django.core.cache import cache
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PlatformConfig(models.Model):
    """The business numbers staff may tune in the admin (one row). Code reads them through
    `platform_config()`, never as literals."""

    min_rate_in_person_cents = models.PositiveIntegerField(default=8000, help_text="Hourly floor, studio and travel.")
    min_rate_online_cents = models.PositiveIntegerField(default=6000, help_text="Hourly floor, online.")
    max_rate_cents = models.PositiveIntegerField(default=100_000, help_text="Hourly ceiling, every format.")
    default_buffer_minutes = models.PositiveSmallIntegerField(default=15)
    default_travel_buffer_minutes = models.PositiveSmallIntegerField(default=60)
    rating_visible_min_reviews = models.PositiveSmallIntegerField(default=3, help_text='Below this, profiles say "New".')

    class Meta:
        verbose_name = "platform configuration"
        verbose_name_plural = "platform configuration"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="platform_config_single_row")]

    def __str__(self) -> str:
        return "Platform configuration"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(PLATFORM_CONFIG_CACHE_KEY)


PLATFORM_CONFIG_CACHE_KEY = "platform-config:v1"


def platform_config() -> PlatformConfig:
    """The configuration row, cached; created with the defaults on first use."""
    config: PlatformConfig | None = cache.get(PLATFORM_CONFIG_CACHE_KEY)
    if config is None:
        config, _ = PlatformConfig.objects.get_or_create(pk=1)
        cache.set(PLATFORM_CONFIG_CACHE_KEY, config, 300)
    return config

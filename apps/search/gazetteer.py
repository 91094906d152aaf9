"""Loading the gazetteer files and the geometry used with it."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from apps.search.models import Borough, Neighborhood

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine): exact enough at city scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _aliases(raw: str) -> list[str]:
    return [alias.strip().lower() for alias in raw.split("|") if alias.strip()]


@dataclass(frozen=True)
class GazetteerLoadResult:
    boroughs: int
    neighborhoods: int


@transaction.atomic
def gazetteer_load(*, data_dir: Path) -> GazetteerLoadResult:
    """Upsert boroughs and neighborhoods from the CSV files, keyed by slug (idempotent)."""
    boroughs: dict[str, Borough] = {}
    with (data_dir / "nyc_boroughs.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            borough, _ = Borough.objects.update_or_create(
                slug=slugify(row["name"]),
                defaults={
                    "name": row["name"],
                    "lat": float(row["lat"]),
                    "lon": float(row["lon"]),
                    "aliases": _aliases(row["aliases"]),
                },
            )
            boroughs[borough.name] = borough
    count = 0
    with (data_dir / "nyc_neighborhoods.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            borough = boroughs[row["borough"]]
            Neighborhood.objects.update_or_create(
                slug=slugify(row["name"]),  # names are unique city-wide in the gazetteer
                defaults={
                    "name": row["name"],
                    "borough": borough,
                    "lat": float(row["lat"]),
                    "lon": float(row["lon"]),
                    "aliases": _aliases(row["aliases"]),
                },
            )
            count += 1
    return GazetteerLoadResult(boroughs=len(boroughs), neighborhoods=count)

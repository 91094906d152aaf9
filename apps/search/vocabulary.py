"""What the parser can recognize: catalog services and categories, NYC places.

`Vocabulary` is plain data plus lookup indexes built once in `__post_init__`, so every
`parse_query` call only does dictionary lookups. Builders are separate from matching:
`vocabulary_from_files` reads the shared data files; a DB-backed builder can produce the
same `Vocabulary` from the catalog models.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from apps.search.index import VocabularyIndex, build_index

PlaceKind = Literal["neighborhood", "borough"]


@dataclass(frozen=True)
class ServiceTerm:
    slug: str
    name: str
    category_slug: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class CategoryTerm:
    slug: str
    name: str


@dataclass(frozen=True)
class Place:
    name: str
    borough: str
    kind: PlaceKind
    lat: float
    lon: float
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    services: tuple[ServiceTerm, ...]
    categories: tuple[CategoryTerm, ...]
    places: tuple[Place, ...]
    index: VocabularyIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen, so the derived index is attached with object.__setattr__ exactly once.
        object.__setattr__(self, "index", build_index(self.services, self.categories, self.places))

    def service(self, slug: str) -> ServiceTerm:
        return self.services[self.index.service_positions[slug]]


def vocabulary_from_files(catalog_path: Path, neighborhoods_path: Path, boroughs_path: Path) -> Vocabulary:
    """Build the vocabulary from catalog.json, nyc_neighborhoods.csv and nyc_boroughs.csv."""
    catalog: dict[str, Any] = json.loads(catalog_path.read_text(encoding="utf-8"))
    categories: list[CategoryTerm] = []
    services: list[ServiceTerm] = []
    for category in catalog["categories"]:
        categories.append(CategoryTerm(slug=category["slug"], name=category["name"]))
        for service in category["services"]:
            services.append(
                ServiceTerm(
                    slug=service["slug"],
                    name=service["name"],
                    category_slug=category["slug"],
                    terms=tuple(service.get("search_terms", ())),
                )
            )
    places = [*_read_places(boroughs_path, kind="borough"), *_read_places(neighborhoods_path, kind="neighborhood")]
    return Vocabulary(services=tuple(services), categories=tuple(categories), places=tuple(places))


def _read_places(path: Path, *, kind: PlaceKind) -> list[Place]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Place(
            name=row["name"].strip(),
            # The borough file has no borough column: a borough is its own borough.
            borough=(row.get("borough") or row["name"]).strip(),
            kind=kind,
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            aliases=tuple(alias.strip() for alias in (row.get("aliases") or "").split("|") if alias.strip()),
        )
        for row in rows
    ]

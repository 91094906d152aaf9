"""Public pages: browse a category and a service, Kids discovery, instructor profiles.

Each view parses the query string, calls one selector and renders. List pages answer HTMX
requests with just the region named by `HX-Target` (and push a clean URL), so filters and
chips swap in place, while the same URL always renders the full page: state lives in the
URL, so Back and reload show what the visitor chose.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from apps.core.public_cache import public_read
from apps.favorites.templatetags.favorites_tags import (
    SAVE_BUTTON_SLOTS,
    SaveButtonSlot,
    save_buttons_fill,
    save_buttons_for_visitors,
)
from apps.instructors.cards import InstructorCard
from apps.instructors.models import MAX_RATE_CENTS
from apps.instructors.selectors import (
    KIDS_AGE_GROUP,
    InstructorFilters,
    KidsBrowse,
    ServiceBrowse,
    category_browse_get,
    instructor_public_get,
    kids_browse,
    service_browse_get,
)
from apps.instructors.states import Format
from apps.instructors.templatetags.instructor_tags import format_label, money
from apps.reviews.selectors import instructor_reviews_page
from apps.search.page import SORT_LABELS as SEARCH_SORT_LABELS

# A response differs by these request headers (a partial for HTMX, the full page otherwise):
# without Vary a browser could show a cached partial when the visitor goes Back.
HTMX_VARY = ("HX-Request", "HX-Target", "HX-History-Restore-Request")
PARTIAL = "instructors/public/_partial.html"
SERVICE_PARTIALS = {
    "results": "instructors/public/_service_results.html",
    "browse": "instructors/public/_service_browse.html",
}
CATEGORY_RESULTS = "instructors/public/_category_results.html"
KIDS_PARTIALS = {"kids-browse": "instructors/public/_kids_browse.html"}
MAX_PRICE_DOLLARS = MAX_RATE_CENTS // 100
# The search page's orders, and the best rated first.
SORT_LABELS = {**SEARCH_SORT_LABELS, "rating": "Top rated"}
DEFAULT_SORT = "best"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class SortForm(forms.Form):
    """The order of a list page's cards; an unknown value falls back to the best match."""

    sort = forms.ChoiceField(required=False, choices=list(SORT_LABELS.items()), label="Sort by")

    def chosen(self) -> str:
        return (self.cleaned_data.get("sort") if self.is_valid() else None) or DEFAULT_SORT


class BrowseFilterForm(SortForm):
    """The service page's filters, as GET parameters. Prices are whole dollars per hour."""

    min_price = forms.IntegerField(required=False, min_value=0, max_value=MAX_PRICE_DOLLARS, label="Min price ($/h)")
    max_price = forms.IntegerField(required=False, min_value=0, max_value=MAX_PRICE_DOLLARS, label="Max price ($/h)")
    format = forms.ChoiceField(required=False, choices=[("", "Any format"), *Format.choices], label="Format")
    # Age groups and boroughs come from the database; the selector ignores unknown slugs.
    age = forms.SlugField(required=False, max_length=20, label="Age group")
    borough = forms.SlugField(required=False, max_length=40, label="Borough")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", "Make the maximum at least the minimum.")
        return cleaned

    def filters(self) -> InstructorFilters:
        """The valid fields only: a bad value shows an error and filters nothing."""
        self.is_valid()
        data = self.cleaned_data
        low, high = data.get("min_price"), data.get("max_price")
        return InstructorFilters(
            format=data.get("format") or None,
            age_group=data.get("age") or None,
            borough=data.get("borough") or None,
            min_price_cents=None if low is None else low * 100,
            max_price_cents=None if high is None else high * 100,
        )


@dataclass(frozen=True)
class FilterChip:
    """An active filter, shown as a chip that changes or removes it; `count` is set in the empty state
    (how many instructors the visitor would see without it)."""

    name: str
    label: str
    url: str
    count: int | None = None

    @property
    def field_id(self) -> str:
        """The filter form's field that changes this filter (the chip's label opens it)."""
        return "filter-min_price" if self.name == "price" else f"filter-{self.name}"


@dataclass(frozen=True)
class KidsChip:
    label: str
    slug: str
    url: str
    selected: bool


def _partial_target(request: HtmxHttpRequest) -> str | None:
    # A history-restore request (htmx's cache missed on Back) needs the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        return request.htmx.target
    return None


def _render(request: HtmxHttpRequest, template: str, context: dict[str, Any], partials: dict[str, str]) -> HttpResponse:
    target = _partial_target(request)
    if target in partials:
        response = render(request, PARTIAL, {**context, "partial_template": partials[target]})
        return push_url(response, context["canonical_url"])
    return render(request, template, context)


def _url(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def _filter_params(filters: InstructorFilters, *, kids: bool, sort: str) -> dict[str, str]:
    """The applied filters and sort as clean GET parameters (no empty or default ones), in the
    form's order."""
    values = {
        "min_price": None if filters.min_price_cents is None else str(filters.min_price_cents // 100),
        "max_price": None if filters.max_price_cents is None else str(filters.max_price_cents // 100),
        "format": filters.format,
        "age": None if kids else filters.age_group,
        "borough": filters.borough,
        "sort": None if sort == DEFAULT_SORT else sort,
    }
    return {key: value for key, value in values.items() if value}


def _price_label(filters: InstructorFilters) -> str:
    low, high = filters.min_price_cents, filters.max_price_cents
    if low is not None and high is not None:
        return f"{money(low)}–{money(high)}/h"
    return f"From {money(low)}/h" if low is not None else f"Up to {money(high)}/h"


def _filter_chips(browse: ServiceBrowse, path: str, params: dict[str, str], *, kids: bool) -> list[FilterChip]:
    filters = browse.filters
    labels: dict[str, str] = {}
    if filters.min_price_cents is not None or filters.max_price_cents is not None:
        labels["price"] = _price_label(filters)
    if filters.format:
        labels["format"] = format_label(filters.format)
    if filters.age_group and not kids:
        labels["age"] = next(str(a) for a in browse.age_groups if a.slug == filters.age_group)
    if filters.borough:
        labels["borough"] = next(b.name for b in browse.boroughs if b.slug == filters.borough)
    counts = {relaxation.name: relaxation.count for relaxation in browse.relaxations}
    removes = {"price": ("min_price", "max_price")}
    return [
        FilterChip(
            name=name,
            label=label,
            url=_url(path, {k: v for k, v in params.items() if k not in removes.get(name, (name,))}),
            count=counts.get(name),
        )
        for name, label in labels.items()
    ]


def _page_urls(page: Page[InstructorCard], path: str, params: dict[str, str]) -> tuple[str | None, str | None]:
    def at(number: int) -> str:
        return _url(path, {**params, "page": str(number)} if number > 1 else params)

    previous = at(page.previous_page_number()) if page.has_previous() else None
    following = at(page.next_page_number()) if page.has_next() else None
    return previous, following


def _service_context(
    request: HtmxHttpRequest, browse: ServiceBrowse, form: BrowseFilterForm, *, kids: bool
) -> dict[str, Any]:
    path = request.path
    params = _filter_params(browse.filters, kids=kids, sort=browse.sort)
    service, category = browse.service, browse.service.category
    previous_url, next_url = _page_urls(browse.page, path, params)
    page_params = {**params, "page": str(browse.page.number)} if browse.page.number > 1 else params
    all_ages_path = reverse("instructors_public:service", args=[category.slug, service.slug])
    chips = _filter_chips(browse, path, params, kids=kids)
    count = browse.page.paginator.count
    return {
        "browse": browse,
        "sorts": _sort_options(browse.sort),
        "sort_hidden": [(key, value) for key, value in params.items() if key != "sort"],
        "service": service,
        "category": category,
        "form": form,
        "kids": kids,
        "page_path": path,
        "canonical_url": _url(path, page_params),
        "chips": chips,
        # Only filters whose removal would show someone are worth suggesting.
        "suggestions": [chip for chip in chips if chip.count],
        "status": f"{count} instructor{pluralize(count)} found" if count else "No instructors match these filters",
        "kids_age_group": next((a for a in browse.age_groups if a.slug == KIDS_AGE_GROUP), None),
        "clear_url": path,
        "previous_url": previous_url,
        "next_url": next_url,
        "all_ages_url": _url(all_ages_path, params) if kids else None,
        "category_url": reverse("instructors_public:category", args=[category.slug]),
        "kids_category_url": _url(reverse("instructors_public:kids"), {"category": category.slug}),
    }


def _service_response(
    request: HtmxHttpRequest, *, service_slug: str, category_slug: str | None, kids: bool
) -> HttpResponse:
    form = BrowseFilterForm(request.GET, auto_id="filter-%s")
    browse = service_browse_get(
        service_slug=service_slug,
        category_slug=category_slug,
        filters=form.filters(),
        sort=form.chosen(),
        page_number=request.GET.get("page"),
        now=timezone.now(),
        kids=kids,
    )
    if browse is None:
        raise Http404("No such service here.")
    context = _service_context(request, browse, form, kids=kids)
    return _render(request, "instructors/public/service.html", context, SERVICE_PARTIALS)


@dataclass(frozen=True)
class CategoryFragments:
    """What a category page shows every visitor alike, rendered once per minute (or write):
    HTML, not the browse it came from (unpickling every ranked match and rendering the 20
    cards again cost ~20 ms a view)."""

    name: str
    canonical_url: str
    status: str
    intro_html: str  # the page's body above the results
    results_html: str  # the region sort and page links swap
    save_buttons: tuple[SaveButtonSlot, ...]  # the cards' hearts, the viewer's own (filled per request)

    def for_visitors(self) -> CategoryFragments:
        """The page with a logged-out visitor's hearts filled in (log in, then back here):
        the same for every visitor, who are most of a category page's viewers."""
        filled = save_buttons_for_visitors(self.results_html, self.save_buttons, next_url=self.canonical_url)
        return replace(self, results_html=filled, save_buttons=())


def _category_fragments(
    category_slug: str, *, sort: str, page_number: str | None, path: str, minute: datetime
) -> CategoryFragments | None:
    browse = category_browse_get(category_slug, sort=sort, page_number=page_number, now=minute)
    if browse is None:
        return None
    params = {"sort": sort} if sort != DEFAULT_SORT else {}
    page = browse.page
    previous_url, next_url = _page_urls(page, path, params)
    count = page.paginator.count
    save_buttons: list[SaveButtonSlot] = []
    context = {
        "browse": browse,
        "kids_url": _url(reverse("instructors_public:kids"), {"category": category_slug}),
        "page_path": path,
        "sorts": _sort_options(sort),
        "previous_url": previous_url,
        "next_url": next_url,
        SAVE_BUTTON_SLOTS: save_buttons,
    }
    return CategoryFragments(
        name=browse.category.name,
        canonical_url=_url(path, {**params, "page": str(page.number)} if page.number > 1 else params),
        status=f"{count} instructor{pluralize(count)} found" if count else "",
        intro_html=render_to_string("instructors/public/_category_intro.html", context),
        results_html=render_to_string(CATEGORY_RESULTS, context),
        save_buttons=tuple(save_buttons),
    )


@require_safe
@vary_on_headers(*HTMX_VARY)
def category_page(request: HtmxHttpRequest, category_slug: str) -> HttpResponse:
    sort, page_number, path = SortForm(request.GET).chosen(), request.GET.get("page"), request.path
    parts = [path, sort, page_number]

    def fragments(minute: datetime) -> CategoryFragments | None:
        return public_read(
            "category", parts,
            lambda minute: _category_fragments(category_slug, sort=sort, page_number=page_number, path=path, minute=minute),
            now=minute, previous_minute_ok=True,
        )  # fmt: skip

    def for_visitors(minute: datetime) -> CategoryFragments | None:
        shared = fragments(minute)
        return shared.for_visitors() if shared is not None else None

    now = timezone.now()
    if request.user.is_authenticated:
        page = fragments(now)
    else:  # filled for visitors once, from the page every viewer shares
        page = public_read("category:visitor", parts, for_visitors, now=now, previous_minute_ok=True)
    if page is None:
        raise Http404("No such category.")
    results = save_buttons_fill(page.results_html, page.save_buttons, request=request)
    if _partial_target(request) == "results":
        response = render(request, PARTIAL, {"partial_html": results, "status": page.status})
        return push_url(response, page.canonical_url)
    return render(request, "instructors/public/category.html", {"page": page, "results_html": results})


def _sort_options(sort: str) -> list[tuple[str, str, bool]]:
    return [(value, label, value == sort) for value, label in SORT_LABELS.items()]


@require_safe
@vary_on_headers(*HTMX_VARY)
def service_page(request: HtmxHttpRequest, category_slug: str, service_slug: str) -> HttpResponse:
    return _service_response(request, service_slug=service_slug, category_slug=category_slug, kids=False)


@require_safe
@vary_on_headers(*HTMX_VARY)
def kids_service_page(request: HtmxHttpRequest, service_slug: str) -> HttpResponse:
    return _service_response(request, service_slug=service_slug, category_slug=None, kids=True)


@require_safe
@vary_on_headers(*HTMX_VARY)
def kids_page(request: HtmxHttpRequest) -> HttpResponse:
    category = request.GET.get("category", "").strip() or None
    browse = kids_browse(category)
    path = request.path
    context = {
        "browse": browse,
        "canonical_url": _url(path, {"category": category} if category else {}),
        "all_url": path,
        "chips": [
            KidsChip(label=c.name, slug=c.slug, url=_url(path, {"category": c.slug}), selected=c.slug == category)
            for c in browse.categories
        ],
        "unknown_category": category is not None and not browse.groups,
        "status": f"{shown} subject{pluralize(shown)} for kids" if (shown := _service_total(browse)) else "",
    }
    return _render(request, "instructors/public/kids.html", context, KIDS_PARTIALS)


@dataclass(frozen=True)
class ProfileFragments:
    """What a profile page shows every visitor alike, rendered once per minute (or write)."""

    title: str
    slug: str
    display_name: str
    instructor_id: int
    bookable: bool  # lists a lesson (a waitlist can be joined)
    main_html: str
    book_bar_html: str


def _profile_fragments(slug: str) -> ProfileFragments | None:
    profile = instructor_public_get(slug)
    if profile is None:
        return None
    # The newest reviews (one query, none without reviews); the rating rode along with the profile.
    context = {"profile": profile, "reviews": instructor_reviews_page(profile=profile)}
    return ProfileFragments(
        title=f"{profile.display_name} · {profile.headline}" if profile.headline else profile.display_name,
        slug=profile.slug,
        display_name=profile.display_name,
        instructor_id=profile.pk,
        bookable=bool(profile.active_offerings),  # type: ignore[attr-defined]  # instructor_public_get prefetches it
        main_html=render_to_string("instructors/public/_profile_main.html", context),
        book_bar_html=render_to_string("instructors/public/_profile_book_bar.html", context),
    )


@require_safe
def profile_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = public_read(
        "profile", [slug], lambda _minute: _profile_fragments(slug), now=timezone.now(), previous_minute_ok=True
    )
    if page is None:
        raise Http404("No such instructor.")
    return render(request, "instructors/public/profile.html", {"page": page})


def _service_total(browse: KidsBrowse) -> int:
    return sum(len(group.services) for group in browse.groups)

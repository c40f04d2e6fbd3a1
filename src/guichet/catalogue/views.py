"""Catalogue pages: thin, public, no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from guichet.catalogue import selectors
from guichet.catalogue.models import Service
from guichet.eforms.selectors import definition_exists

PAGE_SIZE = 50
SEARCH_LIMIT = 100


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The portal's front page: search box, categories, most used services."""
    return render(
        request,
        "core/home.html",
        {"categories": selectors.category_list(), "most_used": selectors.service_most_used(limit=6)},
    )


@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: selectors.MAX_QUERY_LENGTH].replace("\x00", "").strip()
    category_slug = request.GET.get("category", "")
    category = selectors.category_get(slug=category_slug) if category_slug.isascii() and category_slug else None
    searching = bool(selectors.search_tokens(query))
    results: Sequence[Service] | QuerySet[Service] = (
        selectors.service_search(query=query, language=get_language(), category=category, limit=SEARCH_LIMIT)
        if searching
        else selectors.service_browse(language=get_language(), category=category)
    )
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalogue/service_list.html",
        {
            "query": query,
            "searching": searching,
            "category": category,
            "categories": selectors.category_list(),
            "page": page,
            "count": page.paginator.count,
        },
    )


@require_GET
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = selectors.service_get(slug=slug)
    has_form = service.channel == service.Channel.ONLINE and definition_exists(slug=service.form_definition)
    return render(request, "catalogue/service_detail.html", {"service": service, "has_form": has_form})

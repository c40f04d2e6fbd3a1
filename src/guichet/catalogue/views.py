"""Catalogue pages: thin, public, no JavaScript."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from guichet.catalogue import selectors
from guichet.eforms.selectors import definition_exists

PAGE_SIZE = 50
SEARCH_LIMIT = 100


@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: selectors.MAX_QUERY_LENGTH].replace("\x00", "").strip()
    category_slug = request.GET.get("category", "")
    category = selectors.category_get(slug=category_slug) if category_slug.isascii() and category_slug else None
    searching = bool(selectors.search_tokens(query))
    results = selectors.service_search(
        query=query, language=get_language(), category=category, limit=SEARCH_LIMIT if searching else None
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
            "count": len(results),
        },
    )


@require_GET
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = selectors.service_get(slug=slug)
    has_form = service.channel == service.Channel.ONLINE and definition_exists(slug=service.form_definition)
    return render(request, "catalogue/service_detail.html", {"service": service, "has_form": has_form})

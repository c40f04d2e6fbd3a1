"""The privacy centre: what is processed about you, and who accessed it (P11). Export,
restriction, objection and account deletion follow in the same place."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from guichet.accounts.policy import citizen_required
from guichet.core.middleware import request_actor
from guichet.privacy import centre
from guichet.privacy.selectors import statement_categories

ACCESSES_PER_PAGE = 25


@citizen_required
@require_http_methods(["GET", "HEAD"])
def index(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    page = Paginator(centre.accesses_to_my_data(actor=actor), ACCESSES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "categories": [section for section in statement_categories() if section.kinds],
        "page": page,
        "accesses": centre.access_rows(list(page.object_list)),
    }
    return render(request, "privacy/centre.html", context)

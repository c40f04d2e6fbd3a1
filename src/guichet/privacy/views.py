"""Privacy pages: the generated statement, the cookie inventory, the UI-state cookie, and the record of
processing activities for operators and staff."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from guichet.backoffice.selectors import staff_actor_for_request
from guichet.privacy.cookies import UI_FLAGS, cookie_inventory, ui_cookie_value, ui_flags
from guichet.privacy.selectors import processing_record, statement_context


@require_GET
def statement(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/statement.html", statement_context())


@require_GET
def cookies(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/cookies.html",
        {"cookies": cookie_inventory(), "ui_flags": UI_FLAGS, "active_flags": ui_flags(request)},
    )


@require_GET
def record(request: HttpRequest) -> HttpResponse:
    """The record of processing activities: for operators and the staff of authorities only (it
    is an internal register; the public reads the statement). Others get "not found"."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (user.is_staff or staff_actor_for_request(request) is not None):
        raise Http404
    context = {**statement_context(), "rows": processing_record()}
    return render(request, "privacy/record.html", context)


@require_POST
def ui_state(request: HttpRequest) -> HttpResponse:
    """Set or clear one display flag. Only whitelisted flags are stored (P22)."""
    flag = request.POST.get("flag", "")
    if flag not in UI_FLAGS:
        return HttpResponseBadRequest("unknown display flag", content_type="text/plain; charset=utf-8")
    flags = set(ui_flags(request))
    if request.POST.get("value", "on") == "off":
        flags.discard(flag)
    else:
        flags.add(flag)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("privacy:cookies")
    response = HttpResponseRedirect(target)
    value = ui_cookie_value(frozenset(flags))
    if value:
        # No max_age/expires: a session cookie that dies with the browser.
        response.set_cookie(
            settings.GUICHET_UI_COOKIE_NAME,
            value,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(settings.GUICHET_UI_COOKIE_NAME, samesite="Lax")
    return response

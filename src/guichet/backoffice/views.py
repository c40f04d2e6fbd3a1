"""Staff UI. Thin views; the actor is the staff actor of one authority."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from guichet.backoffice import selectors
from guichet.backoffice.policy import staff_actor_required, staff_request_actor
from guichet.privacy import requests as privacy_requests


@staff_actor_required
@require_http_methods(["GET", "HEAD"])
def index(request: HttpRequest) -> HttpResponse:
    actor = staff_request_actor(request)
    memberships = list(selectors.staff_memberships(user=actor.user))
    context = {
        "membership": actor.membership,
        "authority": actor.authority,
        "memberships": memberships,
        "staff": selectors.staff_list(actor=actor),
        "privacy_requests": privacy_requests.queue_counts(actor=actor),
    }
    return render(request, "backoffice/index.html", context)


@staff_actor_required
@require_POST
def choose_authority(request: HttpRequest) -> HttpResponse:
    """Switch the authority a member of several authorities works for (remembered in the session)."""
    actor = staff_request_actor(request)
    assert actor.user is not None
    membership = selectors.staff_membership_for_authority(user=actor.user, authority_id=request.POST.get("authority"))
    if membership is None:
        raise Http404
    request.session[selectors.SESSION_AUTHORITY_KEY] = membership.authority_id
    return redirect("backoffice:index")

"""Privacy centre: restricting processing of a profile or a case (P23) and withdrawing a
consent (P11). Thin: the account's own profiles and cases come through actor-scoped selectors
(someone else's is a 404), the changes through ``restriction`` and ``consents``."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts.policy import citizen_required
from guichet.cases.restriction import restricted_since
from guichet.catalogue.models import pick
from guichet.core.language import active_language
from guichet.core.middleware import request_actor
from guichet.privacy import consents, restriction

#: where the centre's restriction part begins
_BACK = "privacy_centre:index"
_RESTRICTION_ANCHOR = "#restriction-title"
_CONSENTS_ANCHOR = "#consents-title"


def _back(anchor: str) -> HttpResponse:
    return redirect(reverse(_BACK) + anchor)


# --- Profiles ------------------------------------------------------------------------------------


@never_cache
@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_restrict(request: HttpRequest, profile_id: uuid.UUID) -> HttpResponse:
    """GET: what restricting the profile means; POST: restrict it."""
    actor = request_actor(request)
    profile = restriction.my_profile_get(actor=actor, profile_id=profile_id)
    if request.method == "POST":
        if profile.restricted_at is None:
            restriction.profile_restrict(actor=actor, profile=profile)
            messages.success(
                request,
                _("Processing of the profile “%(name)s” and of all its cases is restricted.")
                % {"name": profile.display_name},
            )
        return _back(_RESTRICTION_ANCHOR)
    case_count = restriction.my_cases(actor=actor).filter(profile=profile).count()
    context = {"profile": profile, "case_count": case_count}
    return render(request, "privacy/restriction/profile_confirm.html", context)


@citizen_required
@require_POST
def profile_lift(request: HttpRequest, profile_id: uuid.UUID) -> HttpResponse:
    actor = request_actor(request)
    profile = restriction.my_profile_get(actor=actor, profile_id=profile_id)
    if profile.restricted_at is not None:
        restriction.profile_lift_restriction(actor=actor, profile=profile)
        messages.success(
            request,
            _("The restriction of the profile “%(name)s” is lifted: the authorities can process its cases again.")
            % {"name": profile.display_name},
        )
    return _back(_RESTRICTION_ANCHOR)


# --- Cases ---------------------------------------------------------------------------------------


@never_cache
@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_restrict(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """GET: what restricting the case means; POST: restrict it."""
    actor = request_actor(request)
    case = restriction.my_case_get(actor=actor, case_id=case_id)
    if request.method == "POST":
        if case.restricted_at is None:
            restriction.case_restrict(actor=actor, case=case)
            messages.success(
                request, _("Processing of the case %(reference)s is restricted.") % {"reference": case.reference}
            )
        return _back(_RESTRICTION_ANCHOR)
    context = {
        "case": case,
        "service": pick(case.service.title, active_language()) or case.service.slug,
        "since": restricted_since(case),
    }
    return render(request, "privacy/restriction/case_confirm.html", context)


@citizen_required
@require_POST
def case_lift(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = request_actor(request)
    case = restriction.my_case_get(actor=actor, case_id=case_id)
    if case.restricted_at is not None:
        case = restriction.case_lift_restriction(actor=actor, case=case)
        if case.profile.restricted_at is None:
            text = _("The restriction of the case %(reference)s is lifted: the authority can process it again.")
        else:
            text = _(
                "The restriction of the case %(reference)s is lifted, but its profile is still restricted: "
                "the authority cannot process it until you lift that too."
            )
        messages.success(request, text % {"reference": case.reference})
    return _back(_RESTRICTION_ANCHOR)


# --- Consents ------------------------------------------------------------------------------------


@citizen_required
@require_POST
def consent_withdraw(request: HttpRequest, key: str) -> HttpResponse:
    """Withdraw a consent at once (no confirmation page: it is as easy to give again)."""
    try:
        consent = consents.consent_withdraw(actor=request_actor(request), key=key)
    except consents.UnknownConsent as exc:
        raise Http404 from exc
    messages.success(request, _("You have withdrawn: %(consent)s. This takes effect now.") % {"consent": consent.label})
    return _back(_CONSENTS_ANCHOR)

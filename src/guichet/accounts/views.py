"""The citizen area under /account/: dashboard and profiles. Thin: parse, call, render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts import policy, selectors, services
from guichet.accounts.forms import COUNTRY_NAMES, ProfileForm
from guichet.accounts.models import Profile
from guichet.accounts.policy import citizen_required
from guichet.appointments import selectors as appointment_selectors
from guichet.cases import selectors as case_selectors
from guichet.core.language import active_language
from guichet.core.middleware import request_actor
from guichet.eforms import selectors as draft_selectors


def _url_or(name: str, fallback: str) -> str:
    """Links to areas other engineers build: use the name once it exists, the stable path before."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


@citizen_required
@require_http_methods(["GET", "HEAD"])
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    context: dict[str, Any] = {
        "profile_count": selectors.profile_list(actor=actor).count(),
        # Each section is an include fed by one list; later issues fill them from their selectors.
        "cases": case_selectors.dashboard_cases(actor=actor, language=active_language()),
        "drafts": list(draft_selectors.draft_list(actor=actor)[:5]),
        "documents": [],
        "appointments": list(appointment_selectors.upcoming_bookings(actor=actor)[:5]),
        "messages_list": [],
        "security_url": _url_or("auth:mfa_index", "/accounts/mfa/"),
        "privacy_url": _url_or("privacy_centre:index", "/account/privacy/"),
    }
    return render(request, "accounts/dashboard.html", context)


@citizen_required
@require_http_methods(["GET", "HEAD"])
def profiles(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    active_id = actor.profile.pk if actor.profile else None
    items = [
        {
            "profile": profile,
            "is_active": profile.pk == active_id,
            "can_delete": policy.can_delete_profile(actor, profile),
            "country_name": COUNTRY_NAMES.get(profile.country, profile.country),
        }
        for profile in selectors.profile_list(actor=actor)
    ]
    return render(request, "accounts/profiles.html", {"items": items, "creatable": _creatable_kinds()})


def _creatable_kinds() -> list[tuple[str, str]]:
    labels: dict[str, str] = {
        Profile.Kind.BUSINESS: _("Add a business"),
        Profile.Kind.ORGANISATION: _("Add an organisation"),
    }
    return [(kind, labels[kind]) for kind in policy.CREATABLE_KINDS]


def _keep_service_errors(form: ProfileForm, error: ValidationError) -> None:
    """Show an error raised by a service next to its field, like the form's own errors."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_create(request: HttpRequest, kind: str) -> HttpResponse:
    actor = request_actor(request)
    if not policy.can_create_profile(actor, kind):
        raise Http404
    form = ProfileForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.profile_create(actor=actor, kind=kind, data=form.profile_data)
        except ValidationError as error:
            _keep_service_errors(form, error)
        else:
            messages.success(request, _("The profile “%(name)s” was added.") % {"name": profile.display_name})
            return redirect("account:profiles")
    return render(
        request,
        "accounts/profile_form.html",
        {"form": form, "kind_label": Profile.Kind(kind).label, "creating": True},
    )


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request: HttpRequest, profile_id: uuid.UUID) -> HttpResponse:
    actor = request_actor(request)
    profile = selectors.profile_get(actor=actor, profile_id=profile_id)
    form = ProfileForm(request.POST or None, kind=profile.kind, initial=ProfileForm.initial_for(profile))
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(actor=actor, profile=profile, data=form.profile_data)
        except ValidationError as error:
            _keep_service_errors(form, error)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("account:profiles")
    return render(
        request,
        "accounts/profile_form.html",
        {"form": form, "profile": profile, "kind_label": profile.get_kind_display(), "creating": False},
    )


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_delete(request: HttpRequest, profile_id: uuid.UUID) -> HttpResponse:
    actor = request_actor(request)
    profile = selectors.profile_get(actor=actor, profile_id=profile_id)
    if not policy.can_delete_profile(actor, profile):
        raise Http404
    if request.method == "POST":
        name = profile.display_name
        services.profile_delete(actor=actor, profile=profile)
        messages.success(request, _("The profile “%(name)s” was deleted.") % {"name": name})
        return redirect("account:profiles")
    return render(request, "accounts/profile_confirm_delete.html", {"profile": profile})


@citizen_required
@require_POST
def profile_activate(request: HttpRequest, profile_id: uuid.UUID) -> HttpResponse:
    actor = request_actor(request)
    profile = selectors.profile_get(actor=actor, profile_id=profile_id)
    services.profile_activate(actor=actor, profile=profile)
    messages.success(request, _("You now act as “%(name)s”.") % {"name": profile.display_name})
    return redirect("account:profiles")

"""Finishing a login, the MFA hand-over, and re-authentication before sensitive actions.

Public API for other modules:

- ``complete_login(request, *, user, next_url=None)``: log the (fully authenticated) user in
  and redirect. The MFA step calls it once the second factor is verified.
- ``begin_login(request, *, user, next_url)``: after a correct password: hand over to the MFA
  step (``MFA_PENDING_SESSION_KEY``) or complete the login.
- ``reauth_required``: view decorator for sensitive actions (email change, MFA, deletion).
- ``reauth_mark(request)``: record a fresh re-authentication (e.g. after an MFA step-up).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from guichet.accounts.mfa import user_has_mfa
from guichet.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from guichet.accounts.models import User
from guichet.core.actor import citizen_actor
from guichet.core.audit import audit_record
from guichet.core.models import AuditEvent

logger = logging.getLogger("guichet.auth")

# {"user_id": str, "at": int (unix time), "next": str}: set by the password step, read by the MFA step.
MFA_PENDING_SESSION_KEY = "guichet_mfa_pending"
REAUTH_SESSION_KEY = "guichet_reauth_at"
PURPOSE_LOGIN = "login"
PURPOSE_REAUTH = "reauth"
AUTH_BACKEND = "guichet.accounts.backends.EmailBackend"


def safe_next_url(request: HttpRequest, candidate: str | None) -> str | None:
    """``candidate`` if it points to this site (no open redirect), else ``None``."""
    if not candidate:
        return None
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def next_from_request(request: HttpRequest) -> str | None:
    return safe_next_url(request, request.POST.get("next") or request.GET.get("next"))


def _second_factor_pending(request: HttpRequest, *, user: User, next_url: str | None, purpose: str) -> HttpResponse:
    request.session[MFA_PENDING_SESSION_KEY] = {
        "user_id": str(user.pk),
        "at": int(time.time()),
        "next": safe_next_url(request, next_url) or "",
        "purpose": purpose,
    }
    logger.info("%s password ok, second factor pending user=%s", purpose, user.pk)
    return HttpResponseRedirect(reverse("auth:login_mfa"))


def begin_login(request: HttpRequest, *, user: User, next_url: str | None = None) -> HttpResponse:
    """The password was right: continue with the second factor if the account has one."""
    if user_has_mfa(user=user):
        return _second_factor_pending(request, user=user, next_url=next_url, purpose=PURPOSE_LOGIN)
    return complete_login(request, user=user, next_url=next_url)


def begin_reauth(request: HttpRequest, *, user: User, next_url: str | None = None) -> HttpResponse:
    """The password was re-entered correctly: an account with a second factor proves it again
    too (re-authentication as strong as the login), then returns to ``next``."""
    if user_has_mfa(user=user):
        return _second_factor_pending(request, user=user, next_url=next_url, purpose=PURPOSE_REAUTH)
    return complete_reauth(request, user=user, next_url=next_url)


def complete_reauth(request: HttpRequest, *, user: User, next_url: str | None = None) -> HttpResponse:
    request.session.pop(MFA_PENDING_SESSION_KEY, None)
    request.session.cycle_key()  # step-up: a new session key, as at login
    reauth_mark(request)
    logger.info("reauthenticated user=%s", user.pk)
    return HttpResponseRedirect(safe_next_url(request, next_url) or resolve_url(settings.LOGIN_REDIRECT_URL))


def complete_login(request: HttpRequest, *, user: User, next_url: str | None = None) -> HttpResponse:
    """Log ``user`` in (every factor verified) and redirect to a safe ``next`` or the dashboard.

    ``next_url`` defaults to the request's ``next`` parameter. The session key changes (no
    session fixation), the session timeouts start now, and the login is audited and logged."""
    if next_url is None:
        next_url = next_from_request(request)
    request.session.pop(MFA_PENDING_SESSION_KEY, None)
    login(request, user, backend=AUTH_BACKEND)  # cycles the session key
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now
    request.session[REAUTH_SESSION_KEY] = now
    audit_record(
        actor=citizen_actor(user=user, profile=None),
        action=AuditEvent.Action.LOGIN,
        obj=user,
        subject_ref=str(user.pk),
    )
    logger.info("login ok user=%s", user.pk)
    return HttpResponseRedirect(safe_next_url(request, next_url) or resolve_url(settings.LOGIN_REDIRECT_URL))


# --- Re-authentication ----------------------------------------------------------------------


def reauth_mark(request: HttpRequest) -> None:
    request.session[REAUTH_SESSION_KEY] = int(time.time())


def reauth_is_fresh(request: HttpRequest) -> bool:
    at = request.session.get(REAUTH_SESSION_KEY)
    if not isinstance(at, int):
        return False
    return 0 <= int(time.time()) - at <= settings.GUICHET_REAUTH_MAX_AGE


def reauth_required[**P](view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """Let the view run only for a logged-in user who proved their password recently.

    Guests go to the login page; others to ``/accounts/reauthenticate/?next=<this page>``."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = args[0]
        assert isinstance(request, HttpRequest)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not reauth_is_fresh(request):
            return HttpResponseRedirect(
                reverse("auth:reauthenticate") + "?" + urlencode({"next": request.get_full_path()})
            )
        return view(*args, **kwargs)

    return wrapper


__all__ = [
    "MFA_PENDING_SESSION_KEY",
    "REAUTH_SESSION_KEY",
    "begin_login",
    "begin_reauth",
    "complete_login",
    "complete_reauth",
    "reauth_is_fresh",
    "reauth_mark",
    "reauth_required",
    "safe_next_url",
    "user_has_mfa",
]

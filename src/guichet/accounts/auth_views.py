"""Views of the account flows under /accounts/: thin; the work is in auth_services and login_flow."""

from __future__ import annotations

import logging
import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from guichet.accounts import auth_services, throttle
from guichet.accounts.auth_forms import (
    EmailChangeForm,
    EmailForm,
    LoginForm,
    PasswordChangeForm,
    ReauthForm,
    SetPasswordForm,
    SignupForm,
)
from guichet.accounts.login_flow import (
    begin_login,
    begin_reauth,
    next_from_request,
    reauth_mark,
    reauth_required,
)
from guichet.accounts.middleware import SESSION_TIMED_OUT
from guichet.accounts.models import EmailToken, User
from guichet.core.actor import GUEST
from guichet.core.audit import audit_record
from guichet.core.models import AuditEvent

logger = logging.getLogger("guichet.auth")

GET_POST = require_http_methods(["GET", "POST"])
T = "accounts/auth/"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _wait_message(kind: str, retry_after: int) -> str:
    minutes = max(1, math.ceil(retry_after / 60))
    if kind == "login":
        message = ngettext(
            "Too many failed attempts to log in. For your security, logging in is paused for a while. "
            "Try again in %(minutes)d minute.",
            "Too many failed attempts to log in. For your security, logging in is paused for a while. "
            "Try again in %(minutes)d minutes.",
            minutes,
        )
    else:
        message = ngettext(
            "You have asked for too many emails. For your security, please wait %(minutes)d minute "
            "before trying again.",
            "You have asked for too many emails. For your security, please wait %(minutes)d minutes "
            "before trying again.",
            minutes,
        )
    return message % {"minutes": minutes}


def _throttled(
    request: HttpRequest, template: str, context: dict[str, Any], *, kind: str, retry_after: int
) -> HttpResponse:
    """Show the page again with the limit explained: 429 with ``Retry-After``.

    ``context["form"]`` must not have checked a password (no oracle past the limit)."""
    context["form"].add_page_error(_wait_message(kind, retry_after))
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


# --- Signup and confirmation ------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password1", "password2")
@GET_POST
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ticket = throttle.throttle_attempt(checks=throttle.mail_checks(email=data["email"], request=request))
        if not ticket.allowed:
            return _throttled(request, T + "signup.html", context, kind="mail", retry_after=ticket.retry_after)
        auth_services.user_register(
            email=data["email"], password=data["password1"], first_name=data["first_name"], last_name=data["last_name"]
        )
        return redirect("auth:signup_done")
    return render(request, T + "signup.html", context)


@never_cache
@require_http_methods(["GET"])
def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, T + "signup_done.html")


@never_cache
@GET_POST
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button: mail scanners that open links must not use them up."""
    if request.method == "POST":
        user = auth_services.user_confirm_email(token=token)
        if user is None:
            return render(request, T + "link_invalid.html", {"kind": "confirm"}, status=400)
        messages.success(request, _("Thank you. Your email address is confirmed. You can now log in."))
        return redirect("auth:login")
    if auth_services.email_token_get(token=token, purpose=EmailToken.Purpose.CONFIRM) is None:
        return render(request, T + "link_invalid.html", {"kind": "confirm"}, status=400)
    return render(request, T + "confirm.html")


@never_cache
@GET_POST
def confirm_resend(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        ticket = throttle.throttle_attempt(checks=throttle.mail_checks(email=email, request=request))
        if not ticket.allowed:
            return _throttled(request, T + "confirm_resend.html", context, kind="mail", retry_after=ticket.retry_after)
        auth_services.user_confirmation_resend(email=email)
        return redirect("auth:signup_done")
    return render(request, T + "confirm_resend.html", context)


# --- Login and logout -------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password")
@GET_POST
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = next_from_request(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = LoginForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "next": next_url or ""}
    if request.method == "GET":
        if request.session.pop(SESSION_TIMED_OUT, False):
            context["timed_out"] = True
        return render(request, T + "login.html", context)
    if not form.is_valid():
        return render(request, T + "login.html", context)
    email, password = form.cleaned_data["email"], form.cleaned_data["password"]
    checks = throttle.login_checks(email=email, request=request)
    ticket = throttle.throttle_attempt(checks=checks)
    if not ticket.allowed:
        logger.warning("login throttled bucket=%s", checks[0].bucket[:12])
        return _throttled(request, T + "login.html", context, kind="login", retry_after=ticket.retry_after)
    user = authenticate(request, email=email, password=password)
    if not isinstance(user, User):
        known = User.objects.find_by_email(email)
        if known is not None:
            audit_record(
                actor=GUEST,
                action=AuditEvent.Action.LOGIN_FAILED,
                obj=known,
                subject_ref=str(known.pk),
            )
        logger.warning("login failed bucket=%s known=%s", checks[0].bucket[:12], known is not None)
        form.add_error(None, _("The email address or the password is not correct."))
        return render(request, T + "login.html", context)
    throttle.throttle_release(ticket=ticket)
    throttle.throttle_clear(scope=checks[0].scope, bucket=checks[0].bucket)
    if user.email_verified_at is None:
        logger.info("login refused, email not confirmed user=%s", user.pk)
        return render(request, T + "login_unconfirmed.html", {"form": EmailForm(initial={"email": email})})
    return begin_login(request, user=user, next_url=next_url)


@never_cache
@GET_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; only a POST (with its CSRF token) logs out."""
    if request.method == "POST":
        if request.user.is_authenticated:
            logger.info("logout user=%s", request.user.pk)
        logout(request)
        messages.success(request, _("You are logged out."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    if not request.user.is_authenticated:
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, T + "logout.html")


# --- Password reset and change ------------------------------------------------------------------


@never_cache
@GET_POST
def password_reset(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        ticket = throttle.throttle_attempt(checks=throttle.reset_checks(email=email, request=request))
        if not ticket.allowed:
            logger.warning("password reset throttled")
            return _throttled(request, T + "password_reset.html", context, kind="mail", retry_after=ticket.retry_after)
        auth_services.password_reset_request(email=email)
        return redirect("auth:password_reset_done")
    return render(request, T + "password_reset.html", context)


@never_cache
@require_http_methods(["GET"])
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, T + "password_reset_done.html")


@never_cache
@sensitive_post_parameters("password1", "password2")
@GET_POST
def password_reset_confirm(request: HttpRequest, token: str) -> HttpResponse:
    row = auth_services.email_token_get(token=token, purpose=EmailToken.Purpose.RESET)
    if row is None:
        return render(request, T + "link_invalid.html", {"kind": "reset"}, status=400)
    form = SetPasswordForm(request.POST if request.method == "POST" else None, user=row.user)
    if request.method == "POST" and form.is_valid():
        user = auth_services.password_reset_complete(token=token, password=form.cleaned_data["password1"])
        if user is None:
            return render(request, T + "link_invalid.html", {"kind": "reset"}, status=400)
        if request.user.is_authenticated:
            logout(request)
        messages.success(request, _("Your new password is set. You can now log in with it."))
        return redirect("auth:login")
    return render(request, T + "password_reset_confirm.html", {"form": form})


@never_cache
@login_required
@sensitive_post_parameters("current_password", "password1", "password2")
@GET_POST
def password_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(request.POST if request.method == "POST" else None, user=user)
    context = {"form": form}
    if request.method == "POST":
        # A wrong current password counts as a failed login: a borrowed session cannot guess it.
        ticket = throttle.throttle_attempt(checks=throttle.login_checks(email=user.email, request=request))
        if not ticket.allowed:
            context["form"] = PasswordChangeForm(user=user)
            return _throttled(
                request, T + "password_change.html", context, kind="login", retry_after=ticket.retry_after
            )
        valid = form.is_valid()
        if "current_password" not in form.errors:
            throttle.throttle_release(ticket=ticket)
        if valid:
            auth_services.user_password_change(user=user, password=form.cleaned_data["password1"])
            update_session_auth_hash(request, user)  # keep this session; every other one ends
            reauth_mark(request)
            messages.success(request, _("Your password has been changed."))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, T + "password_change.html", context)


# --- Re-authentication and email change ---------------------------------------------------------


@never_cache
@login_required
@sensitive_post_parameters("password")
@GET_POST
def reauthenticate(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    next_url = next_from_request(request)
    form = ReauthForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "next": next_url or ""}
    if request.method == "POST" and form.is_valid():
        checks = throttle.login_checks(email=user.email, request=request)
        ticket = throttle.throttle_attempt(checks=checks)
        if not ticket.allowed:
            return _throttled(request, T + "reauthenticate.html", context, kind="login", retry_after=ticket.retry_after)
        if user.check_password(form.cleaned_data["password"]):
            throttle.throttle_release(ticket=ticket)
            throttle.throttle_clear(scope=checks[0].scope, bucket=checks[0].bucket)
            return begin_reauth(request, user=user, next_url=next_url)
        logger.warning("reauthentication failed user=%s", user.pk)
        form.add_error("password", _("The password is not correct."))
    return render(request, T + "reauthenticate.html", context)


@never_cache
@reauth_required
@GET_POST
def email_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EmailChangeForm(request.POST if request.method == "POST" else None, user=user)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        ticket = throttle.throttle_attempt(checks=throttle.mail_checks(email=email, request=request))
        if not ticket.allowed:
            return _throttled(request, T + "email_change.html", context, kind="mail", retry_after=ticket.retry_after)
        auth_services.email_change_request(user=user, new_email=email)
        return redirect("auth:email_change_done")
    return render(request, T + "email_change.html", context)


@never_cache
@login_required
@require_http_methods(["GET"])
def email_change_done(request: HttpRequest) -> HttpResponse:
    return render(request, T + "email_change_done.html")


@never_cache
@GET_POST
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        user = auth_services.email_change_confirm(token=token)
        if user is None:
            return render(request, T + "link_invalid.html", {"kind": "email_change"}, status=400)
        messages.success(request, _("Your email address has been changed. Use the new address to log in."))
        return redirect(settings.LOGIN_REDIRECT_URL if request.user.is_authenticated else "auth:login")
    if auth_services.email_token_get(token=token, purpose=EmailToken.Purpose.EMAIL_CHANGE) is None:
        return render(request, T + "link_invalid.html", {"kind": "email_change"}, status=400)
    return render(request, T + "email_change_confirm.html")

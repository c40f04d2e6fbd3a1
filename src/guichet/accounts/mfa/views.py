"""Second-factor pages: overview, authenticator app, recovery codes, passkeys, login second step.

Views are thin: they parse input, call a selector or service and render. Every change of a
factor needs a recent re-authentication (``reauth_required``)."""

from __future__ import annotations

import json
import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from guichet.accounts.login_flow import (
    MFA_PENDING_SESSION_KEY,
    PURPOSE_REAUTH,
    complete_login,
    complete_reauth,
    reauth_required,
)
from guichet.accounts.mfa import passkeys, selectors, services, totp, user_has_mfa
from guichet.accounts.mfa.forms import (
    ConfirmForm,
    PasskeyAddForm,
    PasskeyLoginForm,
    RecoveryCodeForm,
    TotpCodeForm,
)
from guichet.accounts.models import User
from guichet.core.middleware import request_actor

PENDING_MAX_AGE = 5 * 60


def _authenticated_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by login_required
    return user


def _show_recovery_codes(request: HttpRequest, *, codes: list[str], first_time: bool) -> HttpResponse:
    """The only time the codes are ever shown: rendered into this response, never stored in clear."""
    return render(
        request,
        "accounts/mfa/recovery_codes.html",
        {"codes": codes, "first_time": first_time, "codes_text": "\r\n".join(codes) + "\r\n"},
    )


# --- Overview -----------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def mfa_index(request: HttpRequest) -> HttpResponse:
    user = _authenticated_user(request)
    actor = request_actor(request)
    device = selectors.totp_device_get(user=user)
    return render(
        request,
        "accounts/mfa/index.html",
        {
            "totp_active": device is not None and device.confirmed_at is not None,
            "totp_confirmed_at": device.confirmed_at if device is not None else None,
            "passkeys": list(selectors.passkey_list(actor=actor)),
            "has_mfa": user_has_mfa(user=user),
            "recovery_remaining": selectors.recovery_codes_remaining(user=user),
        },
    )


# --- Authenticator app ----------------------------------------------------------------------------


@never_cache
@login_required
@reauth_required
@sensitive_post_parameters("totp-code")
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = _authenticated_user(request)
    actor = request_actor(request)
    try:
        device = services.totp_setup_start(actor=actor)
    except services.MfaError:
        messages.info(request, _("Your authenticator app is already set up."))
        return redirect("auth:mfa_index")
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_confirm(actor=actor, code=form.cleaned_data["code"])
        except services.InvalidCode:
            form.add_error(
                "code",
                _("That code is not right. Check that the time on your phone is correct and enter the newest code."),
            )
        except services.MfaError:
            return redirect("auth:mfa_index")
        else:
            messages.success(request, _("Your authenticator app is now set up."))
            if codes:
                return _show_recovery_codes(request, codes=codes, first_time=True)
            return redirect("auth:mfa_index")
    uri = totp.otpauth_uri(device.secret, account_name=user.email or str(user.pk), issuer=settings.GUICHET_PORTAL_NAME)
    return render(
        request,
        "accounts/mfa/totp_setup.html",
        {
            "form": form,
            "qr_data_uri": totp.qr_svg_data_uri(uri),
            "otpauth_uri": uri,
            "secret": totp.secret_grouped(device.secret),
        },
    )


@never_cache
@login_required
@reauth_required
@require_http_methods(["GET", "POST"])
def totp_disable(request: HttpRequest) -> HttpResponse:
    user = _authenticated_user(request)
    if not selectors.totp_is_active(user=user):
        return redirect("auth:mfa_index")
    if request.method == "POST" and ConfirmForm(request.POST).is_valid():
        services.totp_disable(actor=request_actor(request))
        messages.success(request, _("Your authenticator app has been removed."))
        return redirect("auth:mfa_index")
    return render(
        request,
        "accounts/mfa/confirm_remove.html",
        {
            "title": _("Remove the authenticator app"),
            "warning": _remove_warning(user=user, removing_totp=True),
            "button": _("Remove the authenticator app"),
        },
    )


def _remove_warning(*, user: User, removing_totp: bool = False, removing_passkey: bool = False) -> str:
    remaining_passkeys = len(selectors.passkey_credentials(user=user)) - (1 if removing_passkey else 0)
    remaining_totp = selectors.totp_is_active(user=user) and not removing_totp
    if remaining_passkeys <= 0 and not remaining_totp:
        return _(
            "This is your last second factor. Afterwards you log in with your password only, "
            "and your recovery codes stop working."
        )
    return _("You can still log in with your other second factors.")


# --- Recovery codes ---------------------------------------------------------------------------------


@never_cache
@login_required
@reauth_required
@require_http_methods(["GET", "POST"])
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    user = _authenticated_user(request)
    if not user_has_mfa(user=user):
        messages.info(request, _("Set up an authenticator app or a passkey first; recovery codes come with it."))
        return redirect("auth:mfa_index")
    if request.method == "POST" and ConfirmForm(request.POST).is_valid():
        codes = services.recovery_codes_regenerate(actor=request_actor(request))
        return _show_recovery_codes(request, codes=codes, first_time=False)
    return render(
        request,
        "accounts/mfa/recovery_regenerate.html",
        {"recovery_remaining": selectors.recovery_codes_remaining(user=user)},
    )


# --- Passkeys ---------------------------------------------------------------------------------------


def _registration_options(request: HttpRequest, *, user: User) -> str:
    options, state = passkeys.registration_begin(
        user_handle=user.pk.bytes,
        user_name=user.email or str(user.pk),
        display_name=user.display_name,
        existing_ids=selectors.passkey_credentials(user=user).keys(),
        origin=passkeys.request_origin(request),
    )
    passkeys.state_store(request.session, passkeys.SESSION_REGISTER, state=state, user_id=str(user.pk))
    return json.dumps(options)


@never_cache
@login_required
@reauth_required
@require_http_methods(["GET", "POST"])
def passkey_add(request: HttpRequest) -> HttpResponse:
    user = _authenticated_user(request)
    actor = request_actor(request)
    form = PasskeyAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        state = passkeys.state_pop(request.session, passkeys.SESSION_REGISTER, user_id=str(user.pk))
        try:
            if state is None:
                raise passkeys.PasskeyError("no or expired challenge")
            registration = passkeys.registration_verify(
                state=state,
                response=passkeys.response_parse(form.cleaned_data["credential"]),
                origin=passkeys.request_origin(request),
            )
            passkey, codes = services.passkey_create(
                actor=actor, name=form.cleaned_data["name"], registration=registration
            )
        except (passkeys.PasskeyError, services.MfaError):
            form.add_error(None, _("The passkey could not be added. Please try again."))
        else:
            messages.success(request, _("Your passkey “%(name)s” has been added.") % {"name": passkey.name})
            if codes:
                return _show_recovery_codes(request, codes=codes, first_time=True)
            return redirect("auth:mfa_index")
    return render(
        request,
        "accounts/mfa/passkey_add.html",
        {"form": form, "webauthn_options": _registration_options(request, user=user)},
    )


@never_cache
@login_required
@reauth_required
@require_http_methods(["GET", "POST"])
def passkey_delete(request: HttpRequest, passkey_id: int) -> HttpResponse:
    user = _authenticated_user(request)
    actor = request_actor(request)
    passkey = selectors.passkey_get(actor=actor, passkey_id=passkey_id)
    if request.method == "POST" and ConfirmForm(request.POST).is_valid():
        services.passkey_delete(actor=actor, passkey_id=passkey.pk)
        messages.success(request, _("The passkey “%(name)s” has been removed.") % {"name": passkey.name})
        return redirect("auth:mfa_index")
    return render(
        request,
        "accounts/mfa/confirm_remove.html",
        {
            "title": _("Remove the passkey “%(name)s”") % {"name": passkey.name},
            "warning": _remove_warning(user=user, removing_passkey=True),
            "button": _("Remove the passkey"),
        },
    )


# --- Login, second step ---------------------------------------------------------------------------


def _pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The account whose password was just checked, if that happened less than 5 minutes ago."""
    pending = request.session.get(MFA_PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    started = pending.get("at")
    now = time.time()
    user = None
    if isinstance(started, int | float) and 0 <= now - started <= PENDING_MAX_AGE:
        user = selectors.pending_user_get(user_id=pending.get("user_id"))
    if pending.get("purpose") == PURPOSE_REAUTH and user is not None and user.pk != request.user.pk:
        user = None  # a step-up belongs to the account that is logged in, nobody else
    if user is None or not user_has_mfa(user=user):
        request.session.pop(MFA_PENDING_SESSION_KEY, None)
        request.session.pop(passkeys.SESSION_AUTHENTICATE, None)
        return None
    return user, pending


def _throttled_message(retry_after: int) -> str:
    minutes = max(1, -(-retry_after // 60))
    return ngettext(
        "Too many wrong attempts. For your security, please wait %(minutes)d minute and try again.",
        "Too many wrong attempts. For your security, please wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


@never_cache
@sensitive_post_parameters("totp-code", "recovery-code", "passkey-credential")
@require_http_methods(["GET", "POST"])
def login_mfa(request: HttpRequest) -> HttpResponse:
    found = _pending(request)
    if found is None:
        messages.error(request, _("Your login has expired or was not started. Please log in again."))
        return redirect("auth:login")
    user, pending = found
    has_totp = selectors.totp_is_active(user=user)
    credentials = selectors.passkey_credentials(user=user)
    forms_by_method: dict[str, forms.Form] = {
        "totp": TotpCodeForm(),
        "recovery": RecoveryCodeForm(),
        "passkey": PasskeyLoginForm(),
    }
    status = 200
    retry_after = 0
    method = request.POST.get("method", "") if request.method == "POST" else ""
    if method in forms_by_method:
        form_class = type(forms_by_method[method])
        form = form_class(request.POST)
        forms_by_method[method] = form
        if form.is_valid():
            event_id, retry_after = services.mfa_attempt_start(user=user)
            if event_id is None:
                status = 429
                form.add_error(None, _throttled_message(retry_after))
            elif _second_factor_ok(request, user=user, method=method, data=form.cleaned_data):
                services.mfa_attempt_succeeded(user=user)
                request.session.pop(passkeys.SESSION_AUTHENTICATE, None)
                next_url = str(pending.get("next") or "") or None
                if pending.get("purpose") == PURPOSE_REAUTH:
                    return complete_reauth(request, user=user, next_url=next_url)
                # New session key (the MFA step-up), pending login cleared, audited, redirected.
                return complete_login(request, user=user, next_url=next_url)
            else:
                services.mfa_attempt_failed(user=user, method=method)
                form.add_error(None, _wrong_answer_message(method))
    webauthn_options = ""
    if credentials:
        options, state = passkeys.authentication_begin(
            credential_ids=credentials.keys(), origin=passkeys.request_origin(request)
        )
        passkeys.state_store(request.session, passkeys.SESSION_AUTHENTICATE, state=state, user_id=str(user.pk))
        webauthn_options = json.dumps(options)
    posted = forms_by_method.get(method)
    response = render(
        request,
        "accounts/mfa/login_mfa.html",
        {
            "has_totp": has_totp,
            "has_passkeys": bool(credentials),
            "totp_form": forms_by_method["totp"],
            "recovery_form": forms_by_method["recovery"],
            "passkey_form": forms_by_method["passkey"],
            "error_form": posted if posted is not None and posted.errors else None,
            "method": method,
            "webauthn_options": webauthn_options,
        },
        status=status,
    )
    if status == 429:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _wrong_answer_message(method: str) -> str:
    if method == "totp":
        return _("That code is not right, or it was already used. Enter the newest code from your app.")
    if method == "recovery":
        return _("That recovery code is not right, or it was already used.")
    return _("Your passkey could not be verified. Please try again, or use another way to log in.")


def _second_factor_ok(request: HttpRequest, *, user: User, method: str, data: dict[str, Any]) -> bool:
    if method == "totp":
        return services.totp_verify(user=user, code=data["code"])
    if method == "recovery":
        return services.recovery_code_use(user=user, code=data["code"])
    state = passkeys.state_pop(request.session, passkeys.SESSION_AUTHENTICATE, user_id=str(user.pk))
    if state is None:
        return False
    try:
        services.passkey_authenticate(
            user=user,
            state=state,
            response=passkeys.response_parse(data["credential"]),
            origin=passkeys.request_origin(request),
        )
    except (services.InvalidCode, passkeys.PasskeyError):
        return False
    return True

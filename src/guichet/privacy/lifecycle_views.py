"""The privacy centre's buttons for a pending version of the privacy statement (P35): object to
it, or withdraw the objection, until it takes effect. Both answer with a redirect to the centre,
which then says what was recorded."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.accounts.policy import citizen_required
from guichet.core.middleware import request_actor
from guichet.privacy import statement_versions
from guichet.privacy.models import StatementVersion


def _version(number: int) -> StatementVersion:
    version = statement_versions.version_get(number=number)
    if version is None:
        raise Http404
    return version


def _back() -> HttpResponse:
    return redirect(reverse("privacy_centre:index") + "#statement-title")


@citizen_required
@require_POST
def statement_object(request: HttpRequest, version: int) -> HttpResponse:
    statement = _version(version)
    try:
        objection = statement_versions.statement_object(actor=request_actor(request), version=statement)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back()
    messages.success(
        request,
        _("Your objection to version %(number)d was recorded on %(date)s.")
        % {
            "number": statement.version,
            "date": formats.date_format(timezone.localtime(objection.at), "DATE_FORMAT"),
        },
    )
    return _back()


@citizen_required
@require_POST
def statement_withdraw(request: HttpRequest, version: int) -> HttpResponse:
    statement = _version(version)
    try:
        withdrawn = statement_versions.statement_withdraw_objection(actor=request_actor(request), version=statement)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back()
    if withdrawn:
        messages.success(
            request,
            _("Your objection to version %(number)d was withdrawn. The version applies to you from %(date)s.")
            % {
                "number": statement.version,
                "date": formats.date_format(timezone.localtime(statement.effective_at), "DATE_FORMAT"),
            },
        )
    return _back()

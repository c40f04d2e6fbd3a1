"""The privacy centre: what is processed about you, and who accessed it (P11). Export,
restriction, objection and account deletion follow in the same place."""

from __future__ import annotations

from django import forms
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from guichet.accounts.login_flow import reauth_is_fresh, reauth_required
from guichet.accounts.policy import citizen_required
from guichet.core.audit import audit_record
from guichet.core.middleware import request_actor
from guichet.core.models import AuditEvent
from guichet.privacy import centre, consents, disclosures, erasure, requests, restriction, statement_versions
from guichet.privacy.export import FORMAT_NAME, FORMAT_VERSION, export_archive
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
    # Each part of the centre contributes its own context and template block.
    for part in (statement_versions, restriction, consents, requests, disclosures):
        context.update(part.centre_context(actor=actor))
    return render(request, "privacy/centre.html", context)


# --- Account deletion (P30) ----------------------------------------------------------------------


class DeleteAccountForm(forms.Form):
    understand = forms.BooleanField(
        label=_lazy("I understand that my account and all its data will be deleted, and that this cannot be undone."),
        error_messages={"required": _lazy("Tick the box to confirm that you want to delete your account.")},
    )


def _delete_account_page(request: HttpRequest, form: DeleteAccountForm, *, status: int = 200) -> HttpResponse:
    preview = erasure.account_erasure_preview(actor=request_actor(request))
    context = {"form": form, "preview": preview, "refusal": preview.refusal}
    return render(request, "privacy/delete_account.html", context, status=status)


@reauth_required
def _delete_account_confirmed(request: HttpRequest) -> HttpResponse:
    """Only with a recent password prompt: otherwise to "confirm it is you" and back to the page."""
    erasure.account_erase(actor=request_actor(request))
    logout(request)
    return redirect("privacy_centre:deleted")


@never_cache
@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """GET: what goes and what stays; POST (box ticked, recently re-authenticated): delete."""
    if request.method != "POST":
        return _delete_account_page(request, DeleteAccountForm())
    form = DeleteAccountForm(request.POST)
    if form.is_valid():
        refusal = erasure.account_erasure_refusal(actor=request_actor(request))
        if refusal is None:
            return _delete_account_confirmed(request)
        form.add_error(None, refusal)
    return _delete_account_page(request, form, status=400)


@require_http_methods(["GET", "HEAD"])
def account_deleted(request: HttpRequest) -> HttpResponse:
    """Public: the person is logged out once the account is gone."""
    return render(request, "privacy/account_deleted.html")


# --- Data export (P11, P23) ----------------------------------------------------------------------


@never_cache
@citizen_required
@require_http_methods(["POST"])
def export(request: HttpRequest) -> HttpResponseBase:
    """Download everything held about the account and its profiles (P11, P23): a ZIP archive,
    streamed. A sensitive action: it needs a recent re-authentication, like changing the email
    address. Without one, the re-authentication page leads back to the privacy centre (not to
    this POST-only address), where the button is pressed again."""
    actor = request_actor(request)
    if not reauth_is_fresh(request):
        back = reverse("privacy_centre:index") + "#export-title"
        return HttpResponseRedirect(reverse("auth:reauthenticate") + "?" + urlencode({"next": back}))
    assert actor.user is not None  # a citizen
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=actor.user,
        subject_ref=str(actor.user.pk),
        detail={"format": FORMAT_NAME, "version": FORMAT_VERSION},
    )
    response = StreamingHttpResponse(
        export_archive(actor=actor, language=get_language()), content_type="application/zip"
    )
    filename = f"guichet-export-{timezone.localdate().isoformat()}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response

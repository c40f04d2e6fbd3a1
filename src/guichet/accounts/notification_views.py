"""How the account holder hears about news on their cases: by email and in the account, or in
the account only. Emails never carry the content of a case, only its reference and a link (P27)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from guichet.accounts.models import User
from guichet.accounts.policy import citizen_required
from guichet.accounts.services import notification_channel_set
from guichet.core.middleware import request_actor


class NotificationForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("How do you want to hear about news on your cases?"),
        choices=User.NotificationChannel.choices,
        widget=forms.RadioSelect,
    )


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    if actor.user is None:  # citizen_required lets account holders in only
        raise Http404
    form = NotificationForm(
        request.POST if request.method == "POST" else None, initial={"channel": actor.user.notification_channel}
    )
    if request.method == "POST" and form.is_valid():
        notification_channel_set(actor=actor, channel=form.cleaned_data["channel"])
        messages.success(request, _("Your choice was saved."))
        return redirect("account:notifications")
    return render(request, "accounts/notifications.html", {"form": form}, status=400 if form.errors else 200)

"""Emails about cases. They name the reference and give a link, nothing more (P26, P27): no
form content, no status wording that could reveal the matter, no names."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from guichet.cases.models import Case
from guichet.cases.restriction import is_restricted_now
from guichet.core.email import send_templated_email

SUBMITTED = "cases/submitted"
UPDATED = "cases/updated"


def _recipient(case: Case) -> str | None:
    """The account's confirmed address, unless the person chose to be told in the account only."""
    owner = case.profile.owner
    if not owner.is_active or owner.notification_channel != owner.NotificationChannel.EMAIL:
        return None
    return owner.email or None


def _send(case: Case, template: str) -> None:
    if is_restricted_now(case):  # restricted by the applicant (P23): no processing, emails included
        return
    to = _recipient(case)
    if to is None:
        return
    context = {
        "reference": case.reference,
        "link": settings.SITE_URL + reverse("cases:detail", args=[case.pk]),
    }
    language = case.submission.language
    transaction.on_commit(lambda: send_templated_email(to=to, template=template, context=context, language=language))


def notify_submitted(case: Case) -> None:
    _send(case, SUBMITTED)


def notify_updated(case: Case) -> None:
    _send(case, UPDATED)

"""Consents and choices the account holder can withdraw (P11).

Almost everything Guichet processes rests on something other than consent: applications and
cases on the authority's public-law mandate, appointments on the booking itself, security data
on data security (see the registry's legal bases). What does rest on the person's own choice is
declared here, once: the privacy centre lists it, with when it was given and a way to withdraw
it that takes effect at once.

- Emails about news on one's cases (``User.notification_channel``): a choice, on by default at
  registration; withdrawn, news is shown in the account only (the email is never needed: P27).
- The registration itself (the account's legal basis names consent): withdrawn by deleting the
  account (P30), which has its own confirmation page, so it is linked rather than a button.

Appointment confirmations and reminders go to the address given for that booking, because the
booking needs them (its legal basis is the booking); they are not a consent and are managed with
the booking (P18). The privacy statement versions and objections to them are another part."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.services import notification_channel_set
from guichet.core.actor import Actor
from guichet.core.models import AuditEvent

CASE_EMAILS = "case-emails"
REGISTRATION = "registration"


class UnknownConsent(LookupError):
    """No consent of that key can be withdrawn here."""


@dataclass(frozen=True)
class Consent:
    key: str
    label: Promise
    meaning: Promise
    withdrawal: Promise  # what withdrawing does, in the person's words
    #: withdrawn with one button in the privacy centre; otherwise through the link
    withdraw_here: bool
    #: where it is given again (``withdraw_here``) or withdrawn (otherwise), and the link's text
    link_name: str
    link_text: Promise


CONSENTS: tuple[Consent, ...] = (
    Consent(
        key=CASE_EMAILS,
        label=_("Emails about news on your cases"),
        meaning=_(
            "We send you a short email, with the reference number and a link only, when there is news on one of "
            "your cases, for example a new status or a question from the authority."
        ),
        withdrawal=_(
            "From then on we send no more such emails; you find all news in your account. You can switch them "
            "on again at any time."
        ),
        withdraw_here=True,
        link_name="account:notifications",
        link_text=_("Switch the emails on again"),
    ),
    Consent(
        key=REGISTRATION,
        label=_("Your registration for the online counter"),
        meaning=_(
            "Your account and profiles exist because you registered. Applications you send are then processed "
            "under the authority's legal mandate, not on your consent."
        ),
        withdrawal=_("You withdraw it by deleting your account with all its data."),
        withdraw_here=False,
        link_name="privacy_centre:delete",
        link_text=_("Delete your account"),
    ),
)


@dataclass(frozen=True)
class ConsentLine:
    consent: Consent
    active: bool
    #: when it was given, if known; ``by_default``: given with the registration's default setting
    given_at: datetime.datetime | None
    by_default: bool = False
    withdrawn_at: datetime.datetime | None = None


def _channel_changes(user: User) -> list[AuditEvent]:
    """The account holder's own choices of channel, newest first (recorded by the accounts service)."""
    return list(
        AuditEvent.objects.filter(
            object_type=User._meta.label_lower, object_ref=str(user.pk), detail__has_key="notification_channel"
        )
        .only("at", "detail")
        .order_by("-at", "-id")
    )


def _case_emails_line(consent: Consent, user: User) -> ConsentLine:
    changes = _channel_changes(user)
    if user.notification_channel == User.NotificationChannel.EMAIL:
        chosen = next((e for e in changes if e.detail.get("notification_channel") == "email"), None)
        if chosen is not None:
            return ConsentLine(consent=consent, active=True, given_at=chosen.at)
        return ConsentLine(consent=consent, active=True, given_at=user.date_joined, by_default=True)
    withdrawn = next((e for e in changes if e.detail.get("notification_channel") != "email"), None)
    return ConsentLine(
        consent=consent, active=False, given_at=None, withdrawn_at=withdrawn.at if withdrawn is not None else None
    )


def consent_lines(*, actor: Actor) -> list[ConsentLine]:
    """The account holder's consents and choices with their state (two queries at most)."""
    if not actor.is_citizen or actor.user is None:
        return []
    user = actor.user
    lines = []
    for consent in CONSENTS:
        if consent.key == CASE_EMAILS:
            lines.append(_case_emails_line(consent, user))
        else:
            lines.append(ConsentLine(consent=consent, active=True, given_at=user.date_joined))
    return lines


def consent_get(key: str) -> Consent:
    consent = next((c for c in CONSENTS if c.key == key), None)
    if consent is None:
        raise UnknownConsent(key)
    return consent


def consent_withdraw(*, actor: Actor, key: str) -> Consent:
    """Withdraw a consent with immediate effect. Withdrawing what is already withdrawn changes
    nothing. Only consents marked ``withdraw_here`` can be withdrawn this way."""
    if not actor.is_citizen or actor.user is None:
        raise PermissionDenied("only the account holder withdraws their consent")
    consent = consent_get(key)
    if not consent.withdraw_here:
        raise UnknownConsent(key)
    if consent.key == CASE_EMAILS:
        # The accounts service stores the choice and records it (the date shown in the centre).
        notification_channel_set(actor=actor, channel=User.NotificationChannel.ACCOUNT)
    return consent


def centre_context(*, actor: Actor) -> dict[str, Any]:
    """What the privacy centre's page shows of this part."""
    return {"consents": consent_lines(actor=actor)}

"""Accounts' entries in the privacy registry (P01, P02, P09, P25)."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import EmailToken, ThrottleEvent
from guichet.core.registry import Category, DataKind, Erasure, RetentionRule, registry

EMAIL_TOKEN_GRACE = datetime.timedelta(days=7)
THROTTLE_EVENT_AGE = datetime.timedelta(days=1)


def _stale_email_tokens(now: datetime.datetime) -> QuerySet[EmailToken]:
    # A used token is worthless at once; an unused one is kept a week past expiry so that
    # "this link has expired" can still be told apart from "this link is wrong".
    return EmailToken.objects.filter(Q(expires_at__lt=now - EMAIL_TOKEN_GRACE) | Q(used_at__isnull=False))


def _old_throttle_events(now: datetime.datetime) -> QuerySet[ThrottleEvent]:
    return ThrottleEvent.objects.filter(at__lt=now - THROTTLE_EVENT_AGE)


_ACCOUNT_LIFETIME = _("while the account exists")
_ACCOUNT_BASIS = _("Your registration for the online counter (consent and public-law mandate)")

registry.register(
    DataKind(
        model="accounts.User",
        category=Category.CONTACT,
        purpose=_("Log you in and write to you about your cases"),
        legal_basis=_ACCOUNT_BASIS,
        fields=("email", "email_index", "password", "last_login", "date_joined", "email_verified_at"),
        person_links=("active_profile",),
        retention_text=_ACCOUNT_LIFETIME,
        erasure=Erasure.SHRED,
    ),
    DataKind(
        model="accounts.Profile",
        category=Category.MASTER,
        purpose=_("Fill in forms for you and tell authorities who applies"),
        legal_basis=_ACCOUNT_BASIS,
        fields=(
            "first_name",
            "last_name",
            "date_of_birth",
            "organisation_name",
            "uid",
            "street",
            "postal_code",
            "town",
            "country",
            "email",
            "phone",
        ),
        person_links=("owner",),
        retention_text=_ACCOUNT_LIFETIME,
        erasure=Erasure.SHRED,
    ),
    DataKind(
        model="accounts.EmailToken",
        category=Category.USAGE,
        purpose=_("Confirm your email address and reset your password"),
        legal_basis=_("Necessary to provide the service you asked for"),
        fields=("token_hash", "new_email"),  # new_email: pending address change, encrypted
        person_links=("user",),
        retention=RetentionRule(
            name="email_tokens",
            start_event=_("expiry of the link (used links: at once)"),
            period=EMAIL_TOKEN_GRACE,
            due=_stale_email_tokens,
        ),
    ),
    DataKind(
        model="accounts.ThrottleEvent",
        category=Category.USAGE,
        purpose=_("Slow down password guessing"),
        legal_basis=_("Data security (Art. 8 FADP, Art. 32 GDPR)"),
        fields=("bucket",),  # keyed hash of the account or network address
        retention=RetentionRule(
            name="throttle_events",
            start_event=_("the failed attempt"),
            period=THROTTLE_EVENT_AGE,
            due=_old_throttle_events,
        ),
    ),
    DataKind(
        model="accounts.TotpDevice",
        category=Category.MASTER,
        purpose=_("Second factor at login (authenticator app)"),
        legal_basis=_("Data security (Art. 8 FADP, Art. 32 GDPR)"),
        fields=("secret",),
        person_links=("user",),
        retention_text=_("while the account exists or until you remove the app"),
        erasure=Erasure.SHRED,
    ),
    DataKind(
        model="accounts.RecoveryCode",
        category=Category.MASTER,
        purpose=_("Log in when the second factor is lost"),
        legal_basis=_("Data security (Art. 8 FADP, Art. 32 GDPR)"),
        fields=("code_hash",),
        person_links=("user",),
        retention_text=_("while the account exists or until new codes are generated"),
    ),
    DataKind(
        model="accounts.Passkey",
        category=Category.MASTER,
        purpose=_("Log in with a passkey"),
        legal_basis=_("Data security (Art. 8 FADP, Art. 32 GDPR)"),
        fields=("name", "credential_id", "credential_data"),
        person_links=("user",),
        retention_text=_("while the account exists or until you remove the passkey"),
        erasure=Erasure.SHRED,
    ),
)

"""Accounts' entries in the privacy registry (P01, P02, P09, P25)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import EmailToken, Passkey, Profile, RecoveryCode, ThrottleEvent, TotpDevice, User
from guichet.core.keys import data_keys_preload
from guichet.core.registry import Category, DataKind, Erasure, RetentionRule, registry
from guichet.privacy.export import CHUNK_SIZE, date_after, iso

EMAIL_TOKEN_GRACE = datetime.timedelta(days=7)
THROTTLE_EVENT_AGE = datetime.timedelta(days=1)


def _stale_email_tokens(now: datetime.datetime) -> QuerySet[EmailToken]:
    # A used token is worthless at once; an unused one is kept a week past expiry so that
    # "this link has expired" can still be told apart from "this link is wrong".
    return EmailToken.objects.filter(Q(expires_at__lt=now - EMAIL_TOKEN_GRACE) | Q(used_at__isnull=False))


def _old_throttle_events(now: datetime.datetime) -> QuerySet[ThrottleEvent]:
    return ThrottleEvent.objects.filter(at__lt=now - THROTTLE_EVENT_AGE)


# --- Export (P11, P23): names and dates, never a password, token hash, secret or key ------------


def _export_user(user: User) -> Iterator[dict[str, Any]]:
    account = User.objects.get(pk=user.pk)
    yield {
        "email": account.email,
        "email_confirmed": iso(account.email_verified_at),
        "joined": iso(account.date_joined),
        "last_login": iso(account.last_login),
        "password_changed": iso(account.password_changed_at),
        "notification_channel": str(account.get_notification_channel_display()),
        "active_profile": str(account.active_profile_id) if account.active_profile_id else None,
        "deleted_on": None,
    }


def _export_profiles(user: User) -> Iterator[dict[str, Any]]:
    profiles = Profile.objects.filter(owner=user).order_by("created_at", "pk")
    data_keys_preload(key_ids=profiles.values_list("data_key_id", flat=True).distinct())
    for profile in profiles.iterator(chunk_size=CHUNK_SIZE):
        yield {
            "id": str(profile.pk),
            "kind": str(profile.get_kind_display()),
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "date_of_birth": iso(profile.date_of_birth),
            "organisation_name": profile.organisation_name,
            "uid": profile.uid,
            "street": profile.street,
            "postal_code": profile.postal_code,
            "town": profile.town,
            "country": profile.country,
            "email": profile.email,
            "phone": profile.phone,
            "created": iso(profile.created_at),
            "updated": iso(profile.updated_at),
            "deleted_on": None,
        }


def _export_email_tokens(user: User) -> Iterator[dict[str, Any]]:
    # Only what the link was for, the pending new address and the dates: never the token hash.
    tokens = EmailToken.objects.filter(user=user).order_by("created_at", "pk")
    data_keys_preload(key_ids=[key for key in tokens.values_list("data_key_id", flat=True).distinct() if key])
    for token in tokens.iterator(chunk_size=CHUNK_SIZE):
        yield {
            "purpose_of_link": str(token.get_purpose_display()),
            "new_email": token.new_email if token.data_key_id else "",
            "created": iso(token.created_at),
            "expires": iso(token.expires_at),
            "used": iso(token.used_at),
            "deleted_on": date_after(token.used_at, datetime.timedelta(0))
            or date_after(token.expires_at, EMAIL_TOKEN_GRACE),
        }


def _export_totp(user: User) -> Iterator[dict[str, Any]]:
    # Whether an authenticator app is set up and since when: never its secret.
    for device in TotpDevice.objects.filter(user=user).only("pk", "user_id", "confirmed_at"):
        yield {"set_up": iso(device.confirmed_at), "deleted_on": None}


def _export_recovery_codes(user: User) -> Iterator[dict[str, Any]]:
    # How many codes there are and which were used: never the codes or their hashes.
    for number, used_at in enumerate(
        RecoveryCode.objects.filter(user=user).order_by("pk").values_list("used_at", flat=True), start=1
    ):
        yield {"code": number, "used": iso(used_at), "deleted_on": None}


def _export_passkeys(user: User) -> Iterator[dict[str, Any]]:
    # Name and dates: not the credential (public key material, of no use to anybody else).
    passkeys = Passkey.objects.filter(user=user).order_by("created_at", "pk")
    data_keys_preload(key_ids=passkeys.values_list("data_key_id", flat=True).distinct())
    for passkey in passkeys.only("pk", "user_id", "data_key_id", "name", "created_at", "last_used_at"):
        yield {
            "name": passkey.name,
            "created": iso(passkey.created_at),
            "last_used": iso(passkey.last_used_at),
            "deleted_on": None,
        }


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
        export=_export_user,
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
        export=_export_profiles,
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
        export=_export_email_tokens,
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
        export=_export_totp,
    ),
    DataKind(
        model="accounts.RecoveryCode",
        category=Category.MASTER,
        purpose=_("Log in when the second factor is lost"),
        legal_basis=_("Data security (Art. 8 FADP, Art. 32 GDPR)"),
        fields=("code_hash",),
        person_links=("user",),
        retention_text=_("while the account exists or until new codes are generated"),
        export=_export_recovery_codes,
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
        export=_export_passkeys,
    ),
)

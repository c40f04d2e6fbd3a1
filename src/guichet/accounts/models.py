"""Accounts, profiles, one-time tokens, login throttling and second factors.

Personal values are encrypted under the account's data key (P25); the email is found through a
keyed blind index, never by its plaintext.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.core.fields import EncryptedCharField, EncryptedDateField, EncryptedEmailField
from guichet.core.keys import blind_index, data_key_create
from guichet.core.models import DataKey


def email_index(email: str) -> str:
    return blind_index(email, purpose="email")


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email_index=email_index(username or ""))

    def find_by_email(self, email: str) -> User | None:
        return self.filter(email_index=email_index(email)).first()

    @transaction.atomic
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email), data_key=data_key_create(), **extra)
        user.email_index = email_index(user.email)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, email_verified_at=timezone.now())
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    class NotificationChannel(models.TextChoices):
        EMAIL = "email", _("By email and in my account")
        ACCOUNT = "account", _("Only in my account")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = EncryptedEmailField(_("email address"))
    email_index = models.CharField(max_length=64, unique=True, editable=False)
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operator"), default=False, help_text=_("May use the operator admin."))
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    email_verified_at = models.DateTimeField(_("email confirmed"), null=True, blank=True)
    active_profile = models.ForeignKey(
        "accounts.Profile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    password_changed_at = models.DateTimeField(null=True, blank=True)
    notification_channel = models.CharField(
        _("news on my cases"),
        max_length=10,
        choices=NotificationChannel.choices,
        default=NotificationChannel.EMAIL,
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email_index"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return f"Account {self.pk}"

    def set_email(self, email: str) -> None:
        self.email = User.objects.normalize_email(email)
        self.email_index = email_index(self.email)

    @property
    def private_profile(self) -> Profile | None:
        return next((p for p in self.profiles.all() if p.kind == Profile.Kind.PRIVATE), None)

    @property
    def display_name(self) -> str:
        profile = self.private_profile
        return profile.display_name if profile else str(_("Account"))


class Profile(models.Model):
    """Who the account holder acts as: themselves, a business or an organisation."""

    class Kind(models.TextChoices):
        PRIVATE = "private", _("Private person")
        BUSINESS = "business", _("Business")
        ORGANISATION = "organisation", _("Organisation")

    MANDATORY: ClassVar[dict[str, tuple[str, ...]]] = {
        Kind.PRIVATE: ("first_name", "last_name"),
        Kind.BUSINESS: ("organisation_name", "uid"),
        Kind.ORGANISATION: ("organisation_name",),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="profiles")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    first_name = EncryptedCharField(_("first name"), max_length=100, blank=True)
    last_name = EncryptedCharField(_("last name"), max_length=100, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    organisation_name = EncryptedCharField(_("name of the business or organisation"), max_length=200, blank=True)
    uid = models.CharField(_("UID (company number)"), max_length=15, blank=True)
    street = EncryptedCharField(_("street and number"), max_length=150, blank=True)
    postal_code = EncryptedCharField(_("postcode"), max_length=10, blank=True)
    town = EncryptedCharField(_("town"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CH")
    email = EncryptedEmailField(_("contact email"), blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: the holder restricted processing (P23): the profile and its cases are kept, but no staff
    #: view or task processes them
    restricted_at = models.DateTimeField(_("processing restricted"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=models.Q(kind="private"), name="one_private_profile_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"Profile {self.pk} ({self.kind})"

    @property
    def display_name(self) -> str:
        if self.kind == Profile.Kind.PRIVATE:
            return f"{self.first_name or ''} {self.last_name or ''}".strip() or str(_("(erased)"))
        return self.organisation_name or str(_("(erased)"))


class EmailToken(models.Model):
    """A single-use token sent by email (address confirmation, password reset). Only its hash is stored."""

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", _("email confirmation")
        RESET = "reset", _("password reset")
        EMAIL_CHANGE = "change", _("email change")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_tokens")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # Email change only: the new address, encrypted under the account's data key until confirmed.
    data_key = models.ForeignKey(DataKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    new_email = EncryptedEmailField(_("new email address"), blank=True)

    class Meta:
        verbose_name = _("email token")
        verbose_name_plural = _("email tokens")

    def __str__(self) -> str:
        return f"{self.purpose} token"


class ThrottleEvent(models.Model):
    """One counted event (failed login, reset request) for rate limits shared by all processes.

    ``bucket`` is a keyed hash of the account or of the network address, never the value."""

    scope = models.CharField(max_length=30)
    bucket = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("throttle event")
        verbose_name_plural = _("throttle events")
        indexes = [models.Index(fields=["scope", "bucket", "at"])]

    def __str__(self) -> str:
        return f"{self.scope} @ {self.at:%Y-%m-%d %H:%M}"


class TotpDevice(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    secret = EncryptedCharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)  # a code is accepted at most once

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return "TOTP"


class RecoveryCode(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return "recovery code"


class Passkey(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    name = EncryptedCharField(_("name"), max_length=100)
    credential_id = models.CharField(max_length=512, unique=True)
    credential_data = models.TextField()  # public key material (not secret)
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")

    def __str__(self) -> str:
        return "passkey"


__all__ = ["EmailToken", "Passkey", "Profile", "RecoveryCode", "ThrottleEvent", "TotpDevice", "User", "email_index"]

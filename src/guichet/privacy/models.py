"""Records of the privacy centre: requests that need a person (P11), disclosures (P34), the
versions of the privacy statement and objections to them (P35), and inactivity notices (P31).

Free texts a person wrote (a request, the authority's answer) are encrypted under the account's
data key (P25), so erasing the account makes them unreadable at once."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.core.fields import EncryptedTextField
from guichet.core.models import Authority, DataKey


class PrivacyRequest(models.Model):
    """A request about one's data that a person at an authority (or the operator) must answer
    within the legal deadline (30 days, extendable once with notice to the person)."""

    class Kind(models.TextChoices):
        RECTIFICATION = "rectification", _("Rectification or completion")
        OBJECTION = "objection", _("Objection to processing")
        OTHER = "other", _("Other request about my data")

    class Status(models.TextChoices):
        OPEN = "open", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Answered")
        REFUSED = "refused", _("Refused")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="privacy_requests")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    #: who must answer: the authority of the case concerned; none means the portal's operator
    authority = models.ForeignKey(
        Authority, null=True, blank=True, on_delete=models.PROTECT, related_name="privacy_requests"
    )
    #: the case the request is about, if any
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="privacy_requests"
    )
    body = EncryptedTextField(_("request"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_at = models.DateTimeField(_("answer due"))
    extended_at = models.DateTimeField(_("deadline extended"), null=True, blank=True)
    extension_reason = EncryptedTextField(_("reason for the extension"), blank=True)
    answer = EncryptedTextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the language the person wrote in: the notices staff trigger later (extension, answer) use it
    language = models.CharField(max_length=8, default="de")

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        indexes = [models.Index(fields=["authority", "status", "due_at"], name="privacy_request_queue")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()


class Disclosure(models.Model):
    """A disclosure of a person's data to another authority, e.g. law enforcement on a court
    order (P34). Recorded by an operator; the person sees it in their privacy centre unless a
    legal bar (e.g. secrecy of an investigation) is recorded, and only until the bar ends."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="disclosures")
    recipient = models.CharField(_("recipient"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    court_order_reference = models.CharField(_("court order reference"), max_length=100, blank=True)
    data_disclosed = models.CharField(_("data disclosed"), max_length=500)
    disclosed_at = models.DateTimeField(_("disclosed on"))
    #: the disclosure is not shown to the person while a legal bar applies
    legal_bar_reason = models.CharField(_("legal bar"), max_length=300, blank=True)
    legal_bar_until = models.DateField(_("legal bar until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-disclosed_at"]
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")

    def __str__(self) -> str:
        return f"Disclosure {self.pk}"


class StatementVersion(models.Model):
    """A published version of the privacy statement with its summary of changes in the four
    languages (P35). It takes effect ``effective_at`` for everyone who did not object."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    summary = models.JSONField(_("summary of changes"), default=dict)  # {"de": "...", "fr": ..., ...}
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    effective_at = models.DateTimeField(_("takes effect"))
    notified_at = models.DateTimeField(_("users notified"), null=True, blank=True)
    #: how many accounts were emailed the summary (P35)
    notified_count = models.PositiveIntegerField(_("emails sent"), default=0)
    #: where the notification run stands (the last account emailed, in primary-key order), so a
    #: crashed or overlapping run resumes without emailing anyone twice; cleared when done
    notify_cursor = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("privacy statement version")
        verbose_name_plural = _("privacy statement versions")

    def __str__(self) -> str:
        return f"Statement v{self.version}"


class StatementObjection(models.Model):
    """A user's objection to a statement version, made before it took effect."""

    version = models.ForeignKey(StatementVersion, on_delete=models.PROTECT, related_name="objections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="statement_objections")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("objection to a statement version")
        verbose_name_plural = _("objections to statement versions")
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="one_objection_per_version")]

    def __str__(self) -> str:
        return f"Objection to statement v{self.version.version}"


class InactivityNotice(models.Model):
    """The notice sent to an account without login for a year (P31); the account is erased at
    ``erase_after`` unless its holder logs in first (which deletes this row)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inactivity_notice")
    sent_at = models.DateTimeField()
    erase_after = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("inactivity notice")
        verbose_name_plural = _("inactivity notices")

    def __str__(self) -> str:
        return f"Inactivity notice {self.pk}"

"""Cases: what a submission becomes at the authority, with its status and timeline.

A case belongs to the profile that submitted it and to the authority that owns the service.
Texts on the timeline (notes to the citizen, internal notes, the citizen's replies) and the
names of added documents are encrypted under the profile's data key (P25)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Profile
from guichet.catalogue.models import Service
from guichet.core.fields import EncryptedCharField, EncryptedTextField
from guichet.core.models import Authority, DataKey
from guichet.eforms.models import Submission


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="case")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="cases")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="cases")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="cases")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    #: the current status (a key of the form's ``statuses``)
    status = models.CharField(_("status"), max_length=50)
    #: the last status the citizen may see; internal statuses leave it unchanged
    public_status = models.CharField(max_length=50)
    is_closed = models.BooleanField(default=False)
    #: the status to return to when the citizen answers a request for information
    resume_status = models.CharField(max_length=50, blank=True)
    #: new, or answered by the citizen: something for the authority to do
    needs_attention = models.BooleanField(default=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        verbose_name=_("assigned to"),
    )
    opened_at = models.DateTimeField(_("submitted"), default=timezone.now)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    #: the applicant restricted processing (P23): kept, but no staff view or task processes it
    restricted_at = models.DateTimeField(_("processing restricted"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["authority", "is_closed", "opened_at"], name="cases_queue"),
            models.Index(fields=["profile", "updated_at"], name="cases_profile"),
            models.Index(fields=["closed_at"], name="cases_closed_at"),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseEvent(models.Model):
    """One entry of a case's timeline. ``visible``: the citizen sees it."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        STATUS = "status", _("Status changed")
        INFO_REQUEST = "info_request", _("Information requested")
        REPLY = "reply", _("Reply from the applicant")
        NOTE = "note", _("Internal note")
        ASSIGNED = "assigned", _("Assigned")
        #: the applicant restricted processing of the case or its profile (P23), and lifted it
        RESTRICTED = "restricted", _("Processing restricted by the applicant")
        RESTRICTION_LIFTED = "unrestricted", _("Restriction lifted by the applicant")

    class Author(models.TextChoices):
        CITIZEN = "citizen", _("Applicant")
        STAFF = "staff", _("Authority")
        SYSTEM = "system", _("System")

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=50, blank=True)
    visible = models.BooleanField(default=True)
    text = EncryptedTextField(_("text"), blank=True)
    author_kind = models.CharField(max_length=10, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class CaseAttachment(models.Model):
    """A document added to a running case (by the citizen answering a request), stored encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    name = EncryptedCharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")

    def __str__(self) -> str:
        return f"Attachment {self.pk}"

    @property
    def aad(self) -> str:
        return f"cases.attachment:{self.pk}"

"""Drafts: answers to a form definition, saved at every step, encrypted under the owner's data key."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Profile
from guichet.catalogue.models import Service
from guichet.core.fields import EncryptedCharField, EncryptedJSONField
from guichet.core.models import DataKey


class Draft(models.Model):
    """An application not yet submitted. ``answers`` holds JSON values only (dates and amounts as
    strings); ``current_step`` is the 0-based step to resume at, ``len(steps)`` once all are done."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="drafts")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="drafts")
    definition_slug = models.SlugField(max_length=100)
    definition_version = models.PositiveIntegerField()
    current_step = models.PositiveSmallIntegerField(default=0)
    answers = EncryptedJSONField(_("answers"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [models.UniqueConstraint(fields=["profile", "service"], name="one_draft_per_profile_and_service")]
        indexes = [models.Index(fields=["updated_at"], name="eforms_draft_updated")]

    def __str__(self) -> str:
        return f"Draft {self.pk}"


class FormVersion(models.Model):
    """The exact source of a form definition that a submission answered. A published slug and
    version never change content (a system check compares the shipped files with these rows),
    so a submission can always be shown with the labels and options its author saw."""

    slug = models.SlugField(max_length=100)
    version = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    source = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="one_source_per_form_version")]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"


class Submission(models.Model):
    """A submitted application: the answers as they were sent, under the owner's data key.
    ``draft_ref`` is the id of the draft it came from; its uniqueness makes submitting
    idempotent (double click, retry, back button)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="submissions")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="submissions")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="submissions")
    draft_ref = models.UUIDField(unique=True, editable=False)
    answers = EncryptedJSONField(_("answers"), default=dict)
    fee = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, default=0)
    language = models.CharField(max_length=8, default="de")
    #: keys of answers that came unchanged from a verified source (shown to the clerk as such)
    verified_keys = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"Submission {self.pk}"


class Upload(models.Model):
    """A file given in a form's file field, stored encrypted (``core.files``). It belongs to the
    draft while the form is filled in, then to the submission."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="uploads")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    draft = models.ForeignKey(Draft, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads")
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.CASCADE, related_name="uploads")
    field_key = models.CharField(max_length=100)
    name = EncryptedCharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        indexes = [models.Index(fields=["created_at"], name="eforms_upload_created")]

    def __str__(self) -> str:
        return f"Upload {self.pk}"

    @property
    def aad(self) -> str:
        return f"eforms.upload:{self.pk}"

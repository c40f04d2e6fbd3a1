"""Drafts: answers to a form definition, saved at every step, encrypted under the owner's data key."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Profile
from guichet.catalogue.models import Service
from guichet.core.fields import EncryptedJSONField
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

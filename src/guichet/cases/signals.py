"""Stored files go when their row goes, whichever way it is deleted (cascade, retention, erasure)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from guichet.cases.models import CaseAttachment
from guichet.core.files import blob_delete


@receiver(post_delete, sender=CaseAttachment, dispatch_uid="cases_attachment_blob")
def _delete_attachment_blob(sender: type[CaseAttachment], instance: CaseAttachment, **kwargs: Any) -> None:
    name = instance.storage_name
    transaction.on_commit(lambda: blob_delete(storage_name=name))

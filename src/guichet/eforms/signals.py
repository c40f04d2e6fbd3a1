"""Stored files go when their row goes, whichever way it is deleted (cascade, retention, erasure)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from guichet.core.files import blob_delete
from guichet.eforms.models import Upload


@receiver(post_delete, sender=Upload, dispatch_uid="eforms_upload_blob")
def _delete_upload_blob(sender: type[Upload], instance: Upload, **kwargs: Any) -> None:
    name = instance.storage_name
    transaction.on_commit(lambda: blob_delete(storage_name=name))
